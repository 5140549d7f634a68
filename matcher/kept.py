"""Offers' rankings kept between incremental runs over one `MatchIndex`.

To give an actor's proposals exactly as a full run would, an incremental run must
know, for every offer that may reach one of the actor's needs, whether the actor
is among that offer's best receivers. Ranking each such offer against all of its
candidate needs is most of the cost for an actor whose needs many offers reach
(thousands for a hazardous waste, which travels far). But a score depends only on
its pair, so an offer's ranking changes only where a receiver changed.

For each offer ranked against all of its candidates, the index keeps its first
`depth` receivers (the best need row of each, best first), where `depth` is one
more than the offer can have proposed (`top_receivers` + the rejected proposals
it may skip). Later, with C the actors changed since then (the current actor
included), the receivers not in C keep their places, and every receiver outside
the list scored below all of them. So the offer's true first `depth - 1`
receivers are among the kept ones not in C and the current needs of C's actors,
as long as at most one kept receiver is in C (or the list holds every receiver
with a good enough score). Ranking the offer against those few rows gives the
same result as against all of them.

Anything else that changes scores clears the lot: the rejected and realised
history, and the settings (those are fixed per index).
"""
from __future__ import annotations

from dataclasses import dataclass

from .history import History

CHANGES_KEPT = 128  # a ranking older than this many actor changes is recomputed in full


@dataclass(frozen=True, slots=True)
class Ranking:
    needs: tuple[int, ...]  # index rows of the receivers' best needs, best first
    actors: tuple[str, ...]  # their actors
    complete: bool  # every receiver with a good enough score is listed
    version: int  # `KeptRankings.version` when recorded


@dataclass(frozen=True, slots=True)
class Use:
    """How a run may rank an offer from its kept ranking."""

    needs: list[int]  # the kept receivers' needs still valid
    changed: frozenset[str]  # actors whose current needs must be ranked too
    complete: bool


def history_key(history: History) -> tuple:
    return (tuple(sorted(history.rejected.items())), tuple(sorted(history.realised_node_pairs.items())),
            tuple(sorted(history.rejected_node_pairs.items())))


class KeptRankings:
    def __init__(self) -> None:
        self.rankings: dict[int, Ranking] = {}
        self.changes: list[str] = []  # actor ids, in the order `changed` heard of them
        self.offset = 0  # version of changes[0]
        self.key: tuple | None = None
        self.depth = 0
        self._since: dict[int, frozenset[str]] = {}  # version → actors changed since (until the next change)

    @property
    def version(self) -> int:
        return self.offset + len(self.changes)

    def start(self, history: History, top_receivers: int) -> None:
        """Before a run: forget everything if the history changed since the last one."""
        key = history_key(history)
        if key != self.key:
            self.rankings.clear()
            self.key = key
        self.depth = top_receivers + len(history.rejected) + 1

    def changed(self, actor_id: str, offers: list[int]) -> None:
        """An actor's resources or facts changed; `offers` are its former offer rows."""
        for row in offers:
            self.rankings.pop(row, None)
        self.changes.append(actor_id)
        self._since.clear()
        if len(self.changes) > 2 * CHANGES_KEPT:  # older rankings are too stale to be used anyway
            drop = len(self.changes) - CHANGES_KEPT
            del self.changes[:drop]
            self.offset += drop

    def use(self, offer: int, actor_id: str) -> Use | None:
        """What ranking `offer` in a run for `actor_id` needs, or None when it needs all its candidates."""
        kept = self.rankings.get(offer)
        if kept is None or self.version - kept.version > CHANGES_KEPT:
            return None
        changed = self._since.get(kept.version)
        if changed is None:
            changed = self._since[kept.version] = frozenset(self.changes[kept.version - self.offset:])
        if actor_id not in changed:
            changed = changed | {actor_id}
        needs = [row for row, actor in zip(kept.needs, kept.actors) if actor not in changed]
        if not kept.complete and len(needs) < self.depth - 1:
            return None
        return Use(needs, changed, kept.complete)

    def record(self, offer: int, needs: list[int], actors: list[str], use: Use | None) -> None:
        """A run ranked `offer` (its receivers' best need rows, best first, at most `depth`)."""
        if use is None or use.complete:
            complete = len(needs) < self.depth
        else:  # only the first len(use.needs) places are known for sure
            needs, actors, complete = needs[:len(use.needs)], actors[:len(use.needs)], False
        self.rankings[offer] = Ranking(tuple(needs), tuple(actors), complete, self.version)
