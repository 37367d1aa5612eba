"""Pictures of a network a person can read: SVG, and one self-contained HTML page.

    from kgcli.network.export.draw import draw
    draw(graph, "cluster.svg")          # or .html: pan, zoom, a node's attributes on hover

The picture is the export's readable default (`kgcli.network.export.plan`: the seeded layout, sizes
by degree, one colour per class) fitted into a `WIDTH` x `HEIGHT` view, with a title, a legend
of kinds and colours, and the labels of the largest nodes: up to `LABELS` of them, each put to
the right, left, below, above or at a corner of its node, wherever it crosses no other label and
no other node's disc, and left out where it fits nowhere (the HTML page shows every label on
hover). The layout is made for the drawing's area (`picture_plan`: its aspect); arrowheads are
`ARROW` edge widths long and end at the target's rim. Both formats are
written by hand, streamed, with no library and nothing fetched when the page opens:
benchmarks/bench_draw.py measured matplotlib's networkx drawing of the same picture 6x slower
and 5x larger at 10^4 nodes, 3x slower and 5x larger at 10^5 (benchmarks/RESULTS.md); sigma.js
would mean bundling it and graphology into every page. A network above `MAX_NODES` nodes is
refused: no static picture of it is legible.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, BinaryIO

from kgcli.errors import UsageError
from kgcli.network.export.plan import Plan, make_plan, node_ids, text_of
from kgcli.network.export.readability import CHAR_WIDTH, fit_scale
from kgcli.output.terms import SIGNIFICANT_DIGITS

if TYPE_CHECKING:
    import networkx as nx

PICTURE_FORMATS = ("svg", "html")
_EXTENSIONS = {".svg": "svg", ".html": "html", ".htm": "html"}
#: The largest network drawn: beyond it nodes shrink below a pixel and labels to a few percent.
MAX_NODES = 2000
WIDTH, HEIGHT = 1200, 860
#: The legend's column on the right, the title's band on top, the margin around the drawing.
LEGEND_WIDTH, TITLE_HEIGHT, MARGIN = 230, 56, 24
#: The drawing's area (width, height), between the title, the legend and the margins.
AREA = (WIDTH - LEGEND_WIDTH - 2 * MARGIN, HEIGHT - TITLE_HEIGHT - 2 * MARGIN)
FONT = 13.0
#: Pixels per layout unit at most (a 100-unit edge is at most 80 pixels long).
MAX_SCALE = 0.8
#: How a derived edge is drawn (`provenance`, with --infer): dashed, as the legend says.
DERIVED_DASH = ' stroke-dasharray="5 4"'
#: How many of the largest nodes get a label, at most.
LABELS = 40
LABEL_CHARS = 30
#: An arrowhead's length, in edge widths (SVG markers scale with the stroke), at most.
ARROW = 4.5
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def picture_format(path: str | os.PathLike[str], explicit: str | None = None) -> str:
    """`svg` or `html`, from `explicit` or the file's extension; anything else is a UsageError."""
    if explicit is not None:
        if explicit.lower() not in PICTURE_FORMATS:
            raise UsageError(
                f"unknown picture format {explicit!r} (choose from {', '.join(PICTURE_FORMATS)}; "
                "for Gephi, kg network export -o NAME.gexf)"
            )
        return explicit.lower()
    extension = os.path.splitext(os.fspath(path))[1].lower()
    if extension not in _EXTENSIONS:
        raise UsageError(
            f"cannot draw {os.fspath(path)!r}: unknown picture format {extension or '(none)'!r} "
            f"(choose .svg or .html; for Gephi, kg network export -o NAME.gexf)"
        )
    return _EXTENSIONS[extension]


def check_drawable(graph: nx.Graph) -> None:
    """Refuse a network too large to draw legibly, pointing to the export for Gephi."""
    count = graph.number_of_nodes()
    if count > MAX_NODES:
        raise UsageError(
            f"the network has {count:,} nodes, more than the {MAX_NODES:,} a picture can show "
            "legibly; export it for Gephi instead (kg network export -o NAME.gexf)"
        )


