"""Is a drawn network readable? Three measures, taken on the picture as a viewer shows it.

The layout is fitted into a `width` x `height` pixel view (Gephi Lite and sigma.js fit the
graph to the screen on opening; our pictures do the same), node radii scaled with it, labels
drawn in `font` pixel text to the right of their node (sigma.js's place for them).

- `overlap`: the share of node pairs whose discs intersect (0 is best);
- `main_share`: the share of the view's area that the bounding box of the largest connected
  component fills (1 is best: a few outliers at the edges squeeze it towards 0). A network of
  many small components has no main part to show: there the main component must fill at least
  half its share of the nodes (`main_nodes`);
- `label_collisions`: the share of the `top` largest nodes' labels that cross another of those
  labels (0 is best);
- `disc`: the largest node's radius in pixels (a disc a tenth of the view wide hides its
  neighbours and says the network is tiny).

`THRESHOLDS` are what the default export of every built-in profile and of a synthetic city
network must meet (tests/test_readability.py).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import networkx as nx

#: The view the measures are taken in, and its text.
WIDTH, HEIGHT, FONT, MARGIN = 1000, 1000, 14.0, 20.0
#: How many labels count: the largest nodes' (sigma.js and our pictures label those first).
TOP_LABELS = 20
#: A character's average width, as a share of the font size (sans-serif text).
CHAR_WIDTH = 0.55
#: What "readable" means for the default export.
THRESHOLDS = {"overlap": 0.0, "main_share": 0.15, "label_collisions": 0.3, "disc": 40.0}


@dataclass(frozen=True)
class Readability:
    """The three measures of one drawing."""

    overlap: float
    main_share: float
    label_collisions: float
    scale: float  # pixels per layout unit
    main_nodes: float = 1.0  # the largest component's share of the nodes
    disc: float = 0.0  # the largest radius, in pixels

    def failures(self, thresholds: Mapping[str, float] = THRESHOLDS) -> list[str]:
        """The measures that miss their threshold, as `name value (limit)` texts."""
        out = []
        if self.overlap > thresholds["overlap"]:
            out.append(f"overlap {self.overlap:.3f} > {thresholds['overlap']}")
        floor = min(thresholds["main_share"], self.main_nodes / 2)
        if self.main_share < floor:
            out.append(f"main_share {self.main_share:.3f} < {floor:.3f}")
        if self.label_collisions > thresholds["label_collisions"]:
            out.append(
                f"label_collisions {self.label_collisions:.3f} > {thresholds['label_collisions']}"
            )
        if self.disc > thresholds["disc"]:
            out.append(f"disc {self.disc:.1f} px > {thresholds['disc']}")
        return out


def fit_scale(
    positions: Mapping[Hashable, tuple[float, float]],
    radii: Mapping[Hashable, float],
    width: float = WIDTH,
    height: float = HEIGHT,
    margin: float = MARGIN,
) -> tuple[float, float, float, float, float]:
    """(scale, min x, min y, max x, max y): pixels per unit that fit every disc into the view."""
    xs = [positions[n][0] - radii.get(n, 0.0) for n in positions]
    xs += [positions[n][0] + radii.get(n, 0.0) for n in positions]
    ys = [positions[n][1] - radii.get(n, 0.0) for n in positions]
    ys += [positions[n][1] + radii.get(n, 0.0) for n in positions]
    if not xs:
        return 1.0, 0.0, 0.0, 0.0, 0.0
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    span_x, span_y = max(x1 - x0, 1e-9), max(y1 - y0, 1e-9)
    scale = min((width - 2 * margin) / span_x, (height - 2 * margin) / span_y)
    return scale, x0, y0, x1, y1


def measure(
    graph: nx.Graph,
    positions: Mapping[Hashable, tuple[float, float]],
    radii: Mapping[Hashable, float],
    *,
    top: int = TOP_LABELS,
    width: float = WIDTH,
    height: float = HEIGHT,
    font: float = FONT,
) -> Readability:
    """The three measures of `graph` drawn at `positions` with discs of `radii`."""
    import networkx as nx
    import numpy as np
    from scipy.spatial import cKDTree

    nodes = list(graph)
    if not nodes:
        return Readability(0.0, 1.0, 0.0, 1.0)
    xy = np.array([positions[n] for n in nodes], dtype=float)
    r = np.array([float(radii.get(n, 0.0)) for n in nodes])
    count = len(nodes)
    pairs = cKDTree(xy).query_pairs(2 * float(r.max()) + 1e-9, output_type="ndarray")
    hits = 0
    if len(pairs):
        d = np.sqrt(((xy[pairs[:, 0]] - xy[pairs[:, 1]]) ** 2).sum(-1))
        hits = int((d < r[pairs[:, 0]] + r[pairs[:, 1]]).sum())
    overlap = hits / (count * (count - 1) / 2) if count > 1 else 0.0

    scale, x0, y0, _, _ = fit_scale(positions, radii, width, height)
    undirected = graph.to_undirected(as_view=True) if graph.is_directed() else graph
    main = max(nx.connected_components(undirected), key=len)
    at = {n: i for i, n in enumerate(nodes)}
    idx = np.array([at[n] for n in main])
    mx0 = float((xy[idx, 0] - r[idx]).min())
    mx1 = float((xy[idx, 0] + r[idx]).max())
    my0 = float((xy[idx, 1] - r[idx]).min())
    my1 = float((xy[idx, 1] + r[idx]).max())
    main_share = ((mx1 - mx0) * (my1 - my0) * scale * scale) / (width * height)

    ranked = sorted(range(count), key=lambda i: (-r[i], str(nodes[i])))[:top]
    boxes = []
    for i in ranked:
        label = str(graph.nodes[nodes[i]].get("label", nodes[i]))
        w = len(label) * CHAR_WIDTH * font
        left = (xy[i, 0] - x0) * scale + r[i] * scale + 3
        middle = (xy[i, 1] - y0) * scale
        boxes.append((left, middle - font / 2, left + w, middle + font / 2))
    crossed = sum(
        1
        for a, box in enumerate(boxes)
        if any(_cross(box, other) for b, other in enumerate(boxes) if a != b)
    )
    collisions = crossed / len(boxes) if boxes else 0.0
    return Readability(
        round(overlap, 6),
        round(main_share, 6),
        round(collisions, 6),
        scale,
        round(len(main) / count, 6),
        round(float(r.max()) * scale, 2),
    )


def _cross(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def as_dict(found: Readability) -> dict[str, Any]:
    return {
        "overlap": found.overlap,
        "main_share": found.main_share,
        "label_collisions": found.label_collisions,
        "disc": found.disc,
    }
