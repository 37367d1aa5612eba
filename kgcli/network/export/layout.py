"""The default layout: seeded, readable on opening, components packed around the main one.

Every export has positions. Each connected component is laid out on its own by a force model
(Fruchterman & Reingold's springs: attraction d²/L along edges, repulsion L²/d between the
nodes of one component, exact up to `EXACT_MAX` nodes and within `CUTOFF` edge lengths
or `NEIGHBOURHOOD` node spacings beyond, as in their grid variant), scaled so that its median
edge is `EDGE` units long (a large one further, until its nodes have room for their discs), and
freed of overlapping discs. Then the components are packed as circles, largest first, each as
close to the centre as it fits; isolated nodes fill a sunflower spiral around them. So a
network's main part fills the picture instead of being squeezed between outliers. A hub's edges
are longer (its neighbours want `HUB_SPACING` each around it), and the whole is stretched in its
narrower direction towards the view's aspect (a picture's area, or square for an export). A network
smaller than `MIN_SPAN` units across is spread out to it, so that no client that fits the view
to it blows its discs up.

Units: an edge is about `EDGE` (100) units long and node radii are `RADIUS_MIN`..`RADIUS_MAX`
(Gephi and Gephi Lite draw sizes in the units of the positions). Networks above `FORCE_MAX`
nodes get the packing only, each component's nodes on a spiral: a force layout of that size
is Gephi's job (ForceAtlas 2), not a file writer's.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import networkx as nx
    import numpy as np

#: The length of a typical edge, in layout units.
EDGE = 100.0
#: Node radii (the `size` written), in layout units.
RADIUS_MIN, RADIUS_MAX = 10.0, 30.0
#: Components up to this many nodes feel every other node of theirs; larger ones only those
#: within CUTOFF edge lengths.
EXACT_MAX = 600
CUTOFF = 3.0
#: The room a hub's neighbours want around it, each, along its ring (units).
HUB_SPACING = 90.0
#: Above this many nodes, no force layout: components are packed, their nodes on spirals.
FORCE_MAX = 50_000
#: The least width or height of a layout, in units: at this span a view 1000 pixels wide
#: shows the largest disc (RADIUS_MAX) about 30 pixels across.
MIN_SPAN = 1000.0
#: The empty space kept between packed components and around each disc, in units.
GAP = 0.6 * EDGE
DISC_GAP = 4.0


def default_layout(
    graph: nx.Graph,
    radii: Mapping[Hashable, float] | None = None,
    *,
    seed: int = 42,
    iterations: int | None = None,
    aspect: float = 1.0,
) -> dict[Any, tuple[float, float]]:
    """Positions for every node of `graph`: same graph and seed, same positions. `aspect`: the
    width / height of the view it is meant for; the layout is stretched towards it."""
    import numpy as np

    nodes = sorted(graph, key=str)
    n = len(nodes)
    if n == 0:
        return {}
    index = {node: i for i, node in enumerate(nodes)}
    r = np.array([float((radii or {}).get(node, RADIUS_MIN)) for node in nodes])
    pairs = {(min(index[u], index[v]), max(index[u], index[v])) for u, v in graph.edges()}
    pairs = {p for p in pairs if p[0] != p[1]}
    edges = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
    comp = _components(n, edges)
    rng = np.random.default_rng(seed)
    pos = np.zeros((n, 2))
    groups = _groups(comp)
    force = n <= FORCE_MAX
    for members in groups:
        if len(members) == 1:
            continue
        if len(members) == 2:
            a, b = members
            gap = max(EDGE, r[a] + r[b] + 2 * DISC_GAP)
            pos[a], pos[b] = (-gap / 2, 0.0), (gap / 2, 0.0)
            continue
        local = _local_edges(members, edges, comp)
        if len(members) <= EXACT_MAX:
            pos[members] = _stress(len(members), local, rng, iterations)
        elif force:
            pos[members] = _forces(len(members), local, rng, iterations)
        else:
            pos[members] = _spiral(len(members), EDGE) + rng.uniform(-1, 1, (len(members), 2))
        pos[members] = _separate(_level(pos[members]), r[members])
    _pack(pos, r, groups)
    _fill(pos, r, aspect)
    _spread(pos, r)
    labels = [str(graph.nodes[node].get("label", node)) for node in nodes]
    _make_room_for_labels(pos, r, labels)
    rounded = [(round(float(x), 2), round(float(y), 2)) for x, y in pos]
    return dict(zip(nodes, rounded, strict=True))


#: How far a layout is stretched, at most, in one direction to fill its view's aspect.
STRETCH_MAX = 3.0


def _fill(pos: np.ndarray, r: np.ndarray, aspect: float) -> None:
    """Stretch the layout (in place) in its narrower direction until its width / height is the
    view's `aspect`: a tall tree in a wide picture would leave the picture's sides empty while
    its nodes crowd. Stretching only moves nodes apart, so no discs come to overlap."""
    if len(pos) < 2 or aspect <= 0:
        return
    low, high = (pos - r[:, None]).min(0), (pos + r[:, None]).max(0)
    width, height = (float(v) for v in high - low)
    if width <= 0 or height <= 0:
        return
    middle = (low + high) / 2
    if width / height < aspect:
        pos[:, 0] = middle[0] + (pos[:, 0] - middle[0]) * min(aspect * height / width, STRETCH_MAX)
    else:
        pos[:, 1] = middle[1] + (pos[:, 1] - middle[1]) * min(
            width / (aspect * height), STRETCH_MAX
        )


def _spread(pos: np.ndarray, r: np.ndarray) -> None:
    """Spread a small network out (in place) until it spans `MIN_SPAN` units: clients fit
    the view to the nodes (Gephi Lite, sigma.js) and draw sizes in the units of the
    positions, so a network only a few edges across would open with discs a tenth of the
    screen wide and Gephi Lite's edges (6 units thick) as bars."""
    if len(pos) < 2:
        return
    low, high = (pos - r[:, None]).min(0), (pos + r[:, None]).max(0)
    span = float((high - low).max())
    if 0 < span < MIN_SPAN:
        middle = (low + high) / 2
        pos[:] = middle + (pos - middle) * (MIN_SPAN / span)


