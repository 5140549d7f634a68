"""What an incremental run reads and ranks: the rows around one actor (see `engine`)."""
from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from typing import TYPE_CHECKING

import numpy as np

from .blocking import SHARING_ROOTS, pairs_by_group
from .comparators.distance import haversine_km
from .exchange import Scope
from .kept import KeptRankings, Use
from .pooling import PoolKey, pooling_keys

if TYPE_CHECKING:
    from .engine import MatchIndex

MARGIN_KM = 1e-6  # the focus may only widen the search: exact filters run later


@dataclass
class Focus:
    """What an incremental run reads (index rows) and ranks (see `exchange.Scope`)."""

    keep: set[int]  # every row the run reads
    keys: set[PoolKey]
    uses: dict[int, Use | None]  # offers whose declared receivers are ranked: how (None: against every need)
    changed: set[int]  # the current needs of the actors changed since the kept rankings used were made
    latent: set[int]  # offers whose latent receivers are ranked

    def scope(self, chosen: list[int], position: dict[int, int], needers) -> Scope:
        """The focus as masks over the table's rows (`chosen`: the index row of each; `position`: its inverse)."""
        rows = np.array(chosen, dtype=np.int64)

        def mask(selected) -> np.ndarray:
            return np.isin(rows, np.fromiter(selected, np.int64))

        every = [offer for offer, use in self.uses.items() if use is None]
        pairs = [(position[offer], position[need]) for offer, use in self.uses.items() if use is not None
                 for need in use.needs]
        kept = np.array(pairs, dtype=np.int64).reshape(-1, 2)
        return Scope(declared=mask(self.uses), every_need=mask(every), changed=mask(self.changed),
                     kept=(kept[:, 0], kept[:, 1]), latent=mask(self.latent), needers=needers)


def find_focus(index: MatchIndex, actor_id: str, kept: KeptRankings | None) -> Focus:
    """The rows an incremental run reads, and what it ranks (see the module docstring)."""
    rows, actors, links, settings = index.rows, index.actors, index.links, index.settings
    taxonomy = links.taxonomy
    lat, lon = index.lat, index.lon
    offers_by_node, needs_by_node = index.offers_by_node, index.needs_by_node
    mine: list[int] = list(index.offers_of.get(actor_id, ()))
    my_needs: set[str] = {rows[i].node_id for i in index.needs_of.get(actor_id, ())}  # type: ignore[misc]
    # Pooling keys of the actor's needs, and of the equipment or space it offers (it may join
    # a sharing group as the owner).
    my_shared = {rows[i].node_id for i in mine if taxonomy[rows[i].node_id].root in SHARING_ROOTS}
    keys = pooling_keys(taxonomy, my_needs | my_shared, settings.pool_parent_min_depth)
    me = actors.index.get(actor_id)
    my_lat, my_lon = (actors.lat[me], actors.lon[me]) if me is not None else (np.nan, np.nan)
    my_division = actors.division[me] if me is not None else None

    # Offers that may reach the actor: as a receiver of a declared need, or as a latent receiver.
    reaching: set[str] = {o for n in my_needs for o in links.offers_for(n)}
    latent_nodes = ({o for o in offers_by_node if my_division in links.latent_for(o)}
                    if settings.latent and my_division and not np.isnan(my_lat) else set())
    nodes = sorted((reaching | latent_nodes) & set(offers_by_node))
    declared: list[int] = []
    latent = set(mine)
    if nodes:
        sizes = [len(offers_by_node[node]) for node in nodes]
        candidates = np.fromiter(chain.from_iterable(offers_by_node[node] for node in nodes), np.int64, sum(sizes))
        declared_km = np.repeat([links.max_km(n) + MARGIN_KM if n in reaching else -np.inf for n in nodes], sizes)
        latent_km = np.repeat([links.max_km(n) * settings.latent_reach + MARGIN_KM if n in latent_nodes else -np.inf
                               for n in nodes], sizes)
        km = haversine_km(lat[candidates], lon[candidates], my_lat, my_lon)
        with np.errstate(invalid="ignore"):
            # Without a location, any offer may reach a declared need.
            declared = candidates[(np.isnan(km) & (declared_km > -np.inf)) | (km <= declared_km)].tolist()
            latent.update(candidates[km <= latent_km].tolist())

    # The actor's offers are ranked against every need they could meet; each other offer
    # that may reach the actor's needs, against the needs its kept ranking names and the
    # current needs of the actors changed since (`matcher.kept`), else against every need.
    uses: dict[int, Use | None] = dict.fromkeys(mine)
    few: set[int] = set()
    changed_actors: set[str] = set()
    for offer in declared:
        if offer in uses:
            continue
        use = uses[offer] = kept.use(offer, actor_id) if kept is not None else None
        if use is not None:
            few.update(use.needs)
            changed_actors.update(use.changed)
    changed = {i for actor in changed_actors for i in index.needs_of.get(actor, ())}
    keep = few | changed | set(uses) | latent
    chosen_by_node: dict[str, list[int]] = {}
    for i in sorted(offer for offer, use in uses.items() if use is None):
        chosen_by_node.setdefault(rows[i].node_id, []).append(i)  # type: ignore[arg-type]
    lefts, rights, radii = [], [], []
    for node, offer_rows in chosen_by_node.items():
        targets = [needs_by_node[n] for n in links.needs_for(node) if n in needs_by_node]
        if targets:
            lefts.append(offer_rows)
            rights.append(list(chain.from_iterable(targets)))
            radii.append(links.max_km(node) + MARGIN_KM)
    if lefts:
        left, right = (np.fromiter(chain.from_iterable(x), np.int64, sum(map(len, x))) for x in (lefts, rights))
        groups = np.arange(len(lefts))
        _, close, _, _ = pairs_by_group(left, np.repeat(groups, [len(x) for x in lefts]),
                                        right, np.repeat(groups, [len(x) for x in rights]),
                                        (lat, lat), (lon, lon), np.array(radii), index.cos_min)
        keep.update(np.unique(close).tolist())

    # Pooling: every need under the keys, and every offer that could join a group as its owner.
    def under_keys(node: str) -> bool:
        return any(node == k.node or (not k.same and node.startswith(k.node + ".")) for k in keys)

    for node, need_rows in needs_by_node.items():
        if under_keys(node):
            keep.update(need_rows)
    for node, offer_rows in offers_by_node.items():
        if under_keys(node):
            keep.update(offer_rows)
    return Focus(keep, keys, uses, changed, latent)

