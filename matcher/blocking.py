"""Blocking: find the few pairs worth scoring, without comparing everything to everything.

Two indexes make the matcher near-linear in the size of a territory:

- **Node links** (per taxonomy, computed once and cached): for each offer node,
  the need nodes it can meet (`comparators.taxonomy.candidate_needs`) after the
  hazard rule, with their relation, caveats and maximum distance; the reverse
  map (need node → offer nodes); and the NACE divisions of latent receivers.
- **A spatial grid join**: points are bucketed in cells about as large as the
  link's maximum distance, so only the 3×3 cells around an offer are looked at.
  The join is vectorised (sorted cell keys + `searchsorted`), and the exact
  great-circle distance is checked afterwards, so the grid only ever widens the
  search, never narrows it. Points without a location are paired with every
  candidate of their link: matching degrades gracefully, distance is unknown.
"""
from __future__ import annotations

import math
import weakref
from dataclasses import dataclass

import numpy as np

from data.taxonomy import Taxonomy

from .comparators import regulatory
from .comparators.distance import EARTH_RADIUS_KM, haversine_km
from .comparators.taxonomy import Relation, candidate_needs, latent_divisions

SHARING_ROOTS = frozenset({"equipment", "space"})
_OFFSET = 1 << 20  # cell indices are shifted to stay positive inside the packed key


@dataclass(frozen=True)
class NodeLink:
    """How offers on one node meet needs on another, facts that do not depend on the actors."""

    offer_node: str
    need_node: str
    relation: Relation
    kind: str  # exchange | sharing
    max_km: float
    caveats: tuple[str, ...]
    hazardous: bool
    heat: bool  # the temperature rule applies


class Links:
    """Node-level compatibility for one taxonomy, computed lazily and cached."""

    def __init__(self, taxonomy: Taxonomy, default_max_km: float) -> None:
        self.taxonomy = taxonomy
        self.default_max_km = default_max_km
        self._needs: dict[str, dict[str, NodeLink]] = {}
        self._offers: dict[str, list[str]] | None = None
        self._latent: dict[str, dict[str, Relation]] = {}

    def max_km(self, node_id: str) -> float:
        value = self.taxonomy[node_id].max_km
        return float(value) if value else self.default_max_km

    def needs_for(self, offer_node: str) -> dict[str, NodeLink]:
        """Need node → link, for every need node an offer of `offer_node` may serve."""
        cached = self._needs.get(offer_node)
        if cached is None:
            tax = self.taxonomy
            offer = tax[offer_node]
            kind = "sharing" if offer.root in SHARING_ROOTS else "exchange"
            cached = {}
            for need_node, rel in candidate_needs(tax, offer_node).items():
                if not regulatory.hazard_allows(tax, offer_node, need_node):
                    continue
                cached[need_node] = NodeLink(
                    offer_node=offer_node, need_node=need_node, relation=rel, kind=kind,
                    max_km=self.max_km(offer_node),
                    caveats=regulatory.caveats(tax, (offer_node, need_node, rel.via)),
                    hazardous=regulatory.is_hazardous(offer),
                    heat=regulatory.heat_applies(tax, offer_node, need_node),
                )
            self._needs[offer_node] = cached
        return cached

    def offers_for(self, need_node: str) -> list[str]:
        """Offer nodes whose offers may serve a need on `need_node` (reverse of `needs_for`)."""
        if self._offers is None:
            reverse: dict[str, list[str]] = {}
            for node in sorted(self.taxonomy.nodes):
                for target in self.needs_for(node):
                    reverse.setdefault(target, []).append(node)
            self._offers = reverse
        return self._offers.get(need_node, [])

    def latent_for(self, offer_node: str) -> dict[str, Relation]:
        cached = self._latent.get(offer_node)
        if cached is None:
            cached = self._latent[offer_node] = latent_divisions(self.taxonomy, offer_node)
        return cached

    def latent_link(self, offer_node: str, rel: Relation) -> NodeLink:
        tax = self.taxonomy
        return NodeLink(
            offer_node=offer_node, need_node="", relation=rel,
            kind="sharing" if tax[offer_node].root in SHARING_ROOTS else "exchange",
            max_km=self.max_km(offer_node),
            caveats=regulatory.caveats(tax, (offer_node, rel.via)),
            hazardous=regulatory.is_hazardous(tax[offer_node]), heat=False,
        )