#: The labels given room: those of the 60 largest nodes (Gephi Lite draws every label, not only
#: the 20 the readability measure counts), in a view of that many pixels, in text of that size
#: (`kgcli.network.export.readability`).
LABELLED, VIEW, FONT, CHAR = 60, 960.0, 14.0, 0.55


def _make_room_for_labels(pos: np.ndarray, r: np.ndarray, labels: Sequence[str]) -> None:
    """Gephi's Label Adjust, for the largest nodes' labels: where two of them (written to the
    right of their node, as sigma.js and Gephi write them) would cross on the screen, move the
    two nodes apart up and down until they do not. Then free any disc this made overlap."""
    import numpy as np

    if len(pos) < 2:
        return
    top = np.array(sorted(range(len(pos)), key=lambda i: (-r[i], labels[i]))[:LABELLED])
    width = np.array([len(labels[i]) * CHAR * FONT for i in top])
    for _ in range(60):
        span = max(
            float((pos[:, 0] + r).max() - (pos[:, 0] - r).min()),
            float((pos[:, 1] + r).max() - (pos[:, 1] - r).min()),
        )
        scale = VIEW / max(span, 1e-9)  # pixels per unit on the screen the measure assumes
        left = pos[top, 0] + r[top] + 3 / scale
        right = left + width / scale
        y = pos[top, 1]
        tall = (FONT + 2) / scale
        moved = False
        for a in range(len(top)):
            for b in range(a + 1, len(top)):
                if left[a] < right[b] and left[b] < right[a] and abs(y[a] - y[b]) < tall:
                    push = (tall - abs(y[a] - y[b])) / 2 + 0.5 / scale
                    up, down = (a, b) if y[a] < y[b] or (y[a] == y[b] and a < b) else (b, a)
                    pos[top[up], 1] -= push
                    pos[top[down], 1] += push
                    y = pos[top, 1]
                    moved = True
        if not moved:
            break
    pos[:] = _separate(pos, r, rounds=300)


