"""Pooling: several nearby actors with the same need could share one supplier or machine.

Keys are need nodes (identical needs) and, for needs on sibling nodes, their
common parent when it is specific enough (`pool_parent_min_depth`): two needs
for a fodder dryer and a grain dryer pool under "drying", but "material.input"
is too generic for a compost need and a bedding need to be one shared need.

Actors needing a key are clustered greedily: seeds in order of how many others
lie within the key's `max_km` (then by id), each seed takes its nearest
unassigned neighbours that are within `max_km` of every member, up to
`pool_max_members`. Each actor joins at most one group per key, so no key gives
duplicate or nested groups; a sibling group that adds nothing to a group of
identical needs is dropped. Actors without a location are grouped among
themselves. A group whose members could all be served by some declared offer is
still a pooling: they could share that supplier.
"""
from __future__ import annotations

import math

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from data.taxonomy import Taxonomy
from data.types import Proposal, ScorePart

from . import ids
from .blocking import SHARING_ROOTS, Links
from .comparators import distance, history as history_part, regulatory, text, timing
from .comparators.distance import EARTH_RADIUS_KM, haversine_km, unit_vectors
from .comparators.taxonomy import pooling_value
from .exchange import most_restrictive
from .history import History
from .scoring import combine
from .settings import PART_NAMES, MatcherSettings
from .table import ActorTable, ResourceTable


@dataclass(frozen=True, order=True)
class PoolKey:
    node: str
    same: bool  # True: identical needs on `node`; False: needs on `node` and its subtree


def pooling_keys(taxonomy: Taxonomy, need_nodes: Iterable[str], min_parent_depth: int) -> set[PoolKey]:
    """The keys a set of need nodes can be pooled under."""
    keys: set[PoolKey] = set()
    for node_id in need_nodes:
        node = taxonomy[node_id]
        if node.depth >= 1:  # a root ("service") is no shared need
            keys.add(PoolKey(node_id, True))
        parent = node.parent
        if parent and taxonomy[parent].depth >= 1 and (taxonomy[parent].depth >= min_parent_depth
                                                       or taxonomy[parent].pool_siblings):
            keys.add(PoolKey(parent, False))
        if node.pool_siblings and node.depth >= 1:
            keys.add(PoolKey(node_id, False))  # a vaguer need ("grouper nos achats d'énergie") joins its children
    return keys


