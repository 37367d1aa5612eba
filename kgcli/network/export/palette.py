"""One stable palette: each class IRI has its colour, in every profile, network and run.

The classes of kgcli's own ontology (the kinds the built-in profiles make) have pinned colours,
chosen so that kinds that meet in one network stay apart. Any other class takes a colour from
its IRI: a hash picks a slot in `SLOTS` (Okabe-Ito, then Tableau 20), so a class keeps its colour
across runs and networks. Two classes of one network that hash to the same slot are told apart:
in the order of their IRIs, the later one takes the next free slot (so only then can a class's
colour depend on which other classes share its network). Past the slots, golden-angle hues.
"""

from __future__ import annotations

import colorsys
import hashlib
from collections.abc import Iterable

KG = "https://w3id.org/kgcli/ontology#"

#: Okabe & Ito (2008), the colour-blind-safe set, without its black (it hides edges and labels).
OKABE_ITO = ("#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7")
#: Tableau 20, for networks with more kinds than Okabe-Ito has colours.
TABLEAU_20 = (
    *("#1f77b4", "#aec7e8", "#ff7f0e", "#ffbb78", "#2ca02c", "#98df8a", "#d62728", "#ff9896"),
    *("#9467bd", "#c5b0d5", "#8c564b", "#c49c94", "#e377c2", "#f7b6d2", "#7f7f7f", "#c7c7c7"),
    *("#bcbd22", "#dbdb8d", "#17becf", "#9edae5"),
)
SLOTS = OKABE_ITO + TABLEAU_20

#: The kinds of kgcli's ontology: the same colour whichever profile makes them.
PINNED = {
    KG + "Company": "#0072b2",
    KG + "HealthcareFacility": "#009e73",
    KG + "MedicalCenter": "#d55e00",
    KG + "IndustrialPark": "#e69f00",
    KG + "SharedMedicalResource": "#cc79a7",
    KG + "MedicalResource": "#f7b6d2",
    KG + "ServicePlatform": "#56b4e9",
    KG + "Person": "#f0e442",
    KG + "Town": "#8c564b",
    KG + "District": "#c49c94",
    KG + "City": "#7f7f7f",
    KG + "Province": "#c7c7c7",
    KG + "Country": "#bcbd22",
    KG + "AdministrativeArea": "#9467bd",
    KG + "BusinessDistrict": "#ff9896",
    KG + "DevelopmentArea": "#ffbb78",
    KG + "TransportHub": "#17becf",
    KG + "RailwayStation": "#17becf",
    KG + "Landmark": "#98df8a",
    KG + "Pagoda": "#98df8a",
    KG + "Region": "#dbdb8d",
    KG + "ResearchFacility": "#aec7e8",
    KG + "Place": "#c5b0d5",
    KG + "Organization": "#9edae5",
}


def slot_of(key: str) -> int:
    """The palette slot a class IRI (or kind) hashes to: the same in every process."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % len(SLOTS)


def colours_for(keys: Iterable[str]) -> dict[str, str]:
    """A colour for each class IRI (or kind, for nodes without a class), distinct within the set."""
    wanted = sorted(set(keys))
    out: dict[str, str] = {}
    used: set[str] = set()
    for key in wanted:
        if key in PINNED:
            out[key] = PINNED[key]
            used.add(PINNED[key])
    free_slots = [c for c in SLOTS if c not in used]
    extra = 0
    for key in wanted:
        if key in out:
            continue
        start = slot_of(key)
        colour = None
        for step in range(len(SLOTS)):
            candidate = SLOTS[(start + step) % len(SLOTS)]
            if candidate in free_slots:
                colour = candidate
                free_slots.remove(candidate)
                break
        if colour is None:  # more classes than the palette has colours
            colour = _hue(extra)
            extra += 1
        out[key] = colour
    return out


def _hue(index: int) -> str:
    # Beyond 27 kinds no palette stays distinguishable; golden-angle hues at least stay distinct.
    hue = (index * 0.618033988749895) % 1.0
    r, g, b = colorsys.hls_to_rgb(hue, 0.5, 0.55)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"