def _level(pos: np.ndarray) -> np.ndarray:
    """Turn a component so that its longest axis stands upright: labels run to the right of
    their nodes, so nodes above one another leave each label its line, where nodes side by side
    would write their labels over each other."""
    import numpy as np

    centred = pos - pos.mean(0)
    _, vectors = np.linalg.eigh(centred.T @ centred)
    major = vectors[:, -1]
    if major[0] < 0 or (major[0] == 0 and major[1] < 0):
        major = -major  # a fixed sign: the same graph always turns the same way
    rotation = np.array([[major[1], -major[0]], [major[0], major[1]]])
    return centred @ rotation.T


def _components(n: int, edges: np.ndarray) -> np.ndarray:
    import numpy as np
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    data = np.ones(len(edges))
    matrix = coo_matrix((data, (edges[:, 0], edges[:, 1])), shape=(n, n))
    _, labels = connected_components(matrix, directed=False)
    return labels


def _groups(comp: np.ndarray) -> list[np.ndarray]:
    """Node indices per component: largest first, then by their first node (sorted ids)."""
    import numpy as np

    order = np.argsort(comp, kind="stable")
    cuts = np.flatnonzero(np.diff(comp[order])) + 1
    groups = np.split(order, cuts)
    groups.sort(key=lambda g: (-len(g), int(g.min())))
    return groups


def _local_edges(members: np.ndarray, edges: np.ndarray, comp: np.ndarray) -> np.ndarray:
    """The edges of one component, renumbered 0..len(members)-1."""
    import numpy as np

    mine = edges[comp[edges[:, 0]] == comp[members[0]]]
    renumber = np.full(len(comp), -1, dtype=np.int64)
    renumber[members] = np.arange(len(members))
    return renumber[mine]


def _forces(
    n: int, edges: np.ndarray, rng: np.random.Generator, iterations: int | None
) -> np.ndarray:
    """Fruchterman-Reingold on one component, in units where an edge wants to be 1 long; the
    result scaled so that its median edge is EDGE long."""
    import numpy as np

    pos = _spiral(n, 1.0) + rng.uniform(-0.1, 0.1, (n, 2))
    steps = iterations if iterations is not None else _steps(n)
    temperature = max(1.0, math.sqrt(n)) / 4
    degree = np.bincount(edges.ravel(), minlength=n).astype(float)
    # Hubs push harder (ForceAtlas 2's degree-weighted repulsion), so their leaves spread out.
    mass = degree + 1.0
    pairs = np.zeros((0, 2), dtype=np.int64)
    for step in range(steps):
        if n <= EXACT_MAX:
            diff = pos[:, None, :] - pos[None, :, :]
            dist2 = np.maximum((diff**2).sum(-1), 1e-4)
            np.fill_diagonal(dist2, np.inf)
            push = (mass[:, None] * mass[None, :]) / dist2
            move = (diff * push[..., None]).sum(1) / mass[:, None]
        else:
            # The neighbours within reach change slowly: finding them (a k-d tree query, the
            # costliest step) every few steps, a little beyond the cutoff, costs a fraction.
            if step % REFRESH == 0:
                low, high = np.percentile(pos, (5, 95), axis=0)
                spacing = math.sqrt(float(np.prod(high - low)) / (0.81 * n))
                pairs = _near_pairs(pos, min(CUTOFF, NEIGHBOURHOOD * spacing) * SKIN)
            move = _repel(pos, mass, pairs)
        delta = pos[edges[:, 0]] - pos[edges[:, 1]]
        length = np.sqrt((delta**2).sum(-1)) + 1e-9
        pull = delta * length[:, None]  # d² along the edge
        move -= _scatter(edges[:, 0], pull, n)
        move += _scatter(edges[:, 1], pull, n)
        # A little gravity keeps loose branches near their component.
        move -= 0.05 * (pos - pos.mean(0)) * np.sqrt(mass)[:, None]
        size = np.sqrt((move**2).sum(-1)) + 1e-9
        limit = temperature * (1 - step / steps) + 0.01
        pos += move / size[:, None] * np.minimum(size, limit)[:, None]
    delta = pos[edges[:, 0]] - pos[edges[:, 1]]
    median = float(np.median(np.sqrt((delta**2).sum(-1)))) if len(edges) else 1.0
    scale = EDGE / max(median, 1e-6)
    if n > EXACT_MAX:
        # A large sparse network's edges span it, nodes lie far closer than an edge apart:
        # scaled by its edges alone, its discs would overlap by the thousand and _separate
        # push them apart for hundreds of rounds. Give the typical node room for its disc.
        from scipy.spatial import cKDTree

        nearest, _ = cKDTree(pos).query(pos, k=2)
        close = float(np.percentile(nearest[:, 1], ROOM_SHARE))
        scale = max(scale, ROOM / max(close, 1e-9))
    return (pos - pos.mean(0)) * scale