@dataclass
class Node:
    id: str
    x: float
    y: float
    r: float
    colour: str
    kind: str
    label: str
    shown: tuple[float, float, str] | None = None  # the label's x, y and text-anchor


@dataclass
class Scene:
    """What is drawn, in pixels."""

    title: str
    subtitle: str
    directed: bool
    nodes: list[Node]
    edges: list[tuple[int, int, float, str, bool]]  # source, target, width, label, derived
    legend: list[tuple[str, str, int]]  # kind, colour, count
    data: list[dict[str, Any]] = field(default_factory=list)  # each node's attributes
    arrow: float = ARROW  # an arrowhead's length, in edge widths
    area: tuple[float, float] = AREA  # the drawing's area, in pixels

    def label_boxes(self) -> list[tuple[float, float, float, float]]:
        return [_box(n, n.shown) for n in self.nodes if n.shown is not None]

    def labelled(self) -> list[tuple[int, tuple[float, float, float, float]]]:
        """Each drawn label's node index and box (pixels: left, top, right, bottom)."""
        return [(i, _box(n, n.shown)) for i, n in enumerate(self.nodes) if n.shown is not None]

    def arrowheads(self) -> list[tuple[float, float, float, int]]:
        """Each arrowhead drawn, as the disc around it (x, y, radius) and its target's index:
        the tip where write_svg ends the line, at the target's rim; `arrow` edge widths long."""
        if not self.directed:
            return []
        out = []
        for a, b, width, *_ in self.edges:
            s, t = self.nodes[a], self.nodes[b]
            dx, dy = t.x - s.x, t.y - s.y
            length = math.hypot(dx, dy)
            if length < 1e-6:
                continue
            half = self.arrow * width / 2
            back = t.r + 1 + half  # from the target's centre to the head's middle
            out.append((t.x - dx / length * back, t.y - dy / length * back, half, b))
        return out


def scene(graph: nx.Graph, plan: Plan | None = None, *, title: str | None = None) -> Scene:
    """Place the network in the picture: nodes, edges, labels, legend."""
    check_drawable(graph)
    if plan is None:
        plan = picture_plan(graph)
    positions = plan.positions or {}
    radii = plan.radii
    area_w, area_h = AREA
    scale, x0, y0, x1, y1 = fit_scale(positions, radii, area_w, area_h, margin=0)
    # A small network is not blown up: an edge stays at most MAX_SCALE * 100 pixels long.
    scale = min(scale, MAX_SCALE)
    # Centre the drawing in its area.
    left = MARGIN + (area_w - (x1 - x0) * scale) / 2
    top = TITLE_HEIGHT + MARGIN + (area_h - (y1 - y0) * scale) / 2
    node_id = node_ids(plan)
    nodes: list[Node] = []
    at: dict[Any, int] = {}
    counts: dict[str, int] = {}
    for node, data in graph.nodes(data=True):
        x, y = positions.get(node, (0.0, 0.0))
        kind = str(data.get("kind", ""))
        counts[kind] = counts.get(kind, 0) + 1
        at[node] = len(nodes)
        nodes.append(
            Node(
                id=node_id(node),
                x=round(left + (x - x0) * scale, 2),
                y=round(top + (y - y0) * scale, 2),
                r=round(max(radii.get(node, 10.0) * scale, 1.5), 2),
                colour=plan.node_colour(data) or "#999999",
                kind=kind,
                label=_clean(str(data.get("label", node))),
            )
        )
    _place_labels(nodes)
    weights = [float(d.get("weight", 1.0)) for *_, d in _edge_data(graph)]
    top_weight = max(weights, default=1.0)
    edges = []
    for u, v, d in _edge_data(graph):
        w = float(d.get("weight", 1.0))
        width = 0.8 + 2.2 * math.sqrt(w / top_weight) if top_weight > 1 else 1.0
        derived = d.get("provenance") == "derived"  # --infer: no relation of it is stated
        edges.append((at[u], at[v], round(width, 2), _clean(str(d.get("label", ""))), derived))
    legend = [(kind, colour, counts.get(kind, 0)) for kind, colour in plan.legend.items()]
    name = title or str(graph.graph.get("title") or "Network")
    subtitle = (
        f"{graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} edges; "
        f"size: {plan.size_by or 'degree'}; colour: kind"
    )
    data = [_attributes(d) for _, d in graph.nodes(data=True)]
    # Arrowheads shrink with the discs (never below 2 edge widths): at 700 nodes, heads as
    # long as at 40 would bury the small discs they point at.
    arrow = round(max(2.0, ARROW * min(1.0, scale / MAX_SCALE)), 2)
    return Scene(_clean(name), subtitle, graph.is_directed(), nodes, edges, legend, data, arrow)