class Pooler:
    """Forms and scores pooling groups over the needs of one resource table."""

    def __init__(self, table: ResourceTable, actors: ActorTable, taxonomy: Taxonomy, links: Links,
                 settings: MatcherSettings, history: History) -> None:
        self.table, self.actors, self.taxonomy, self.links = table, actors, taxonomy, links
        self.settings, self.history = settings, history
        self.needs_by_node = table.by_node(offers=False)
        self.offers_by_node = table.by_node(offers=True)
        self._same: dict[str, list[np.ndarray]] = {}
        self._membership: dict[str, dict[int, int]] = {}
        self._caveats: dict[tuple[str, tuple[str, ...]], tuple[tuple[str, ...], bool, float]] = {}

    def run(self, keys: Iterable[PoolKey], only_actor: str | None = None) -> list[Proposal]:
        """Pooling proposals for these keys (only the groups `only_actor` belongs to, when given)."""
        found = [(key, self._with_owner(key, group)) for key in sorted(keys) for group in self._groups(key)]
        found = [(key, group) for key, group in found
                 if only_actor is None or only_actor in (self.table.actor_ids[int(r)] for r in group)]
        if not found:
            return []
        return self._proposals(found)

    def _with_owner(self, key: PoolKey, group: np.ndarray) -> np.ndarray:
        """A group sharing equipment or space also takes in the nearest actor who offers it.

        Three actors who each need a shredder a few days a year, and a fourth whose
        shredder stands idle, are one sharing group: the owner joins when within the
        key's reach of every member (or without a known location), nearest first,
        then by id.
        """
        if self.taxonomy[key.node].root not in SHARING_ROOTS:
            return group
        table = self.table
        offers = self.offers_by_node.get(key.node) if key.same else None
        if offers is None:
            prefix = key.node + "."
            parts = [rows for node, rows in self.offers_by_node.items() if node == key.node or node.startswith(prefix)]
            offers = np.concatenate(parts) if parts else np.zeros(0, np.int64)
        members = set(table.actor_code[group].tolist())
        offers = offers[~np.isin(table.actor_code[offers], list(members))]
        if offers.size == 0:
            return group
        radius = self.links.max_km(key.node)
        # Every candidate owner against every member at once (owners × members).
        km = haversine_km(table.lat[offers][:, None], table.lon[offers][:, None],
                          table.lat[group][None, :], table.lon[group][None, :])
        known = ~np.isnan(km)
        located = known.any(axis=1)
        farthest = np.where(known, km, -np.inf).max(axis=1)
        within = ~located | (farthest <= radius)
        if not within.any():
            return group
        candidates, worst = offers[within], np.where(located, farthest, np.inf)[within]
        nearest = candidates[worst == worst.min()]
        best = min(nearest.tolist(), key=lambda row: (table.actor_ids[row], table.rows[row].id))
        return np.sort(np.append(group, best))

    def _rows(self, key: PoolKey) -> np.ndarray:
        if key.same:
            return self.needs_by_node.get(key.node, np.zeros(0, np.int64))
        prefix = key.node + "."
        parts = [rows for node, rows in self.needs_by_node.items() if node == key.node or node.startswith(prefix)]
        return np.sort(np.concatenate(parts)) if parts else np.zeros(0, np.int64)

    def _same_groups(self, node: str) -> list[np.ndarray]:
        if node not in self._same:
            key = PoolKey(node, True)
            self._same[node] = self._cluster(key, self._rows(key))
        return self._same[node]

    def _same_membership(self, node: str) -> dict[int, int]:
        """Actor code → index of its group among the node's groups of identical needs."""
        if node not in self._membership:
            self._membership[node] = {int(code): g for g, same in enumerate(self._same_groups(node))
                                      for code in self.table.actor_code[same].tolist()}
        return self._membership[node]

    def _groups(self, key: PoolKey) -> list[np.ndarray]:
        if key.same:
            return self._same_groups(key.node)
        kept = []
        for group in self._cluster(key, self._rows(key)):
            nodes = sorted({self.table.node_of(int(i)) for i in group})
            if len(nodes) < 2:
                continue
            members = self.table.actor_code[group].tolist()
            if any(_within_one(members, self._same_membership(node)) for node in nodes):
                continue  # adds nobody to a group of identical needs
            kept.append(group)
        return kept

    def _cluster(self, key: PoolKey, rows: np.ndarray) -> list[np.ndarray]:
        """Groups of representative need rows (one per actor), as arrays of rows."""
        table = self.table
        codes = table.actor_code[rows]
        _, first = np.unique(codes, return_index=True)
        reps = rows[np.sort(first)]  # the actor's first need by id stands for the actor
        if reps.size < 2:
            return []
        cap = max(2, self.settings.pool_max_members)
        radius = self.links.max_km(key.node)
        lat, lon = table.lat[reps], table.lon[reps]
        located = ~(np.isnan(lat) | np.isnan(lon))
        groups: list[np.ndarray] = []
        where = np.flatnonzero(located)
        if where.size >= 2:
            groups += [np.sort(reps[where[g]]) for g in self._greedy(lat[where], lon[where],
                                                                     [table.actor_ids[int(r)] for r in reps[where]],
                                                                     radius, cap)]
        unknown = reps[~located]
        if unknown.size >= 2:
            unknown = np.array(sorted(unknown.tolist(), key=lambda r: table.actor_ids[r]), dtype=np.int64)
            for start in range(0, unknown.size, cap):
                chunk = unknown[start:start + cap]
                if chunk.size >= 2:
                    groups.append(np.sort(chunk))
        return groups

    def _greedy(self, lat: np.ndarray, lon: np.ndarray, names: list[str], radius: float, cap: int) -> list[list[int]]:
        """Greedy clustering of located points (see the module docstring); returns lists of positions.

        Seeds go densest first (most neighbours within reach), then by id; each takes its free
        neighbours nearest first (then by id) while they stay within reach of every member.
        Points are unit vectors, so "within reach" is a dot product above cos(radius / R)
        (a great-circle distance below the radius) and neighbours are counted with a k-d
        tree; only the seeds that start a group get their neighbours sorted (a key with a
        couple of thousand needers has about a million pairs).
        """
        m = lat.size
        xyz = unit_vectors(lat, lon)
        reach = math.cos(radius / EARTH_RADIUS_KM)
        chord = 2 * math.sin(radius / EARTH_RADIUS_KM / 2)  # the straight-line length of an arc of `radius`
        degree = cKDTree(xyz).query_ball_point(xyz, r=chord, return_length=True) - 1
        name_rank = np.empty(m, np.int64)
        name_rank[np.array(sorted(range(m), key=names.__getitem__), dtype=np.int64)] = np.arange(m)
        free = np.ones(m, dtype=bool)
        groups = []
        for seed in np.lexsort((name_rank, -degree)).tolist():  # densest first, then by id
            if not free[seed]:
                continue
            free[seed] = False
            if not degree[seed]:
                continue
            closeness = xyz @ xyz[seed]
            candidates = np.flatnonzero(free & (closeness >= reach))
            candidates = candidates[np.lexsort((name_rank[candidates], -closeness[candidates]))]
            group = [seed]
            while candidates.size and len(group) < cap:
                chosen = int(candidates[0])
                group.append(chosen)
                free[chosen] = False
                candidates = candidates[1:]
                if candidates.size:  # the rest must stay within reach of every member
                    candidates = candidates[xyz[candidates] @ xyz[chosen] >= reach]
            if len(group) >= 2:
                groups.append(group)
        return groups

    def _proposals(self, found: list[tuple[PoolKey, np.ndarray]]) -> list[Proposal]:
        """Score every group at once (pairs of members in one set of arrays) and build the proposals."""
        table, settings, history = self.table, self.settings, self.history
        keep, identities = [], []
        for key, group in found:
            members = tuple(sorted(table.actor_ids[int(r)] for r in group))
            pid = ids.pooling_id(key.node, members)
            fingerprint = ids.fingerprint(ids.resource_facts(table.rows[int(r)], self.actors.get(table.actor_ids[int(r)]))
                                          for r in group)
            if not history.is_rejected(pid, fingerprint):
                keep.append((key, group))
                identities.append((pid, fingerprint, members))
        if not keep:
            return []
        sizes = np.array([g.size for _, g in keep], dtype=np.int64)
        members = np.concatenate([g for _, g in keep])
        member_starts = np.r_[0, np.cumsum(sizes)[:-1]]
        first, second, owner = [], [], []
        for index, (_, group) in enumerate(keep):
            a, b = np.triu_indices(group.size, 1)
            first.append(group[a])
            second.append(group[b])
            owner.append(np.full(a.size, index, dtype=np.int64))
        first_rows, second_rows, pair_owner = np.concatenate(first), np.concatenate(second), np.concatenate(owner)
        pair_counts = np.bincount(pair_owner, minlength=len(keep))
        pair_starts = np.r_[0, np.cumsum(pair_counts)[:-1]]

        similarity, with_vectors = text.pair_scores(table.emb, table.emb_row, table.head_code, table.heads,
                                                    first_rows, second_rows, settings.text_cosine_floor,
                                                    settings.text_cosine_ceiling, sizes=table.emb_size)
        km = haversine_km(table.lat[first_rows], table.lon[first_rows], table.lat[second_rows], table.lon[second_rows])
        with np.errstate(invalid="ignore"):
            spread = np.fmax.reduceat(km, pair_starts)
        overlap = timing.overlap(table.months[first_rows], table.months[second_rows])
        months = table.months[members]
        common = np.bitwise_and.reduceat(months, member_starts)
        any_unknown = np.maximum.reduceat((months == 0).astype(np.int64), member_starts).astype(bool)
        all_vectors = np.minimum.reduceat(with_vectors.astype(np.int64), pair_starts).astype(bool)
        radius = np.array([self.links.max_km(key.node) for key, _ in keep])
        regulation = [self._regulation(key, group) for key, group in keep]
        decisions = [(history.realised_node_pairs.get((k.node, k.node), 0), history.rejected_node_pairs.get((k.node, k.node), 0))
                     for k, _ in keep]
        values = {
            "taxonomy": np.array([pooling_value(key.same) * float(table.certainty(group, settings.certainty_floor).min())
                                  for key, group in keep]),
            "text": np.bincount(pair_owner, similarity, len(keep)) / pair_counts,
            "quantity": 1.0 - 1.0 / sizes,  # more members, more to share
            "distance": distance.scores(spread, radius, settings.distance_floor),
            "timing": np.bincount(pair_owner, overlap, len(keep)) / pair_counts,
            "regulatory": np.array([value for _, _, value in regulation]),
            "history": history_part.scores(np.array([d[0] for d in decisions]), np.array([d[1] for d in decisions]),
                                           settings.history_prior),
        }
        score = combine(values, settings)
        lists = {name: np.round(v, 4).tolist() for name, v in values.items()}
        weights = settings.weights
        out = []
        for k, ((key, group), (pid, fingerprint, names)) in enumerate(zip(keep, identities)):
            if score[k] < settings.min_score:
                continue
            caveats, hazardous, _ = regulation[k]
            spread_k = float(spread[k])
            facts = {
                "taxonomy": {"relation": "same" if key.same else "siblings", "node": key.node,
                             "nodes": sorted({table.node_of(int(r)) for r in group})},
                "text": {"method": "embedding" if all_vectors[k] else "words"},
                "quantity": {"members": int(sizes[k])},
                "distance": ({"known": False, "spread_km": None, "max_km": float(radius[k])} if np.isnan(spread_k)
                             else {"known": True, "spread_km": round(spread_k, 1), "max_km": float(radius[k])}),
                "timing": {"status": "unknown" if any_unknown[k] else ("covered" if common[k] else "none"),
                           "months": [] if any_unknown[k] else timing.months_of(int(common[k]))},
                "regulatory": {"caveats": list(caveats), "hazardous": hazardous},
                "history": {"realised": decisions[k][0], "rejected": decisions[k][1]},
            }
            resources = [table.rows[int(r)] for r in group]
            out.append(Proposal(
                id=pid, kind="pooling", node_id=key.node, score=round(float(score[k]), 4), members=names,
                resources=tuple(sorted(r.id for r in resources)),
                parts=[ScorePart(n, lists[n][k], weights[n], facts[n]) for n in PART_NAMES],
                caveats=caveats, visibility=most_restrictive(resources),  # type: ignore[arg-type]
                fingerprint=fingerprint,
            ))
        return out

    def _regulation(self, key: PoolKey, group: np.ndarray) -> tuple[tuple[str, ...], bool, float]:
        nodes = tuple(sorted({self.table.node_of(int(r)) for r in group}))
        cached = self._caveats.get((key.node, nodes))
        if cached is None:
            caveats = regulatory.caveats(self.taxonomy, (key.node, *nodes))
            hazardous = any(regulatory.is_hazardous(self.taxonomy[n]) for n in nodes)
            value = regulatory.base_value(caveats, hazardous, self.settings.caveat_penalty, self.settings.hazard_penalty)
            cached = self._caveats[(key.node, nodes)] = (caveats, hazardous, value)
        return cached


__all__ = ["PoolKey", "Pooler", "pooling_keys"]


def _within_one(members: list[int], membership: dict[int, int]) -> bool:
    """True when every member belongs to one and the same group of `membership`."""
    groups = {membership.get(code, -1) for code in members}
    return len(groups) == 1 and -1 not in groups