#: The distance, in units, all but ROOM_SHARE % of a large component's nodes get to their
#: nearest one: two of the smallest discs side by side.
ROOM, ROOM_SHARE = 2 * RADIUS_MIN + DISC_GAP, 10.0

#: The neighbour pairs of the cutoff repulsion are found every REFRESH steps, within SKIN
#: times the reach, so that most nodes coming into reach between two searches feel it (the
#: repulsion is an approximation beyond the exact model anyway).
REFRESH, SKIN = 5, 1.2
#: Beyond the exact model a node feels the nodes within CUTOFF units or NEIGHBOURHOOD
#: typical spacings (the side of the area per node), whichever is less: a large layout
#: contracts to well under an edge per node, and a fixed reach would then hold hundreds of
#: nodes and cost in proportion (FR's grid variant sizes its cells by the node spacing too).
NEIGHBOURHOOD = 3.0


def _steps(n: int) -> int:
    """Force steps for a component of `n` nodes: 300 for the exact model, 120 for the cutoff
    one up to 5,000 nodes, then fewer (54 at 25,000, 40 from 45,000): each step costs about
    `n`, and a file writer's layout is a readable start that Gephi's ForceAtlas 2 refines."""
    if n <= EXACT_MAX:
        return 300
    if n <= 5_000:
        return 120
    return max(40, int(120 * math.sqrt(5_000 / n)))


def _stress(
    n: int, edges: np.ndarray, rng: np.random.Generator, iterations: int | None
) -> np.ndarray:
    """Stress majorization (Gansner, Koren & North 2004) on one component: each pair of nodes
    wants to be as far apart as the edges between them, EDGE units per edge. Starts from the
    classical scaling of those distances, so it needs no random start."""
    import numpy as np
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import shortest_path

    # A hub's edges are longer, so that its neighbours fit around it: a ring of `degree`
    # nodes HUB_SPACING apart (a disc and a short label each) needs a radius of
    # degree * HUB_SPACING / 2 pi; no edge is shorter than EDGE.
    degree = np.bincount(edges.ravel(), minlength=n).astype(float)
    hub = np.maximum(degree[edges[:, 0]], degree[edges[:, 1]])
    length = np.maximum(1.0, hub * HUB_SPACING / (2 * math.pi * EDGE))
    matrix = coo_matrix((length, (edges[:, 0], edges[:, 1])), shape=(n, n))
    hops = shortest_path(matrix.tocsr(), method="D", directed=False)
    hops[~np.isfinite(hops)] = hops[np.isfinite(hops)].max() + 1
    # Classical scaling: the two main axes of the double-centred squared distances.
    square = hops**2
    centred = -0.5 * (square - square.mean(0) - square.mean(1)[:, None] + square.mean())
    values, vectors = np.linalg.eigh(centred)
    pos = vectors[:, -2:] * np.sqrt(np.maximum(values[-2:], 1e-9))
    pos += rng.uniform(-1e-3, 1e-3, pos.shape)  # breaks exact symmetries, seeded
    weight = np.zeros_like(hops)
    off = hops > 0
    weight[off] = hops[off] ** -2.0
    total = weight.sum(1)[:, None]
    for _ in range(iterations if iterations is not None else 200):
        diff = pos[:, None, :] - pos[None, :, :]
        dist = np.sqrt((diff**2).sum(-1))
        np.fill_diagonal(dist, 1.0)
        dist = np.maximum(dist, 1e-6)
        target = pos[None, :, :] + (hops / dist)[..., None] * diff
        new = (weight[..., None] * target).sum(1) / total
        if np.abs(new - pos).max() < 1e-4:
            pos = new
            break
        pos = new
    return (pos - pos.mean(0)) * EDGE


