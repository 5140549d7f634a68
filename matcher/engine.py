"""`propose`: the whole matcher as one pure function over plain data.

Full run: every offer node's exchanges, sharing and latent receivers, then every
pooling key. Incremental run (`only_actor`): the same code over a focused subset
of the resources, chosen so that each proposal involving the actor is computed
from exactly the candidates the full run would see:

- the actor's offers, and every other offer that could reach one of the actor's
  needs or the actor as a latent receiver (right node, within its `max_km`);
- for the actor's offers and those reaching its needs, every need they could be
  paired with (right node, within reach or without a location), so that their top
  receivers are the full run's — or, over an index kept between runs, only the needs
  the offer's kept ranking names and those of the actors changed since
  (`matcher.kept`);
- for pooling, every need under the pooling keys of the actor's needs.

Only the rankings that can hold one of the actor's proposals are computed
(`exchange.Scope`). Scores depend only on the pair (or group) they describe, never
on the rest of the territory, which is what makes the two runs agree.
"""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from threadpoolctl import ThreadpoolController

from data.taxonomy import Taxonomy
from data.types import ActorFacts, Proposal, Resource

from .blocking import Links, cos_floor, links_for
from .exchange import ExchangeFinder, declared_columns
from .focus import find_focus
from .history import History
from .kept import KeptRankings
from .pooling import Pooler, pooling_keys
from .settings import MatcherSettings
from .table import ActorTable, ResourceTable, RowColumns, usable


def propose(
    resources: list[Resource],
    actors: list[ActorFacts],
    taxonomy: Taxonomy,
    *,
    history: History | None = None,
    settings: MatcherSettings | None = None,
    only_actor: str | None = None,
) -> list[Proposal]:
    """Proposals (exchanges, sharing, latent exchanges, pooling) sorted by descending score, then id.

    Deterministic: the same input, in any order, gives the same proposals with the
    same ids. With `only_actor`, only the proposals involving that actor, exactly
    as a full run would give them.
    """
    with _collector_paused(), _blas_threads(1 if only_actor else None):
        return _propose(resources, actors, taxonomy, history or History(), settings or MatcherSettings(), only_actor)


@contextmanager
def _blas_threads(limit: int | None) -> Iterator[None]:
    """Run with at most `limit` BLAS threads (None: unchanged).

    An incremental run multiplies small matrices, where extra BLAS threads only spin
    and take the cores from the rest of the run (and from the other web worker).
    """
    if limit is None:
        yield
        return
    with _threadpools().limit(limits=limit, user_api="blas"):
        yield


@lru_cache(maxsize=1)
def _threadpools() -> ThreadpoolController:
    return ThreadpoolController()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while proposals are built.

    A run creates hundreds of thousands of small objects (proposals, parts, facts)
    and none of them forms a reference cycle; without the pause, the collector
    rescans the growing heap again and again and the run takes about three times
    longer. Reference counting still frees everything as usual.

    On the way out the surviving objects are moved to the oldest generation
    (`gc.freeze()` then `gc.unfreeze()`: two list splices). Left in the youngest,
    the first allocation after the run would scan them all, then the middle
    generation would again (0.9 s each for the 160,000 proposals of 5,000 actors):
    work that cannot find a cycle in them. The next full collection still sees them.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if was_enabled:
            gc.enable()


