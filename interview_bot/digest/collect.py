"""What each person's next digest holds, read from both partitions for a whole territory at once.

Every section is data-driven: a table another feature has not created yet (the
introductions, the synergy pipeline) gives an empty section, never an error.
Nothing here writes. Counterparties are described by `matcher.explain` by sector
and rough distance only; facilitator digests give counts, taxonomy labels and
anonymous explanations, never actors' names, refs or words.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from data import Store
from data.digests import DigestState, recipient_of, states
from data.proposals import load_proposal
from data.taxonomy import Taxonomy, load_taxonomy
from data.types import ActorFacts
from matcher import explain

ACTOR_VISIBLE_STATUSES = ("new", "accepted")  # rejected, snoozed and withdrawn ones are not news
ACTOR_VISIBLE_SHARING = ("named", "anonymous")  # "facilitator only" never reaches the other party
UNFINISHED = ("invited", "in_progress")
OPEN_STAGES = ("idea", "study", "in_progress")
MAX_LISTED = 10  # items listed by name in one digest; the rest are counted


@dataclass
class ProposalItem:
    id: str
    kind: str
    label: str
    explanation: str
    created_at: str


@dataclass
class ActorDigest:
    actor_id: str
    territory_id: int
    lang: str
    since: str
    until: str
    proposals: list[ProposalItem] = field(default_factory=list)
    introductions: list[ProposalItem] = field(default_factory=list)  # waiting for this actor's answer
    new_introductions: int = 0
    reminder: bool = False  # the interview is unfinished and a reminder is due
    unsubscribed: bool = False

    @property
    def recipient(self) -> str:
        return recipient_of(actor_id=self.actor_id)

    @property
    def has_news(self) -> bool:
        return bool(self.proposals or self.new_introductions or self.reminder)


@dataclass
class StaleSynergy:
    id: int
    label: str
    stage: str
    days: int


@dataclass
class FacilitatorDigest:
    user_id: int
    territory_id: int
    territory_slug: str
    territory_name: str
    lang: str
    since: str
    until: str
    new_proposals: list[ProposalItem] = field(default_factory=list)
    new_proposal_count: int = 0
    queue_total: int = 0
    new_actors: int = 0
    completed: int = 0
    unfinished: int = 0
    unknown_new: int = 0
    unknown_total: int = 0
    stale: list[StaleSynergy] = field(default_factory=list)
    stale_new: int = 0
    unsubscribed: bool = False

    @property
    def recipient(self) -> str:
        return recipient_of(user_id=self.user_id)

    @property
    def has_news(self) -> bool:
        return bool(self.new_proposal_count or self.new_actors or self.completed or self.unknown_new or self.stale_new)


def _shift(stamp: str, days: int) -> str:
    return (datetime.fromisoformat(stamp) + timedelta(days=days)).isoformat(timespec="seconds")


def _tables(store: Store) -> set[str]:
    return set(store.public.table_names())


class TerritoryDigests:
    """Everything needed to build the digests of one territory's people for the period ending `until`."""

    def __init__(self, store: Store, territory: dict, until: str, *, reminder_days: int = 7, stale_days: int = 30,
                 default_lang: str = "fr", taxonomy: Taxonomy | None = None):
        self.store, self.territory, self.until = store, territory, until
        self.reminder_days, self.stale_days, self.default_lang = reminder_days, stale_days, default_lang
        self.taxonomy = taxonomy or load_taxonomy()
        tid = territory["id"]
        self.tables = _tables(store)
        self.states: dict[str, DigestState] = states(store, tid) if store.has_vault else {}
        self.actors = {r["id"]: r for r in store.public["actor"].rows_where("territory_id = ?", [tid], order_by="id")}
        self.facts = {
            a["id"]: ActorFacts(id=a["id"], ref=a["ref"], kind=a["kind"] or "company", naf_division=a["naf_division"],
                                lat=a["lat"], lon=a["lon"])
            for a in self.actors.values()
        }
        self.proposals = {r["id"]: r for r in store.public["proposal"].rows_where("territory_id = ?", [tid])}
        self.by_actor: dict[str, list[dict]] = defaultdict(list)
        for row in self.proposals.values():
            for party in _parties(row):
                self.by_actor[party].append(row)
        self.intros: dict[str, list[dict]] = defaultdict(list)  # by proposal
        self.pending_intros: dict[str, list[dict]] = defaultdict(list)  # by actor
        if "introduction" in self.tables:
            for row in store.public.query(
                "SELECT i.* FROM introduction i JOIN proposal p ON p.id = i.proposal_id WHERE p.territory_id = ? "
                "ORDER BY i.id", [tid]
            ):
                self.intros[row["proposal_id"]].append(row)
                if row["status"] == "pending":
                    self.pending_intros[row["actor_id"]].append(row)
        # The last sign of life of each interview (an answer, a fresh invitation), and when
        # interviews were completed, from the interview feature's tables when they exist.
        self.touched: dict[str, str] = {}
        self.completed_at: dict[str, str] = {}
        sources = []
        if "interview" in self.tables:
            sources.append("SELECT i.actor_id, i.updated_at FROM interview i JOIN actor a ON a.id = i.actor_id "
                           "WHERE a.territory_id = ?")
            for actor_id, completed in store.public.execute(
                "SELECT i.actor_id, i.completed_at FROM interview i JOIN actor a ON a.id = i.actor_id "
                "WHERE a.territory_id = ? AND i.completed_at IS NOT NULL", [tid]
            ):
                self.completed_at[actor_id] = completed
        if "invitation" in self.tables:
            sources.append("SELECT v.actor_id, v.sent_at FROM invitation v JOIN actor a ON a.id = v.actor_id "
                           "WHERE a.territory_id = ?")
        for query in sources:
            for actor_id, when in store.public.execute(query, [tid]):
                if when and when > self.touched.get(actor_id, ""):
                    self.touched[actor_id] = when
        self._explained: dict[tuple[str, str], str] = {}

    # ------------------------------------------------------------ shared

    def since_for(self, recipient: str, created_at: str | None) -> str:
        state = self.states.get(recipient)
        return (state.since if state and state.since else None) or created_at or self.until

    def item(self, proposal: dict, lang: str) -> ProposalItem:
        """The proposal in words that name nobody.

        Even after both parties accepted an introduction the email stays anonymous:
        mail is forwarded and kept, and the linked page shows names to the people
        entitled to them.
        """
        key = (proposal["id"], lang)
        if key not in self._explained:
            self._explained[key] = explain(load_proposal(proposal), self.taxonomy, self.facts, lang)
        return ProposalItem(id=proposal["id"], kind=proposal["kind"], label=self.label(proposal["node_id"], lang),
                            explanation=self._explained[key], created_at=proposal["created_at"] or "")

    def label(self, node_id: str | None, lang: str) -> str:
        node = self.taxonomy.get(node_id) if node_id else None
        return node.label(lang) if node else (node_id or "?")

    # ------------------------------------------------------------ actors

    def actor(self, actor_id: str) -> ActorDigest:
        row = self.actors[actor_id]
        recipient = recipient_of(actor_id=actor_id)
        state = self.states.get(recipient, DigestState(recipient))
        lang = row["lang"] if row["lang"] in ("fr", "en") else self.default_lang
        since = self.since_for(recipient, row["created_at"])
        digest = ActorDigest(actor_id, row["territory_id"], lang, since, self.until,
                             unsubscribed=bool(state.unsubscribed_at))
        for proposal in sorted(self.by_actor.get(actor_id, []), key=lambda p: (-(p["score"] or 0), p["id"])):
            if proposal["status"] not in ACTOR_VISIBLE_STATUSES:
                continue
            if (proposal.get("visibility") or "anonymous") not in ACTOR_VISIBLE_SHARING:
                continue
            if since <= (proposal["created_at"] or "") < self.until:
                digest.proposals.append(self.item(proposal, lang))
        for intro in self.pending_intros.get(actor_id, []):
            proposal = self.proposals.get(intro["proposal_id"])
            if proposal is None or proposal["status"] == "withdrawn":
                continue
            if any(r["status"] == "declined" for r in self.intros[intro["proposal_id"]]):
                continue  # one refusal closes the introduction for everyone
            if (intro["requested_at"] or "") >= self.until:
                continue
            digest.introductions.append(self.item(proposal, lang))
            if since <= intro["requested_at"]:
                digest.new_introductions += 1
        if row["status"] in UNFINISHED:
            last = max(filter(None, (state.last_reminder_at, row["updated_at"], row["created_at"],
                                     self.touched.get(actor_id))), default=self.until)
            digest.reminder = last <= _shift(self.until, -self.reminder_days)
        return digest

    def actor_ids(self) -> list[str]:
        return list(self.actors)

    # ------------------------------------------------------------ facilitators

    def facilitators(self) -> list[dict]:
        return list(self.store.public["user"].rows_where(
            "territory_id = ? AND role = 'facilitator'", [self.territory["id"]], order_by="id"))

    def facilitator(self, user: dict) -> FacilitatorDigest:
        recipient = recipient_of(user_id=user["id"])
        state = self.states.get(recipient, DigestState(recipient))
        since, until, lang = self.since_for(recipient, user["created_at"]), self.until, self.default_lang
        t = self.territory
        digest = FacilitatorDigest(user["id"], t["id"], t["slug"], t["name"], lang, since, until,
                                   unsubscribed=bool(state.unsubscribed_at))
        queue = [p for p in self.proposals.values() if p["status"] == "new"]
        digest.queue_total = len(queue)
        fresh = sorted((p for p in queue if since <= (p["created_at"] or "") < until),
                       key=lambda p: (-(p["score"] or 0), p["id"]))
        digest.new_proposal_count = len(fresh)
        digest.new_proposals = [self.item(p, lang) for p in fresh[:MAX_LISTED]]
        for actor in self.actors.values():
            if since <= (actor["created_at"] or "") < until:
                digest.new_actors += 1
            completed = self.completed_at.get(actor["id"]) or actor["updated_at"] or ""
            if actor["status"] == "completed" and since <= completed < until:
                digest.completed += 1
            if actor["status"] in UNFINISHED:
                digest.unfinished += 1
        digest.unknown_total, digest.unknown_new = self.store.public.execute(
            "SELECT count(*), coalesce(sum(r.created_at >= ? AND r.created_at < ?), 0) FROM resource r "
            "JOIN actor a ON a.id = r.actor_id WHERE a.territory_id = ? AND r.status = 'unknown'",
            [since, until, t["id"]],
        ).fetchone()
        if "synergy" in self.tables:
            horizon = _shift(until, -self.stale_days)
            for row in self.store.public.query(
                "SELECT s.id, s.stage, s.updated_at, p.node_id FROM synergy s LEFT JOIN proposal p ON p.id = s.proposal_id "
                f"WHERE s.territory_id = ? AND s.stage IN ({', '.join('?' for _ in OPEN_STAGES)}) AND s.updated_at < ? "
                "ORDER BY s.updated_at, s.id", [t["id"], *OPEN_STAGES, horizon],
            ):
                days = (datetime.fromisoformat(until) - datetime.fromisoformat(row["updated_at"])).days
                digest.stale.append(StaleSynergy(row["id"], self.label(row["node_id"], lang), row["stage"], days))
                # It crossed the line during this period: news. Older ones are a reminder only.
                if row["updated_at"] >= _shift(since, -self.stale_days):
                    digest.stale_new += 1
        return digest


def _parties(row: dict) -> list[str]:
    if row["kind"] == "pooling":
        return [m for m in json.loads(row["members"] or "[]") if m]
    return [a for a in (row["supplier_id"], row["receiver_id"]) if a]
