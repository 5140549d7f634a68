"""Exchanges and shared equipment: offers meeting declared needs, and latent receivers.

Offer nodes are processed in batches of bounded size (memory stays bounded, and
numpy's per-call overhead is shared by many nodes). For each batch: block
candidate pairs through the node links and the spatial grid, drop pairs a hard
rule forbids (same actor, too far, too cold; hazard was already applied to the
links), score the rest with numpy, keep each receiver's best pair and each
offer's `top_receivers` best receivers. Latent receivers (actors whose sector
typically uses the offer but who declared no matching need) are found the same
way, at most `latent_per_offer` of them, scored below declared ones.

Every decision depends only on an offer and its own candidates, never on which
batch it fell in: that is what lets an incremental run reproduce a full run.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from data.types import Proposal, Resource

from . import ids
from .blocking import Links, NodeLink, cos_floor, pairs_by_group
from .comparators import distance
from .history import History
from .ranking import per_offer, prune, ranked
from .scoring import (
    NEUTRAL, FactsBuilder, bounds, cheap_parts, combine, link_columns, ordered, temperature_filter, text_part,
)
from .settings import MatcherSettings
from .table import ActorTable, ResourceTable

VISIBILITY_ORDER = {"named": 0, "anonymous": 1, "facilitator": 2}
BATCH_PAIRS = 2_000_000  # rough bound on candidate pairs blocked at once (before the distance filter)
_NOBODY = -(1 << 40)

Batch = list[tuple[str, np.ndarray, list[NodeLink]]]  # (offer node, offer rows, links to needs present)


@dataclass
class Scope:
    """What an incremental run ranks, as masks over the table's rows (see `focus.find_focus`).

    A full run ranks every offer against every need. An incremental run needs only the
    rankings that can hold a proposal of its actor: of the offers that may reach the
    actor's needs (against every need, or against `needs` when a kept ranking says which
    can matter) and of the offers that may reach the actor as a latent receiver.
    """

    declared: np.ndarray  # offers whose receivers with a declared need are ranked…
    every_need: np.ndarray  # …against every need of the table, the others against:
    changed: np.ndarray  # the needs of the actors changed since the kept rankings were made
    kept: tuple[np.ndarray, np.ndarray]  # (offer, need) positions: the needs its kept ranking names
    latent: np.ndarray  # offers whose latent receivers are ranked
    needers: Callable[[str], np.ndarray]  # need node → codes of the actors with a need on it, whole territory


def most_restrictive(resources: list[Resource]) -> str:
    """The visibility of a proposal: the strictest sharing choice among its resources."""
    strictest, level = "anonymous", -1
    for r in resources:  # the first of the strictest, as `max` would (a loop: called once per proposal)
        mine = VISIBILITY_ORDER.get(r.sharing, 2)
        if mine > level:
            strictest, level = r.sharing, mine
    return strictest


def declared_columns(need_roots: dict[str, set[str]], actors: ActorTable) -> dict[str, np.ndarray]:
    """Per kind of resource (root), which actors (by code) declared at least one need of it."""
    declared: dict[str, np.ndarray] = {}
    for actor_id, roots in need_roots.items():
        code = actors.index.get(actor_id)
        for root in roots if code is not None else ():
            declared.setdefault(root, np.zeros(len(actors.facts), dtype=bool))[code] = True
    return declared


class ExchangeFinder:
    """Finds exchange, sharing and latent proposals over one resource table."""

    def __init__(self, table: ResourceTable, actors: ActorTable, links: Links,
                 settings: MatcherSettings, history: History, only_actor: str | None = None,
                 declared: dict[str, np.ndarray] | None = None, scope: Scope | None = None) -> None:
        self.table, self.actors, self.links = table, actors, links
        self.declared = declared or {}  # see `declared_columns`
        self.scope = scope
        self.settings, self.history = settings, history
        self.offers_by_node = table.by_node(offers=True)
        self.needs_by_node = table.by_node(offers=False)
        self.cos_min = cos_floor(table.lat, actors.lat)
        self.slack = len(history.rejected)  # rejected proposals give their place to the next ones
        self.actors_by_division = actors.by_division
        # Incremental runs rank every candidate but build only this actor's proposals.
        self.only = None if only_actor is None else _code_of(table, actors, only_actor)
        self.found: dict[str, Proposal] = {}
        # When a dict: each offer's ranked receivers (table positions of their best need, best
        # first, `top_receivers + slack + 1` at most) are written there (see `matcher.kept`).
        self.rankings: dict[int, list[int]] | None = None
        self.facts = FactsBuilder(table, settings, history)
        self._row_facts_cache: dict[int, str] = {}
        self._actor_facts_cache: dict[int, str] = {}

    def run(self) -> list[Proposal]:
        for batch in self._batches():
            self._declared(batch)
            if self.settings.latent:
                self._latent(batch)
        return list(self.found.values())

    def _batches(self) -> Iterator[Batch]:
        batch: Batch = []
        size = 0
        for node in sorted(self.offers_by_node):
            rows = self.offers_by_node[node]
            present = [link for need, link in self.links.needs_for(node).items() if need in self.needs_by_node]
            estimate = rows.size * max(1, sum(self.needs_by_node[link.need_node].size for link in present))
            if batch and size + estimate > BATCH_PAIRS:
                yield batch
                batch, size = [], 0
            batch.append((node, rows, present))
            size += estimate
        if batch:
            yield batch

    # ------------------------------------------------------------ shared steps

    def _keep(self, proposal: Proposal) -> None:
        """Two offers of one supplier on one node may reach the same receiver: keep the better."""
        known = self.found.get(proposal.id)
        if known is None or proposal.score > known.score:
            self.found[proposal.id] = proposal

    def _row_facts(self, i: int) -> str:
        facts = self._row_facts_cache.get(i)
        if facts is None:
            r = self.table.rows[i]
            facts = self._row_facts_cache[i] = ids.resource_facts(r, self.actors.get(r.actor_id))
        return facts

    def _actor_facts(self, a: int) -> str:
        facts = self._actor_facts_cache.get(a)
        if facts is None:
            facts = self._actor_facts_cache[a] = ids.actor_facts(self.actors.facts[a])
        return facts

    def _accept(self, offer: np.ndarray, limit: int, proposal_id: Callable[[int], str],
                facts_print: Callable[[int], str], supplier: np.ndarray,
                receiver: np.ndarray) -> tuple[list[int], list[tuple[str, str]]]:
        """Walk each offer's ranked candidates, skipping rejected proposals, until `limit` are accepted.

        The candidates j = 0, 1, … are grouped by offer, best first (`ranked`); the
        callbacks take j. Ids and fingerprints are computed only where needed: a
        fingerprint only for a proposal kept or whose id was rejected, and in an
        incremental run without rejections, nothing at all for proposals of other actors.
        """
        rejected, only = self.history.rejected, self.only
        mine = [True] * offer.size if only is None else ((supplier == only) | (receiver == only)).tolist()
        kept, keys = [], []
        starts = np.flatnonzero(np.r_[True, offer[1:] != offer[:-1]]) if offer.size else np.zeros(0, dtype=np.int64)
        for start, end in zip(starts.tolist(), np.r_[starts[1:], offer.size].tolist()):
            accepted = 0
            for j in range(start, end):
                if accepted >= limit:
                    break
                if not mine[j] and not rejected:
                    accepted += 1
                    continue
                pid = proposal_id(j)
                if pid in rejected and rejected[pid] == facts_print(j):
                    continue
                accepted += 1
                if mine[j]:
                    kept.append(j)
                    keys.append((pid, facts_print(j)))
        return kept, keys

    # ------------------------------------------------------------ declared needs

    def _declared(self, batch: Batch) -> None:
        table, settings = self.table, self.settings
        present = [link for _, _, links in batch for link in links]
        if not present:
            return
        columns = link_columns(present, settings, self.history)
        o, n, link, km = self._pairs(batch, present, columns["max_km"])
        keep = table.actor_code[o] != table.actor_code[n]
        allowed, borderline = temperature_filter(table, o, n, columns["heat"][link])
        keep &= allowed
        o, n, link, km, borderline = o[keep], n[keep], link[keep], km[keep], borderline[keep]
        parts = cheap_parts(table, o, n, link, km, borderline, columns, settings)
        parts["taxonomy"] = parts["taxonomy"] * np.minimum(table.certainty(o, settings.certainty_floor),
                                                           table.certainty(n, settings.certainty_floor))
        lower, upper = bounds(parts, settings)
        # One receiver more than can be proposed: an offer's ranking kept between incremental
        # runs stays usable after one of its receivers changes (see `matcher.kept`). The
        # proposals are the same: `_accept` skips at most `slack` receivers.
        limit = settings.top_receivers + self.slack + 1
        keep = prune(o, table.actor_code[n], lower, upper, n, limit, settings.min_score)
        o, n, link, km, borderline = o[keep], n[keep], link[keep], km[keep], borderline[keep]
        parts = {name: values[keep] for name, values in parts.items()}
        parts["text"], with_vectors = text_part(table, o, n, settings, block=table.node_code[o])
        parts = ordered(parts)
        score = combine(parts, settings)
        good = np.flatnonzero(score >= settings.min_score)
        chosen = good[ranked(o[good], table.actor_code[n[good]], score[good], n[good], limit)]
        if self.rankings is not None:
            offers, needs = o[chosen], n[chosen]
            for group in per_offer(offers):
                self.rankings[int(offers[group[0]])] = needs[group].tolist()

        offers, needs, links = o[chosen].tolist(), n[chosen].tolist(), link[chosen].tolist()
        actor_ids = table.actor_ids

        def proposal_id(j: int) -> str:
            node_link = present[links[j]]
            return ids.exchange_id(node_link.kind, actor_ids[offers[j]], actor_ids[needs[j]],
                                   node_link.offer_node, node_link.need_node)

        def facts_print(j: int) -> str:
            return ids.fingerprint((self._row_facts(offers[j]), self._row_facts(needs[j])))

        kept, keys = self._accept(o[chosen], settings.top_receivers, proposal_id, facts_print,
                                  table.actor_code[o[chosen]], table.actor_code[n[chosen]])
        if not kept:
            return
        k = chosen[np.array(kept, dtype=np.int64)]
        built = self.facts.declared(o[k], n[k], present, link[k], {name: v[k] for name, v in parts.items()},
                                    km[k], borderline[k], with_vectors[k])
        for (pid, fingerprint), oi, ni, code, s, score_parts in zip(
                keys, o[k].tolist(), n[k].tolist(), link[k].tolist(), score[k].tolist(), built):
            node_link = present[code]
            offer, need = table.rows[oi], table.rows[ni]
            self._keep(Proposal(
                id=pid, kind=node_link.kind, node_id=node_link.offer_node, score=round(s, 4),  # type: ignore[arg-type]
                supplier=offer.actor_id, receiver=need.actor_id, resources=(offer.id, need.id), parts=score_parts,
                latent=False, caveats=node_link.caveats, visibility=most_restrictive([offer, need]),  # type: ignore[arg-type]
                fingerprint=fingerprint,
            ))

    def _pairs(self, batch: Batch, present: list[NodeLink],
               max_km: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Candidate pairs (offer, need, link, km) of a batch's links, within each link's reach.

        Every offer against every need, unless the scope says otherwise: then each offer
        with a kept ranking only against the needs it names and the changed actors' needs.
        """
        lefts = [rows for _, rows, links in batch for _ in links]
        rights = [self.needs_by_node[link.need_node] for link in present]
        scope = self.scope
        if scope is None:
            return self._within_reach(lefts, rights, max_km)
        every = [rows[scope.every_need[rows]] for rows in lefts]
        some = [rows[scope.declared[rows] & ~scope.every_need[rows]] for rows in lefts]
        found = [self._within_reach(every, rights, max_km),
                 self._within_reach(some, [needs[scope.changed[needs]] for needs in rights], max_km),
                 self._kept_pairs(np.concatenate(some), present)]
        return tuple(np.concatenate(arrays) for arrays in zip(*found))  # type: ignore[return-value]

    def _within_reach(self, lefts: list[np.ndarray], rights: list[np.ndarray],
                      max_km: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Pairs of lefts[k] × rights[k] (link k) within max_km[k]."""
        table = self.table
        codes = np.arange(len(lefts))
        return pairs_by_group(np.concatenate(lefts), np.repeat(codes, [a.size for a in lefts]),
                              np.concatenate(rights), np.repeat(codes, [a.size for a in rights]),
                              (table.lat, table.lat), (table.lon, table.lon), max_km, self.cos_min)

    def _kept_pairs(self, offers: np.ndarray, present: list[NodeLink]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The scope's kept (offer, need) pairs of these offers, with their link and distance."""
        table = self.table
        kept_offer, kept_need = self.scope.kept  # type: ignore[union-attr]
        chosen = np.isin(kept_offer, offers)
        o, n = kept_offer[chosen], kept_need[chosen]
        number = {node: k for k, node in enumerate(table.nodes)}
        span = len(table.nodes)
        keys = np.array([number.get(link.offer_node, -1) * span + number.get(link.need_node, -1) for link in present],
                        dtype=np.int64)
        order = np.argsort(keys, kind="stable")
        wanted = table.node_code[o].astype(np.int64) * span + table.node_code[n]
        at = np.minimum(np.searchsorted(keys[order], wanted), max(keys.size - 1, 0))
        found = keys[order][at] == wanted if keys.size else np.zeros(o.size, dtype=bool)
        o, n, link = o[found], n[found], order[at[found]]
        # Within reach: they were when ranked, and neither side has moved since (a moved
        # actor is a changed actor, whose needs are not taken from kept rankings).
        return o, n, link, distance.haversine_km(table.lat[o], table.lon[o], table.lat[n], table.lon[n])

    # ------------------------------------------------------------ latent receivers

    def _latent(self, batch: Batch) -> None:
        table, actors, settings = self.table, self.actors, self.settings
        latent_links: list[NodeLink] = []
        divisions: list[str] = []
        node_of_link: list[int] = []
        lefts, rights, reach = [], [], []
        declared_keys = []
        for index, (node, rows, present) in enumerate(batch):
            rows = rows[~np.isnan(table.lat[rows]) & ~np.isnan(table.lon[rows])
                        & (table.confidence[rows] >= settings.latent_min_confidence)]
            if self.scope is not None:
                rows = rows[self.scope.latent[rows]]
            relations = self.links.latent_for(node)
            groups = [d for d in sorted(relations) if d in self.actors_by_division]
            if rows.size == 0 or not groups:
                continue
            root = self.links.taxonomy[node].root
            for d in groups:
                receivers = self.actors_by_division[d]
                if settings.latent_skip_declared_root:
                    if root in self.declared:
                        receivers = receivers[~self.declared[root][receivers]]
                    if receivers.size == 0:
                        continue
                latent_links.append(self.links.latent_link(node, relations[d]))
                divisions.append(d)
                node_of_link.append(index)
                lefts.append(rows)
                rights.append(receivers)
                reach.append(self.links.max_km(node) * settings.latent_reach)
            # Actors with a declared need this offer can meet get a real exchange instead.
            if self.scope is None:
                needers = [table.actor_code[self.needs_by_node[link.need_node]] for link in present]
            else:  # the table holds only some of the needs
                needers = [self.scope.needers(need) for need in self.links.needs_for(node)]
            if needers:
                declared_keys.append(index * (1 << 32) + np.unique(np.concatenate(needers)))
        if not latent_links:
            return
        codes = np.arange(len(latent_links))
        left, right = np.concatenate(lefts), np.concatenate(rights)
        o, a, link, km = pairs_by_group(
            left, np.repeat(codes, [x.size for x in lefts]), right, np.repeat(codes, [x.size for x in rights]),
            (table.lat, actors.lat), (table.lon, actors.lon), np.array(reach), self.cos_min)
        keep = a != table.actor_code[o]
        if declared_keys:
            keep &= ~np.isin(np.array(node_of_link)[link] * (1 << 32) + a, np.concatenate(declared_keys))
        o, a, link, km = o[keep], a[keep], link[keep], km[keep]
        if o.size == 0:
            return
        columns = link_columns(latent_links, settings, self.history)
        neutral = np.full(o.size, NEUTRAL)
        parts = {
            "taxonomy": columns["taxonomy"][link] * table.certainty(o, settings.certainty_floor),
            "text": neutral, "quantity": neutral,
            "distance": distance.scores(km, columns["max_km"][link], settings.distance_floor), "timing": neutral,
            "regulatory": columns["regulatory"][link], "history": columns["history"][link],
        }
        score = settings.latent_cap * combine(parts, settings)
        chosen = ranked(o, a, score, a, settings.latent_per_offer + self.slack)

        offers, receivers, links = o[chosen].tolist(), a[chosen].tolist(), link[chosen].tolist()

        def proposal_id(j: int) -> str:
            node_link = latent_links[links[j]]
            return ids.exchange_id(node_link.kind, table.actor_ids[offers[j]], actors.facts[receivers[j]].id,
                                   node_link.offer_node, "")

        def facts_print(j: int) -> str:
            return ids.fingerprint((self._row_facts(offers[j]), self._actor_facts(receivers[j])))

        kept, keys = self._accept(o[chosen], settings.latent_per_offer, proposal_id, facts_print,
                                  table.actor_code[o[chosen]], a[chosen])
        if not kept:
            return
        k = chosen[np.array(kept, dtype=np.int64)]
        built = self.facts.latent(o[k], latent_links, link[k], divisions, {name: v[k] for name, v in parts.items()}, km[k])
        for (pid, fingerprint), oi, ai, code, s, score_parts in zip(
                keys, o[k].tolist(), a[k].tolist(), link[k].tolist(), score[k].tolist(), built):
            offer, node_link = table.rows[oi], latent_links[code]
            self._keep(Proposal(
                id=pid, kind=node_link.kind, node_id=node_link.offer_node, score=round(s, 4),  # type: ignore[arg-type]
                supplier=offer.actor_id, receiver=actors.facts[ai].id, resources=(offer.id,), parts=score_parts,
                latent=True, caveats=node_link.caveats, visibility=most_restrictive([offer]),  # type: ignore[arg-type]
                fingerprint=fingerprint,
            ))


def _code_of(table: ResourceTable, actors: ActorTable, actor_id: str) -> int:
    """An actor's code in the tables (negative when missing from the actor list)."""
    if actor_id in actors.index:
        return actors.index[actor_id]
    for code, name in zip(table.actor_code.tolist(), table.actor_ids):
        if name == actor_id:
            return code
    return _NOBODY


__all__ = ["ExchangeFinder", "most_restrictive"]