def picture_plan(
    graph: nx.Graph,
    *,
    size_by: str | None = None,
    size_scale: str = "sqrt",
    layout: str = "auto",
    seed: int = 42,
) -> Plan:
    """The export's plan, with the default layout made for the picture's area (its aspect)."""
    if layout != "auto":
        return make_plan(graph, size_by=size_by, size_scale=size_scale, layout=layout, seed=seed)
    from kgcli.network.export.layout import default_layout

    plan = make_plan(graph, size_by=size_by, size_scale=size_scale, layout="none", seed=seed)
    plan.positions = default_layout(graph, plan.radii, seed=seed, aspect=AREA[0] / AREA[1])
    return plan


def _edge_data(graph: nx.Graph) -> Iterator[tuple[Any, Any, Mapping[str, Any]]]:
    yield from graph.edges(data=True)


def _attributes(data: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, bool | int | str):
            out[key] = _clean(value) if isinstance(value, str) else value
        elif isinstance(value, float):
            # Significant digits, as tables show them: round(value, 6) showed 6e-08 as 0.0.
            out[key] = (
                float(f"{value:.{SIGNIFICANT_DIGITS}g}") if math.isfinite(value) else str(value)
            )
        else:
            out[key] = _clean(text_of(value))
    return out


def _clean(text: str) -> str:
    # A picture is no data format: a character XML cannot carry is shown as U+FFFD.
    return _FORBIDDEN.sub("\ufffd", text)


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _box(node: Node, shown: tuple[float, float, str]) -> tuple[float, float, float, float]:
    x, y, anchor = shown
    w = len(_short(node.label)) * CHAR_WIDTH * FONT
    if anchor == "start":
        return (x, y - FONT * 0.8, x + w, y + FONT * 0.3)
    if anchor == "end":
        return (x - w, y - FONT * 0.8, x, y + FONT * 0.3)
    return (x - w / 2, y - FONT * 0.8, x + w / 2, y + FONT * 0.3)


def _place_labels(nodes: list[Node]) -> None:
    """Label the largest nodes, largest first, where the label crosses no other label and no
    other node's disc: a name written across a disc reads as that node's. A label that fits
    nowhere is left out (the HTML page shows it on hover); the layout gives the largest nodes
    room, so few are. (Before, a label could cover smaller nodes' discs.)
    """
    from scipy.spatial import cKDTree

    if not nodes:
        return
    order = sorted(range(len(nodes)), key=lambda i: (-nodes[i].r, nodes[i].label))
    tree = cKDTree([(n.x, n.y) for n in nodes])
    reach = max(n.r for n in nodes)
    placed: list[tuple[float, float, float, float]] = []
    for i in order[:LABELS]:
        _place(nodes, i, tree, reach, placed)


