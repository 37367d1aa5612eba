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
network must meet (tests/network/test_readability.py).

A picture (`kgcli.network.export.draw`) is also measured as drawn (`measure_picture`), with the
labels where the picture puts them and the arrowheads it draws:

- `labels_on_discs`: the share of the drawn labels that cross another node's disc (0 is best:
  a name written across a disc reads as that node's);
- `fill`: how much of the drawing area the drawing fills in its thinner direction, against the
  other (1 is best: a tall narrow drawing in a wide area leaves half of it empty);
- `arrow_crowding`: the share of arrowheads that cross another arrowhead or another node's disc
  (0 is best).

`PICTURE_THRESHOLDS` are what every built-in profile's picture, a `--query` network's and the
synthetic city's must meet.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

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
#: What "readable" means for a picture, as drawn.
PICTURE_THRESHOLDS = {"labels_on_discs": 0.0, "fill": 0.75, "arrow_crowding": 0.35}


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


@dataclass(frozen=True)
class PictureReadability:
    """The measures of one picture, as drawn (pixels)."""

    labels_on_discs: float
    fill: float
    arrow_crowding: float

    def failures(self, thresholds: Mapping[str, float] = PICTURE_THRESHOLDS) -> list[str]:
        """The measures that miss their threshold, as `name value (limit)` texts."""
        out = []
        if self.labels_on_discs > thresholds["labels_on_discs"]:
            out.append(
                f"labels_on_discs {self.labels_on_discs:.3f} > {thresholds['labels_on_discs']}"
            )
        if self.fill < thresholds["fill"]:
            out.append(f"fill {self.fill:.3f} < {thresholds['fill']}")
        if self.arrow_crowding > thresholds["arrow_crowding"]:
            out.append(f"arrow_crowding {self.arrow_crowding:.3f} > {thresholds['arrow_crowding']}")
        return out


class Drawn(Protocol):
    """What a picture measure reads of a drawn scene (`kgcli.network.export.draw.Scene`, which
    imports this module)."""

    @property
    def nodes(self) -> Sequence[Any]: ...  # each with x, y and r, in pixels

    @property
    def area(self) -> tuple[float, float]: ...

    def labelled(self) -> list[tuple[int, tuple[float, float, float, float]]]: ...

    def arrowheads(self) -> list[tuple[float, float, float, int]]: ...


def measure_picture(found: Drawn) -> PictureReadability:
    """The picture measures of a drawn scene (`kgcli.network.export.draw.scene`)."""
    import numpy as np

    nodes = found.nodes
    if not nodes:
        return PictureReadability(0.0, 1.0, 0.0)
    xy = np.array([(n.x, n.y) for n in nodes])
    r = np.array([n.r for n in nodes])

    def on_disc(box: tuple[float, ...], j: int) -> bool:
        cx = min(max(xy[j, 0], box[0]), box[2])
        cy = min(max(xy[j, 1], box[1]), box[3])
        return bool((cx - xy[j, 0]) ** 2 + (cy - xy[j, 1]) ** 2 < r[j] ** 2)

    shown = found.labelled()
    crossing = sum(
        1 for i, box in shown if any(on_disc(box, j) for j in range(len(nodes)) if j != i)
    )
    labels_on_discs = crossing / len(shown) if shown else 0.0

    # The drawing's aspect against its area's: 1 where it fills both directions alike.
    area_w, area_h = found.area
    span_w = float((xy[:, 0] + r).max() - (xy[:, 0] - r).min())
    span_h = float((xy[:, 1] + r).max() - (xy[:, 1] - r).min())
    fill = 1.0
    if len(nodes) > 1 and span_w > 0 and span_h > 0:
        ratio = (span_w / area_w) / (span_h / area_h)
        fill = min(ratio, 1 / ratio)

    # Each arrowhead as the disc around its triangle: its tip at the end of the line drawn.
    heads = np.array(found.arrowheads(), dtype=float).reshape(-1, 4)
    crowded = np.zeros(len(heads), dtype=bool)
    if len(heads):
        from scipy.spatial import cKDTree

        centres, hr, target = heads[:, :2], heads[:, 2], heads[:, 3].astype(int)
        pairs = cKDTree(centres).query_pairs(2 * float(hr.max()), output_type="ndarray")
        if len(pairs):
            d2 = ((centres[pairs[:, 0]] - centres[pairs[:, 1]]) ** 2).sum(-1)
            hit = pairs[d2 < (hr[pairs[:, 0]] + hr[pairs[:, 1]]) ** 2]
            crowded[hit.ravel()] = True
        near = cKDTree(xy).query_ball_point(centres, hr + float(r.max()))
        for k, js in enumerate(near):
            if crowded[k]:
                continue
            # The tip touches its own target's rim: only other nodes' discs count.
            crowded[k] = any(
                j != target[k]
                and (xy[j, 0] - centres[k, 0]) ** 2 + (xy[j, 1] - centres[k, 1]) ** 2
                < (r[j] + hr[k]) ** 2
                for j in js
            )
    crowded_count = int(crowded.sum())
    arrow_crowding = crowded_count / len(heads) if len(heads) else 0.0
    return PictureReadability(round(labels_on_discs, 6), round(fill, 6), round(arrow_crowding, 6))