@dataclass
class MatchIndex:
    """What every run over one territory shares, built once by `prepare`.

    A full run builds it and throws it away; a service that re-matches one actor
    after another keeps it, so that each incremental run touches only the rows
    around that actor instead of passing over the whole territory again.
    """

    taxonomy: Taxonomy
    settings: MatcherSettings
    actors: ActorTable
    links: Links
    rows: list[Resource]  # the usable resources
    declared: dict[str, np.ndarray]  # root → actors (by code) who declared needs of that kind
    lat: np.ndarray  # per row: the actor's coordinates (NaN when unknown)
    lon: np.ndarray
    offers_by_node: dict[str, list[int]]
    needs_by_node: dict[str, list[int]]
    offers_of: dict[str, list[int]]  # actor id → rows of its offers
    needs_of: dict[str, list[int]]
    cos_min: float  # see blocking.cos_floor
    need_roots: dict[str, set[str]]  # actor id → the kinds of resource (roots) of its needs
    dead: int = 0  # rows left behind by `replace_actor` (in `rows`, but in none of the lists by node or actor)
    _columns: RowColumns | None = None  # the rows' own columns, in the order of `rows`, once `propose_for` ran
    kept: KeptRankings = field(default_factory=KeptRankings)  # offers' rankings from earlier `propose_for` runs
    _needers: dict[str, np.ndarray] = field(default_factory=dict)  # see `needers`

    def needers(self, node: str) -> np.ndarray:
        """Codes (in the actor table) of the actors with a need on `node`."""
        codes = self._needers.get(node)
        if codes is None:
            index = self.actors.index
            codes = np.array([index.get(self.rows[i].actor_id, -1) for i in self.needs_by_node.get(node, ())],
                             dtype=np.int64)
            codes = self._needers[node] = codes[codes >= 0]
        return codes

    def columns(self) -> RowColumns:
        if self._columns is None:
            self._columns = RowColumns.build(self.rows, self.taxonomy)
        return self._columns

    def replace_actor(self, actor_id: str, resources: list[Resource], facts: ActorFacts | None) -> None:
        """Swap in an actor's current resources and facts (None and no resources: the actor is gone).

        A service keeps the index between requests and calls this for each actor whose
        data changed; `propose_for` then gives what a fresh index would. Only that actor's
        rows are touched, unless its place or sector changed (then the actor columns are
        rebuilt: a few milliseconds at 10,000 actors).
        """
        self.kept.changed(actor_id, self.offers_of.get(actor_id, []))
        for i in self.needs_of.get(actor_id, []):
            self._needers.pop(self.rows[i].node_id, None)  # type: ignore[arg-type]
        for r in resources:
            self._needers.pop(r.node_id, None)  # type: ignore[arg-type]
        for by_node, of in ((self.offers_by_node, self.offers_of), (self.needs_by_node, self.needs_of)):
            for i in of.pop(actor_id, []):
                node = self.rows[i].node_id
                by_node[node].remove(i)  # type: ignore[index]
                if not by_node[node]:  # type: ignore[index]
                    del by_node[node]  # type: ignore[arg-type]
                self.dead += 1
        self.need_roots.pop(actor_id, None)
        start = len(self.rows)
        added = [r for r in usable(resources, self.taxonomy) if r.actor_id == actor_id]
        self._add_rows(added)
        if self._columns is not None:
            self._columns = self._columns.extend(RowColumns.build(added, self.taxonomy))
        if self.actors.get(actor_id) != facts:
            others = [a for a in self.actors.facts if a.id != actor_id]
            self.actors = ActorTable.build(others + ([facts] if facts is not None else []))
            self._needers.clear()  # the codes changed
            self._locate()
        else:
            self._locate(start)
            code = self.actors.index.get(actor_id)
            if code is not None:
                for column in self.declared.values():
                    column[code] = False
                for root in self.need_roots.get(actor_id, ()):
                    self.declared.setdefault(root, np.zeros(len(self.actors.facts), dtype=bool))[code] = True

    def live(self) -> list[int]:
        """Indices of the rows as they are now (without those `replace_actor` left behind)."""
        if not self.dead:
            return list(range(len(self.rows)))
        return sorted(i for of in (self.offers_of, self.needs_of) for rows in of.values() for i in rows)

    def live_rows(self) -> list[Resource]:
        """The usable resources as they are now."""
        return [self.rows[i] for i in self.live()]

    def _add_rows(self, rows: list[Resource]) -> None:
        roots = {node_id: self.taxonomy[node_id].root for node_id in {r.node_id for r in rows}}  # type: ignore[index]
        for i, r in enumerate(rows, len(self.rows)):
            if r.direction == "offer":
                self.offers_by_node.setdefault(r.node_id, []).append(i)  # type: ignore[arg-type]
                self.offers_of.setdefault(r.actor_id, []).append(i)
            else:
                self.needs_by_node.setdefault(r.node_id, []).append(i)  # type: ignore[arg-type]
                self.needs_of.setdefault(r.actor_id, []).append(i)
                # The kinds of resource each actor declared needs for: a latent receiver who
                # listed needs of that kind but not this one is skipped.
                self.need_roots.setdefault(r.actor_id, set()).add(roots[r.node_id])  # type: ignore[index]
        self.rows.extend(rows)

    def _locate(self, start: int = 0) -> None:
        """Coordinates of rows[start:] from the actor table (all rows, and the latent filter, when 0)."""
        index = self.actors.index
        codes = np.array([index.get(r.actor_id, -1) for r in self.rows[start:]], dtype=np.int64)
        known = codes >= 0
        safe = np.where(known, codes, 0)
        lat = np.where(known, self.actors.lat[safe], np.nan) if codes.size else np.zeros(0)
        lon = np.where(known, self.actors.lon[safe], np.nan) if codes.size else np.zeros(0)
        self.lat = np.concatenate([self.lat[:start], lat])
        self.lon = np.concatenate([self.lon[:start], lon])
        if start == 0:
            self.declared = declared_columns(self.need_roots, self.actors)
        self.cos_min = cos_floor(self.lat)