def _place(
    nodes: list[Node],
    i: int,
    tree: Any,
    reach: float,
    placed: list[tuple[float, float, float, float]],
) -> None:
    n = nodes[i]
    pad = n.r + 3
    # Right, left, below, above, then the four corners.
    corner = n.r * 0.75 + 2
    for shown in (
        (n.x + pad, n.y + FONT * 0.35, "start"),
        (n.x - pad, n.y + FONT * 0.35, "end"),
        (n.x, n.y + pad + FONT * 0.8, "middle"),
        (n.x, n.y - pad - 2, "middle"),
        (n.x + corner, n.y + corner + FONT * 0.8, "start"),
        (n.x + corner, n.y - corner - 2, "start"),
        (n.x - corner, n.y + corner + FONT * 0.8, "end"),
        (n.x - corner, n.y - corner - 2, "end"),
    ):
        box = _box(n, shown)
        if box[0] < 2 or box[2] > WIDTH - LEGEND_WIDTH or box[1] < TITLE_HEIGHT:
            continue
        if box[3] > HEIGHT - 2 or any(_cross(box, other) for other in placed):
            continue
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        half = math.hypot(box[2] - box[0], box[3] - box[1]) / 2 + reach
        near = tree.query_ball_point((cx, cy), half)
        if any(j != i and _disc_cross(box, nodes[j]) for j in near):
            continue
        n.shown = shown
        placed.append(box)
        break


