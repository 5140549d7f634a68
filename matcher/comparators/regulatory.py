"""What must be checked before two actors exchange, and what must never be proposed.

Caveats come from the taxonomy (inherited down the tree) of the offer, the need
and the use target linking them; each one to check lowers the score a little.

Hard rules (a pair failing one is not proposed at all):

- **Hazard.** A hazardous offer goes only to a need that is the same node, one of
  its explicit use targets (e.g. licensed energy recovery), or a category made
  only of hazardous wastes (a licensed collector's need). Treated-wood sawdust
  therefore never reaches animal bedding, however alike the words.
- **Temperature.** When either node's use hinges on temperature
  (`heat_temperature`), a supply whose band tops out below the need's required
  temperature is too cold. Bands are 10 °C wide, so a supply whose middle is
  below the requirement is only "borderline": proposed, with a penalty and a
  fact. A missing band falls back to the node's `temp_c`; unknown on either side
  lets the pair through with the caveat to check.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np

from data.taxonomy import CAVEATS, Node, Taxonomy

from .taxonomy import TEMPERATURE_CAVEAT

_BAND = re.compile(r"^\s*(-?\d+(?:[.,]\d+)?)\s*(?:-\s*(-?\d+(?:[.,]\d+)?))?\s*$")


def is_hazardous(node: Node) -> bool:
    return node.hazardous or "hazardous" in node.caveats


def hazardous_category(taxonomy: Taxonomy, node_id: str) -> bool:
    """The node is hazardous, or every leaf under it is (a category only licensed sites take)."""
    node = taxonomy[node_id]
    if is_hazardous(node):
        return True
    leaves = [d for d in taxonomy.descendants(node_id) if taxonomy[d].is_leaf]
    return bool(leaves) and all(is_hazardous(taxonomy[d]) for d in leaves)


def hazard_allows(taxonomy: Taxonomy, offer_node: str, need_node: str) -> bool:
    """False when a hazardous offer would reach a need that cannot lawfully take it."""
    if not is_hazardous(taxonomy[offer_node]):
        return True
    if need_node == offer_node or need_node in taxonomy.used_as(offer_node):
        return True
    return taxonomy.related(offer_node, need_node) and hazardous_category(taxonomy, need_node)


def caveats(taxonomy: Taxonomy, node_ids: Iterable[str | None]) -> tuple[str, ...]:
    """Union of the nodes' (inherited) caveats, in the fixed vocabulary order."""
    found: set[str] = set()
    for nid in node_ids:
        if nid and nid in taxonomy:
            found.update(taxonomy[nid].caveats)
            if taxonomy[nid].hazardous:
                found.add("hazardous")
    return tuple(c for c in CAVEATS if c in found)


def base_value(caveat_names: Iterable[str], hazardous: bool, caveat_penalty: float, hazard_penalty: float) -> float:
    """Regulatory ease before pair-level checks: 1 with nothing to check."""
    count = len(set(caveat_names))
    return max(0.2, 1.0 - caveat_penalty * count - (hazard_penalty if hazardous else 0.0))


def heat_applies(taxonomy: Taxonomy, offer_node: str, need_node: str) -> bool:
    return any(TEMPERATURE_CAVEAT in taxonomy[n].caveats for n in (offer_node, need_node))


def parse_band(band: str | None) -> tuple[float, float] | None:
    """'80-90' → (80, 90); '45' → (45, 45); negative bounds allowed ('-20--10')."""
    match = _BAND.match(band or "")
    if not match:
        return None
    low = float(match.group(1).replace(",", "."))
    high = float((match.group(2) or match.group(1)).replace(",", "."))
    return (min(low, high), max(low, high))


def node_temperature(taxonomy: Taxonomy, node_id: str) -> tuple[float, float] | None:
    """The nearest `temp_c` on the node's lineage."""
    for nid in taxonomy.lineage(node_id):
        if taxonomy[nid].temp_c:
            return tuple(taxonomy[nid].temp_c)  # type: ignore[return-value]
    return None


def temperature_checks(offer_low: np.ndarray, offer_high: np.ndarray, need_low: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(allowed, borderline) for arrays of supply bands against required temperatures; NaN = unknown."""
    offer_low, offer_high = np.asarray(offer_low, dtype=np.float64), np.asarray(offer_high, dtype=np.float64)
    need_low = np.asarray(need_low, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        too_cold = offer_high < need_low
        borderline = ~too_cold & ((offer_low + offer_high) / 2 < need_low)
    return ~too_cold, borderline


def check(
    taxonomy: Taxonomy, offer_node: str, need_node: str, *, offer_temp: str | None = None,
    need_temp: str | None = None, via: str | None = None, caveat_penalty: float = 0.08,
    hazard_penalty: float = 0.15, borderline_penalty: float = 0.25,
) -> tuple[bool, float, tuple[str, ...]]:
    """Scalar rules for one pair: (allowed, value in [0, 1], caveats to check)."""
    names = caveats(taxonomy, (offer_node, need_node, via))
    hazardous = is_hazardous(taxonomy[offer_node])
    if not hazard_allows(taxonomy, offer_node, need_node):
        return False, 0.0, names
    value = base_value(names, hazardous, caveat_penalty, hazard_penalty)
    if heat_applies(taxonomy, offer_node, need_node):
        supply = parse_band(offer_temp) or node_temperature(taxonomy, offer_node)
        required = parse_band(need_temp) or node_temperature(taxonomy, need_node)
        if supply and required:
            allowed, borderline = temperature_checks(np.array([supply[0]]), np.array([supply[1]]), np.array([required[0]]))
            if not allowed[0]:
                return False, 0.0, names
            if borderline[0]:
                value = max(0.0, value - borderline_penalty)
    return True, float(min(1.0, max(0.0, value))), names