def prepare(resources: list[Resource], actors: list[ActorFacts], taxonomy: Taxonomy,
            settings: MatcherSettings | None = None) -> MatchIndex:
    """Build the index `propose_for` re-matches actors against."""
    settings = settings or MatcherSettings()
    actor_table = ActorTable.build(actors)
    index = MatchIndex(taxonomy, settings, actor_table, links_for(taxonomy, settings.default_max_km), [], {},
                       np.zeros(0), np.zeros(0), {}, {}, {}, {}, 1.0, {})
    index._add_rows(usable(resources, taxonomy))
    index._locate()
    return index


def propose_for(index: MatchIndex, actor_id: str, history: History | None = None) -> list[Proposal]:
    """The proposals involving `actor_id`, exactly as a full run over the index's resources gives them.

    The first call builds the index's row columns (`MatchIndex.columns`; about 1.5 s at
    100,000 resources), which later calls and `replace_actor` keep up to date. Each call
    keeps the rankings of the offers it ranked in full, which later calls reuse
    (`matcher.kept`).
    """
    index.columns()
    history = history or History()
    index.kept.start(history, index.settings.top_receivers)
    with _collector_paused(), _blas_threads(1):
        return _run(index, history, actor_id, index.kept)


def _propose(resources: list[Resource], actors: list[ActorFacts], taxonomy: Taxonomy, history: History,
             settings: MatcherSettings, only_actor: str | None) -> list[Proposal]:
    return _run(prepare(resources, actors, taxonomy, settings), history, only_actor)


def _run(index: MatchIndex, history: History, only_actor: str | None,
         kept: KeptRankings | None = None) -> list[Proposal]:
    taxonomy, settings, actor_table, links = index.taxonomy, index.settings, index.actors, index.links
    focus = None
    if only_actor is None:
        keys = pooling_keys(taxonomy, set(index.needs_by_node), settings.pool_parent_min_depth)
        chosen = index.live()
    else:
        focus = find_focus(index, only_actor, kept)
        chosen, keys = list(focus.keep), focus.keys
    chosen.sort(key=lambda i: index.rows[i].id)
    rows = [index.rows[i] for i in chosen]
    if index._columns is None:  # a one-off run: only these rows' columns
        table = ResourceTable.build(rows, actor_table, taxonomy)
    else:  # a kept index: its columns, taken
        table = ResourceTable.assemble(rows, index._columns.take(np.array(chosen, dtype=np.int64)), actor_table)
    position = {row: p for p, row in enumerate(chosen)} if focus is not None else {}
    scope = focus.scope(chosen, position, index.needers) if focus is not None else None
    finder = ExchangeFinder(table, actor_table, links, settings, history, only_actor, index.declared, scope)
    if kept is not None:
        finder.rankings = {}
    proposals = finder.run()
    if focus is not None and finder.rankings is not None:  # an incremental run over a kept index
        for offer, use in focus.uses.items():
            needs = [chosen[q] for q in finder.rankings.get(position[offer], [])]
            kept.record(offer, needs, [index.rows[i].actor_id for i in needs], use)
    proposals += Pooler(table, actor_table, taxonomy, links, settings, history).run(keys, only_actor)
    if only_actor is not None:
        proposals = [p for p in proposals if only_actor in (p.supplier, p.receiver) or only_actor in p.members]
    proposals.sort(key=lambda p: (-p.score, p.id))
    return proposals