def _cross(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _disc_cross(box: tuple[float, ...], node: Node) -> bool:
    nx_ = min(max(node.x, box[0]), box[2])
    ny_ = min(max(node.y, box[1]), box[3])
    return (nx_ - node.x) ** 2 + (ny_ - node.y) ** 2 < node.r**2


# --- SVG ----------------------------------------------------------------------------------------


def write_svg(found: Scene, out: BinaryIO, *, interactive: bool = False) -> None:
    """The scene as an SVG document (or, `interactive`, the <svg> element for the HTML page)."""
    from kgcli.network.export.xmlwriter import attr, text

    parts: list[str] = []
    put = parts.append
    if not interactive:
        put('<?xml version="1.0" encoding="UTF-8"?>\n')
    put(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">\n'
    )
    put(f"<title>{text(found.title)}</title>\n")
    put(
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" '
        f'markerWidth="{found.arrow:g}" markerHeight="{found.arrow:g}" '
        'orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#8a8a8a"/></marker></defs>\n'
    )
    put(f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>\n')
    put('<g id="view">\n<g id="edges" stroke="#8a8a8a" stroke-opacity="0.55" fill="none">\n')
    marker = ' marker-end="url(#arrow)"' if found.directed else ""
    nodes = found.nodes
    for a, b, width, label, derived in found.edges:
        s, t = nodes[a], nodes[b]
        dx, dy = t.x - s.x, t.y - s.y
        length = math.hypot(dx, dy)
        if length < 1e-6:
            continue
        # Stop at the target's rim so that the arrow head shows.
        x2, y2 = t.x - dx / length * (t.r + 1), t.y - dy / length * (t.r + 1)
        tip = f"<title>{text(label)}</title>" if label and interactive else ""
        dash = DERIVED_DASH if derived else ""
        put(
            f'<line x1="{s.x}" y1="{s.y}" x2="{x2:.2f}" y2="{y2:.2f}" '
            f'stroke-width="{width}"{dash}{marker}>{tip}</line>\n'
            if tip
            else f'<line x1="{s.x}" y1="{s.y}" x2="{x2:.2f}" y2="{y2:.2f}" '
            f'stroke-width="{width}"{dash}{marker}/>\n'
        )
    put('</g>\n<g id="nodes" stroke="#ffffff" stroke-width="1.2">\n')
    for index, n in enumerate(nodes):
        hook = f' data-i="{index}"' if interactive else ""
        put(f'<circle cx="{n.x}" cy="{n.y}" r="{n.r}" fill="{n.colour}"{hook}/>\n')
    put('</g>\n<g id="labels" font-size="13" fill="#222222" stroke="#ffffff" ')
    put('stroke-width="3" stroke-linejoin="round" paint-order="stroke">\n')
    for n in nodes:
        if n.shown is not None:
            x, y, anchor = n.shown
            put(
                f'<text x="{x:.2f}" y="{y:.2f}" text-anchor="{anchor}">'
                f"{text(_short(n.label))}</text>\n"
            )
    put("</g>\n</g>\n")
    if interactive:
        # Zoomed in, the drawing passes under the title and the legend: keep them legible.
        rows = min(len(found.legend), 37)
        put(f'<rect width="{WIDTH}" height="{TITLE_HEIGHT - 4}" fill="#ffffff" opacity="0.85"/>\n')
        put(
            f'<rect x="{WIDTH - LEGEND_WIDTH}" y="{TITLE_HEIGHT}" width="{LEGEND_WIDTH}" '
            f'height="{34 + rows * 20}" fill="#ffffff" opacity="0.85"/>\n'
        )
    # Title, then the legend: kinds with their colour and how many nodes each has.
    put(
        f'<text x="{MARGIN}" y="26" font-size="20" font-weight="bold" fill="#111111">'
        f"{text(found.title)}</text>\n"
    )
    put(f'<text x="{MARGIN}" y="45" font-size="12" fill="#555555">{text(found.subtitle)}</text>\n')
    lx = WIDTH - LEGEND_WIDTH + 10
    put('<g id="legend" font-size="12" fill="#222222" ')
    put(f'transform="translate({lx},{TITLE_HEIGHT})">\n')
    put('<text x="0" y="14" font-weight="bold">Kinds</text>\n')
    for row, (kind, colour, count) in enumerate(found.legend[:36]):
        y = 34 + row * 20
        put(f'<circle cx="7" cy="{y - 4}" r="6" fill="{attr(colour)}"/>\n')
        put(f'<text x="20" y="{y}">{text(_short(kind))} ({count})</text>\n')
    if len(found.legend) > 36:
        put(f'<text x="0" y="{34 + 36 * 20}">and {len(found.legend) - 36} more</text>\n')
    put("</g>\n")
    if any(edge[4] for edge in found.edges):  # below the kinds: how a derived edge looks
        y = TITLE_HEIGHT + 34 + (min(len(found.legend), 37) + 1) * 20
        put(f'<g id="edge-legend" font-size="12" fill="#222222" transform="translate({lx},{y})">\n')
        put(f'<line x1="0" y1="-4" x2="14" y2="-4" stroke="#8a8a8a"{DERIVED_DASH}/>\n')
        put('<text x="20" y="0">derived edge (--infer)</text>\n</g>\n')
    put("</svg>\n")
    out.write("".join(parts).encode("utf-8"))


# --- HTML ---------------------------------------------------------------------------------------

_STYLE = """
body { margin: 0; font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; background: #fff; }
#wrap { position: relative; width: 1200px; height: 860px; }
svg { display: block; cursor: grab; user-select: none; }
svg.dragging { cursor: grabbing; }
circle[data-i]:hover { stroke: #111; stroke-width: 2; }
#info { position: absolute; left: 12px; bottom: 12px; max-width: 420px; max-height: 360px;
  overflow: auto; background: rgba(255,255,255,.95); border: 1px solid #bbb; border-radius: 4px;
  padding: 8px 10px; font-size: 12px; display: none; box-shadow: 0 1px 4px rgba(0,0,0,.2); }
#info table { border-collapse: collapse; } #info td { padding: 1px 6px 1px 0; vertical-align: top; }
#info td:first-child { color: #666; } #help { position: absolute; right: 12px; bottom: 8px;
  font-size: 11px; color: #777; }
"""

# Pan (drag), zoom (wheel, around the pointer) and hover (a node's attributes): the view group
# is transformed, the legend and title stay.
_SCRIPT = """
(function () {
  var svg = document.querySelector("svg"), view = document.getElementById("view");
  var info = document.getElementById("info"), data = JSON.parse(
    document.getElementById("kg-data").textContent);
  var k = 1, tx = 0, ty = 0, drag = null;
  function apply() {
    view.setAttribute("transform", "translate(" + tx + "," + ty + ") scale(" + k + ")"); }
  function point(e) { var r = svg.getBoundingClientRect();
    return [(e.clientX - r.left) * svg.viewBox.baseVal.width / r.width,
            (e.clientY - r.top) * svg.viewBox.baseVal.height / r.height]; }
  svg.addEventListener("wheel", function (e) { e.preventDefault();
    var p = point(e), f = Math.exp(-e.deltaY * 0.0015), nk = Math.min(40, Math.max(0.2, k * f));
    tx = p[0] - (p[0] - tx) * nk / k; ty = p[1] - (p[1] - ty) * nk / k; k = nk; apply(); },
    { passive: false });
  svg.addEventListener("mousedown", function (e) { drag = [e.clientX, e.clientY, tx, ty];
    svg.classList.add("dragging"); });
  window.addEventListener("mousemove", function (e) { if (!drag) return;
    var r = svg.getBoundingClientRect(), s = svg.viewBox.baseVal.width / r.width;
    tx = drag[2] + (e.clientX - drag[0]) * s; ty = drag[3] + (e.clientY - drag[1]) * s;
    apply(); });
  window.addEventListener("mouseup", function () {
    drag = null; svg.classList.remove("dragging"); });
  function esc(s) { return String(s).replace(/[&<>"]/g, function (c) {
    return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]; }); }
  svg.addEventListener("mouseover", function (e) {
    var i = e.target.getAttribute && e.target.getAttribute("data-i");
    if (i === null || i === undefined) return;
    var d = data[+i], rows = "";
    for (var key in d) rows += "<tr><td>" + esc(key) + "</td><td>" + esc(d[key]) + "</td></tr>";
    info.innerHTML = "<b>" + esc(d.label || "") + "</b><table>" + rows + "</table>";
    info.style.display = "block"; });
  svg.addEventListener("dblclick", function () { k = 1; tx = 0; ty = 0; apply(); });
})();
"""


def write_html(found: Scene, out: BinaryIO) -> None:
    """The scene as one HTML page that needs nothing else: the SVG, its data and its script."""
    import io

    from kgcli.network.export.xmlwriter import text

    svg = io.BytesIO()
    write_svg(found, svg, interactive=True)
    # JSON inside <script>: "</" and the line separators JavaScript rejects are escaped.
    payload = json.dumps(found.data, ensure_ascii=True, separators=(",", ":"))
    payload = payload.replace("</", "<\\/")
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{text(found.title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        '<div id="wrap">\n'
    )
    out.write(page.encode("utf-8"))
    out.write(svg.getvalue())
    tail = (
        '<div id="info"></div>\n<div id="help">drag to pan, wheel to zoom, '
        "double-click to reset; hover a node for its attributes</div>\n</div>\n"
        f'<script type="application/json" id="kg-data">{payload}</script>\n'
        f"<script>{_SCRIPT}</script>\n</body>\n</html>\n"
    )
    out.write(tail.encode("utf-8"))


def draw(
    graph: nx.Graph,
    path: str | os.PathLike[str],
    *,
    fmt: str | None = None,
    size_by: str | None = None,
    size_scale: str = "sqrt",
    layout: str | None = "auto",
    seed: int = 42,
    title: str | None = None,
) -> Scene:
    """Draw `graph` to `path` (SVG or HTML, atomically); return the scene drawn."""
    from kgcli.atomic import atomic_write

    chosen = picture_format(path, fmt)
    check_drawable(graph)
    if layout in (None, "none"):
        layout = "auto"  # a picture needs positions
    plan = picture_plan(graph, size_by=size_by, size_scale=size_scale, layout=layout, seed=seed)
    found = scene(graph, plan, title=title)
    with atomic_write(path) as out:
        if chosen == "svg":
            write_svg(found, out)
        else:
            write_html(found, out)
    return found