_LINKS: dict[tuple[int, float], tuple[weakref.ref, Links]] = {}


def links_for(taxonomy: Taxonomy, default_max_km: float) -> Links:
    """The cached `Links` of a taxonomy object (a new taxonomy object gets new links)."""
    key = (id(taxonomy), default_max_km)
    entry = _LINKS.get(key)
    if entry is not None and entry[0]() is taxonomy:
        return entry[1]
    links = Links(taxonomy, default_max_km)
    _LINKS[key] = (weakref.ref(taxonomy), links)
    return links


# ---------------------------------------------------------------- spatial grid join

def cos_floor(*latitudes: np.ndarray) -> float:
    """cos of the largest |latitude| present: east-west cells sized with it are wide enough everywhere."""
    values = [np.abs(lat[~np.isnan(lat)]) for lat in latitudes if lat.size]
    values = [v for v in values if v.size]
    top = max((float(v.max()) for v in values), default=0.0)
    return math.cos(math.radians(min(top, 89.0)))


def _cell_sizes(radius_km: np.ndarray, cos_min: float) -> tuple[np.ndarray, np.ndarray]:
    """Cell sizes in degrees so that any two points within `radius_km` lie in adjacent cells."""
    dlat = np.degrees(radius_km / EARTH_RADIUS_KM) * 1.001
    ratio = np.sin(radius_km / (2 * EARTH_RADIUS_KM)) / max(cos_min, 1e-9)
    dlon = np.where(ratio < 1, np.degrees(2 * np.arcsin(np.minimum(ratio, 1.0))) * 1.001, 360.0)
    return np.maximum(dlat, 1e-6), np.maximum(dlon, 1e-6)


def _keys(group: np.ndarray, lat: np.ndarray, lon: np.ndarray, dlat: np.ndarray, dlon: np.ndarray,
          dx: int = 0, dy: int = 0) -> np.ndarray:
    cx = np.floor(lat / dlat).astype(np.int64) + dx + _OFFSET
    cy = np.floor(lon / dlon).astype(np.int64) + dy + _OFFSET
    return (group.astype(np.int64) << 42) | (cx << 21) | cy