def _near_pairs(pos: np.ndarray, reach: float) -> np.ndarray:
    """The pairs (i < j) of nodes within `reach` of each other."""
    from scipy.spatial import cKDTree

    return cKDTree(pos).query_pairs(reach, output_type="ndarray")


def _repel(pos: np.ndarray, mass: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Each node's move from the degree-weighted repulsion of `pairs`."""
    import numpy as np

    if len(pairs) == 0:
        return np.zeros_like(pos)
    a, b = pairs[:, 0], pairs[:, 1]
    diff = pos[a] - pos[b]
    dist2 = np.maximum((diff**2).sum(-1), 1e-4)
    # push / mass[a] and -push / mass[b], with push = diff * mass[a] * mass[b] / dist2.
    diff /= dist2[:, None]
    return _scatter(a, diff * mass[b, None], len(pos)) - _scatter(b, diff * mass[a, None], len(pos))


def _scatter(index: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """The (n, 2) sums of `values` rows per `index`: np.add.at's result, several times faster."""
    import numpy as np

    return np.column_stack(
        (
            np.bincount(index, values[:, 0], minlength=n),
            np.bincount(index, values[:, 1], minlength=n),
        )
    )


def _separate(pos: np.ndarray, r: np.ndarray, rounds: int = 60) -> np.ndarray:
    """Push apart discs that overlap (with DISC_GAP between them), a few pairs at a time."""
    import numpy as np

    pos = pos.copy()
    reach = 2 * float(r.max()) + DISC_GAP
    # A Verlet list: the pairs within reach + skin, searched again only once some node has
    # moved skin/2 since, so it always holds every pair within reach (the same pushes as a
    # search every round, at a fraction of the searches).
    skin = reach / 2
    pairs = _near_pairs(pos, reach + skin)
    searched = pos.copy()
    for _ in range(rounds):
        if float(((pos - searched) ** 2).sum(-1).max()) > (skin / 2) ** 2:
            pairs = _near_pairs(pos, reach + skin)
            searched = pos.copy()
        if len(pairs) == 0:
            break
        a, b = pairs[:, 0], pairs[:, 1]
        diff = pos[a] - pos[b]
        dist = np.sqrt((diff**2).sum(-1))
        need = r[a] + r[b] + DISC_GAP
        hit = dist < need
        if not hit.any():
            break
        a, b, diff, dist, need = a[hit], b[hit], diff[hit], dist[hit], need[hit]
        same = dist < 1e-6
        diff[same] = (1.0, 0.0)
        dist[same] = 1.0
        shift = diff / dist[:, None] * ((need - dist) / 2 + 0.5)[:, None]
        pos += _scatter(a, shift, len(pos)) - _scatter(b, shift, len(pos))
    return pos


def _spiral(count: int, spacing: float, start: int = 0) -> np.ndarray:
    """`count` points of a sunflower (Vogel) spiral, about `spacing` apart, from its `start`th."""
    import numpy as np

    k = np.arange(start, start + count, dtype=float)
    radius = spacing * np.sqrt(k + 0.5) * 0.55
    angle = k * 2.399963229728653  # the golden angle
    return np.column_stack((radius * np.cos(angle), radius * np.sin(angle)))


#: The largest components are packed one by one, each as near the centre as it fits; the rest
#: (many small ones, in most real graphs) on a spiral of equal cells around them.
PACK_ONE_BY_ONE = 24


def _pack(pos: np.ndarray, r: np.ndarray, groups: Sequence[np.ndarray]) -> None:
    """Move each component (in place) so that none overlaps another: the largest at the
    centre, the next largest as close to it as they fit, then the smaller ones, then the
    isolated nodes, on sunflower spirals around them all."""
    import numpy as np

    placed_c: list[tuple[float, float]] = []
    placed_r: list[float] = []
    multi = [g for g in groups if len(g) > 1]
    reach: list[float] = []
    for members in multi:
        pos[members] -= pos[members].mean(0)
        reach.append(float(np.sqrt((pos[members] ** 2).sum(-1)).max() + r[members].max()))
    for members, extent in zip(multi[:PACK_ONE_BY_ONE], reach, strict=False):
        if not placed_c:
            where = (0.0, 0.0)
        else:
            where = _free_spot(np.array(placed_c), np.array(placed_r), extent + GAP / 2)
        pos[members] += where
        placed_c.append(where)
        placed_r.append(extent + GAP / 2)
    done = [m for m in multi[:PACK_ONE_BY_ONE]]
    rest = multi[PACK_ONE_BY_ONE:]
    if rest:
        cell = max(reach[PACK_ONE_BY_ONE:])
        spots = _spots(pos, r, done, len(rest), 2 * cell + GAP, cell + float(r.max()) + GAP / 2)
        for members, spot in zip(rest, spots, strict=True):
            pos[members] += spot
        done += rest
    singles = [int(g[0]) for g in groups if len(g) == 1]
    if singles:
        spacing = 2 * float(r[singles].max()) + GAP / 2
        # At least an edge's length from every node of a component: none seems linked to it.
        clear = float(r.max()) + float(r[singles].max()) + EDGE
        pos[singles] = _spots(pos, r, done, len(singles), spacing, clear)


def _spots(
    pos: np.ndarray,
    r: np.ndarray,
    done: Sequence[np.ndarray],
    count: int,
    spacing: float,
    clear: float,
) -> np.ndarray:
    """`count` points of a sunflower spiral from the centre, `spacing` apart, each at least
    `clear` from every node of the components in `done`."""
    import numpy as np
    from scipy.spatial import cKDTree

    placed = np.concatenate(done) if done else np.zeros(0, dtype=np.int64)
    tree = cKDTree(pos[placed]) if len(placed) else None
    found: list[np.ndarray] = []
    need = count
    start = 0
    while need > 0:
        candidates = _spiral(max(need * 2, 256), spacing * 1.1, start)
        start += len(candidates)
        if tree is not None:
            distance, _ = tree.query(candidates)
            candidates = candidates[distance >= clear]
        found.append(candidates[:need])
        need -= len(found[-1])
    return np.concatenate(found)[:count]


def _free_spot(centres: np.ndarray, radii: np.ndarray, radius: float) -> tuple[float, float]:
    """The point nearest the origin where a circle of `radius` overlaps none of the circles."""
    import numpy as np

    # Candidates: touching each placed circle, at 48 angles; the nearest free one wins.
    angles = np.linspace(0, 2 * math.pi, 48, endpoint=False)
    ring = np.column_stack((np.cos(angles), np.sin(angles)))
    candidates = (centres[:, None, :] + (radii[:, None, None] + radius) * ring[None]).reshape(-1, 2)
    d = np.sqrt(((candidates[:, None, :] - centres[None]) ** 2).sum(-1))
    free = (d >= radii[None] + radius - 1e-6).all(1)
    candidates = candidates[free]
    best = candidates[np.argmin((candidates**2).sum(-1) + 1e-9 * candidates[:, 0])]
    return float(best[0]), float(best[1])