def grid_join(
    left_lat: np.ndarray, left_lon: np.ndarray, left_group: np.ndarray,
    right_lat: np.ndarray, right_lon: np.ndarray, right_group: np.ndarray,
    radius_km: np.ndarray, cos_min: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Positions (i, j) of located left/right points in the same group and in neighbouring cells.

    `radius_km[g]` sizes the cells of group g. A superset of the pairs within the
    radius: callers filter with the exact distance.
    """
    empty = np.zeros(0, dtype=np.int64)
    if left_lat.size == 0 or right_lat.size == 0:
        return empty, empty
    ldlat, ldlon = _cell_sizes(radius_km[left_group], cos_min)
    rdlat, rdlon = _cell_sizes(radius_km[right_group], cos_min)
    right_keys = _keys(right_group, right_lat, right_lon, rdlat, rdlon)
    order = np.argsort(right_keys, kind="stable")
    sorted_keys = right_keys[order]
    lefts, rights = [], []
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            query = _keys(left_group, left_lat, left_lon, ldlat, ldlon, dx, dy)
            lo = np.searchsorted(sorted_keys, query, side="left")
            hi = np.searchsorted(sorted_keys, query, side="right")
            counts = hi - lo
            total = int(counts.sum())
            if not total:
                continue
            li = np.repeat(np.arange(left_lat.size), counts)
            starts = np.repeat(lo - np.cumsum(counts) + counts, counts)
            lefts.append(li)
            rights.append(order[starts + np.arange(total)])
    if not lefts:
        return empty, empty
    return np.concatenate(lefts), np.concatenate(rights)


DISTANCE_CHUNK = 32_768  # candidate pairs measured at once (see `_within`)


def pairs_by_group(
    left: np.ndarray, left_group: np.ndarray, right: np.ndarray, right_group: np.ndarray,
    lat: tuple[np.ndarray, np.ndarray], lon: tuple[np.ndarray, np.ndarray],
    radius_km: np.ndarray, cos_min: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """All (left, right, group, km) with equal groups and within the group's radius.

    `lat`/`lon` are the (left, right) coordinate columns indexed by the ids in
    `left`/`right`. Pairs with an unknown location on either side are all kept,
    with km = NaN.
    """
    llat, llon = lat[0][left], lon[0][left]
    rlat, rlon = lat[1][right], lon[1][right]
    lknown = ~(np.isnan(llat) | np.isnan(llon))
    rknown = ~(np.isnan(rlat) | np.isnan(rlon))
    li, ri = grid_join(llat[lknown], llon[lknown], left_group[lknown],
                       rlat[rknown], rlon[rknown], right_group[rknown], radius_km, cos_min)
    lpos, rpos = np.flatnonzero(lknown)[li], np.flatnonzero(rknown)[ri]
    parts_l, parts_r = [lpos], [rpos]
    if not (lknown.all() and rknown.all()):
        # Unknown locations: pair within each group, whatever the other side's location.
        unknown_l, unknown_r = np.flatnonzero(~lknown), np.flatnonzero(~rknown)
        for positions, others, flip in ((unknown_l, np.arange(right.size), False),
                                        (unknown_r, np.flatnonzero(lknown), True)):
            if positions.size == 0 or others.size == 0:
                continue
            groups = (right_group if flip else left_group)[positions]
            other_groups = (left_group if flip else right_group)[others]
            order = np.argsort(other_groups, kind="stable")
            og = other_groups[order]
            lo = np.searchsorted(og, groups, "left")
            hi = np.searchsorted(og, groups, "right")
            counts = hi - lo
            total = int(counts.sum())
            if not total:
                continue
            mine = np.repeat(positions, counts)
            theirs = others[order[np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(total)]]
            parts_l.append(theirs if flip else mine)
            parts_r.append(mine if flip else theirs)
    lpos, rpos = np.concatenate(parts_l), np.concatenate(parts_r)
    found = [_within(left[lpos[s:s + DISTANCE_CHUNK]], right[rpos[s:s + DISTANCE_CHUNK]],
                     left_group[lpos[s:s + DISTANCE_CHUNK]], lat, lon, radius_km)
             for s in range(0, max(lpos.size, 1), DISTANCE_CHUNK)]
    return tuple(np.concatenate(arrays) for arrays in zip(*found))  # type: ignore[return-value]


def _within(left: np.ndarray, right: np.ndarray, groups: np.ndarray, lat: tuple[np.ndarray, np.ndarray],
            lon: tuple[np.ndarray, np.ndarray], radius_km: np.ndarray) -> tuple[np.ndarray, ...]:
    """The pairs (left[k], right[k]) within their group's radius (or with a location unknown), and their km.

    Called on chunks of a few tens of thousands of pairs: the dozen temporary arrays
    of the distance then stay in the processor's cache instead of going to memory
    (at 100,000 actors a batch has tens of millions of candidate pairs).
    """
    km = haversine_km(lat[0][left], lon[0][left], lat[1][right], lon[1][right])
    with np.errstate(invalid="ignore"):
        keep = np.isnan(km) | (km <= radius_km[groups])
    return left[keep], right[keep], groups[keep], km[keep]

