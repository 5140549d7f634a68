"""A facilitator's decisions on proposals, and the double opt-in of introductions.

Every decision is a `decision` row (the matcher reads the rejections and their
fingerprints from there) and, for the ones that change it, the proposal's status.
Comments are free text, so their words are sealed in the vault (`note`); the
public `decision` row only records that a comment was made.

An accepted proposal asks each party for an introduction (`introduction` rows).
Names and contacts are revealed to the parties only when every one of them has
accepted; one refusal closes the introduction for everyone.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from .db import transaction
from .errors import SymbioseError
from .store import Store, now
from .synergies import ensure_synergy, move, synergy_for

SNOOZE_DAYS = 30  # default pause before a snoozed proposal comes back to the queue
ACTIONS = ("accept", "reject", "snooze", "quick_win", "comment", "reopen", "actor_accept", "actor_decline")
INTRO_PENDING, INTRO_ACCEPTED, INTRO_DECLINED = "pending", "accepted", "declined"


class UnknownProposal(SymbioseError):
    pass


class DecisionRefused(SymbioseError):
    """The decision does not apply to the proposal as it stands (e.g. accepting a withdrawn one)."""


def get_proposal(store: Store, proposal_id: str, territory_id: int | None = None) -> dict:
    """The stored proposal row; UnknownProposal when absent or in another territory."""
    rows = list(store.public["proposal"].rows_where("id = ?", [proposal_id]))
    if not rows or (territory_id is not None and rows[0]["territory_id"] != territory_id):
        raise UnknownProposal(f"No proposal {proposal_id!r}.")
    return rows[0]


def parties(row: dict) -> list[str]:
    """The actors a proposal involves (supplier and receiver, or the pooling members)."""
    if row["kind"] == "pooling":
        return [m for m in json.loads(row["members"] or "[]") if m]
    return [a for a in (row["supplier_id"], row["receiver_id"]) if a]


def _record(store: Store, row: dict, action: str, user_id: int | None, *, reason: str | None = None,
            actor_id: str | None = None) -> None:
    store.public["decision"].insert({
        "proposal_id": row["id"], "user_id": user_id, "actor_id": actor_id, "action": action, "reason": reason,
        "fingerprint": row["fingerprint"], "created_at": now(),
    })


def _set(store: Store, proposal_id: str, **values) -> None:
    store.public["proposal"].update(proposal_id, {**values, "updated_at": now()})


def accept(store: Store, proposal_id: str, user_id: int | None, territory_id: int | None = None,
           title: str = "") -> list[str]:
    """Accept a proposal: ask every party for an introduction and open its synergy (stage idea).

    Returns the parties asked (empty when the proposal was already accepted)."""
    with transaction(store.public):
        row = get_proposal(store, proposal_id, territory_id)
        if row["status"] == "withdrawn":
            raise DecisionRefused("This proposal was withdrawn (an actor left or changed their answers).")
        if row["status"] == "accepted":
            return []
        actors = parties(row)
        if len(actors) < 2:
            raise DecisionRefused("This proposal no longer has two parties to introduce.")
        _record(store, row, "accept", user_id)
        _set(store, proposal_id, status="accepted", snoozed_until=None)
        for actor_id in actors:
            store.public.execute(
                "INSERT OR IGNORE INTO introduction (proposal_id, actor_id, status, requested_at) VALUES (?, ?, ?, ?)",
                [proposal_id, actor_id, INTRO_PENDING, now()],
            )
        ensure_synergy(store, row, title or row["node_id"] or proposal_id, user_id)
    return actors


def reject(store: Store, proposal_id: str, user_id: int | None, reason: str, territory_id: int | None = None) -> None:
    """Reject with a reason; the decision keeps the fingerprint the matcher learns from."""
    reason = (reason or "").strip()
    if not reason:
        raise DecisionRefused("Say why the proposal is rejected: the matcher learns from the reason.")
    with transaction(store.public):
        row = get_proposal(store, proposal_id, territory_id)
        _record(store, row, "reject", user_id, reason=reason[:500])
        _set(store, proposal_id, status="rejected", snoozed_until=None)


def snooze(store: Store, proposal_id: str, user_id: int | None, days: int = SNOOZE_DAYS,
           territory_id: int | None = None) -> str:
    """Put a proposal aside for `days`; it counts as open again afterwards. Returns the date."""
    if not 1 <= days <= 365:
        raise DecisionRefused("Snooze for 1 to 365 days.")
    until = (datetime.now(timezone.utc) + timedelta(days=days)).date().isoformat()
    with transaction(store.public):
        row = get_proposal(store, proposal_id, territory_id)
        _record(store, row, "snooze", user_id, reason=f"until {until}")
        _set(store, proposal_id, status="snoozed", snoozed_until=until)
    return until


def reopen(store: Store, proposal_id: str, user_id: int | None, territory_id: int | None = None) -> None:
    """Bring a rejected or snoozed proposal back to the queue."""
    with transaction(store.public):
        row = get_proposal(store, proposal_id, territory_id)
        if row["status"] not in ("rejected", "snoozed"):
            raise DecisionRefused("Only a rejected or snoozed proposal can be reopened.")
        _record(store, row, "reopen", user_id)
        _set(store, proposal_id, status="new", snoozed_until=None)


def set_quick_win(store: Store, proposal_id: str, user_id: int | None, value: bool,
                  territory_id: int | None = None) -> None:
    """Mark (or unmark) a proposal as a quick win (*fruit à portée de main*)."""
    with transaction(store.public):
        row = get_proposal(store, proposal_id, territory_id)
        _record(store, row, "quick_win", user_id, reason="on" if value else "off")
        _set(store, proposal_id, quick_win=int(value))


def comment(store: Store, proposal_id: str, user_id: int | None, text: str, territory_id: int | None = None) -> None:
    """A facilitator's comment: sealed in the vault, counted in the public decisions."""
    text = (text or "").strip()
    if not text:
        raise DecisionRefused("A comment cannot be empty.")
    row = get_proposal(store, proposal_id, territory_id)
    with transaction(store.vault):
        note_id = store.vault["note"].insert(
            {"actor_id": None, "proposal_id": proposal_id, "author_id": user_id, "text_enc": None,
             "created_at": now()}).last_pk
        store.vault["note"].update(note_id, {"text_enc": store.seal(text[:5000], f"note:{note_id}")})
    with transaction(store.public):
        _record(store, row, "comment", user_id)


def notes(store: Store, proposal_id: str) -> list[dict]:
    """The comments on a proposal (or its synergy), oldest first, unsealed."""
    out = []
    for row in store.vault["note"].rows_where("proposal_id = ?", [proposal_id], order_by="id"):
        out.append({"id": row["id"], "author_id": row["author_id"], "created_at": row["created_at"],
                    "text": store.unseal(row["text_enc"], f"note:{row['id']}") or ""})
    return out


def decisions(store: Store, proposal_id: str) -> list[dict]:
    return list(store.public["decision"].rows_where("proposal_id = ?", [proposal_id], order_by="id"))


# ---------------------------------------------------------------- introductions

def introductions(store: Store, proposal_id: str) -> list[dict]:
    return list(store.public["introduction"].rows_where("proposal_id = ?", [proposal_id], order_by="id"))


def introduction_state(rows: list[dict]) -> str:
    """none, pending, accepted (every party said yes) or declined (someone said no)."""
    if not rows:
        return "none"
    statuses = {r["status"] for r in rows}
    if INTRO_DECLINED in statuses:
        return "declined"
    if statuses == {INTRO_ACCEPTED}:
        return "accepted"
    return "pending"


def is_revealed(store: Store, proposal_id: str) -> bool:
    """True only when every party accepted the introduction."""
    return introduction_state(introductions(store, proposal_id)) == "accepted"


def respond(store: Store, proposal_id: str, actor_id: str, accept_it: bool) -> str:
    """An actor accepts or declines an introduction; returns the introduction's new state.

    A party that already answered may change their mind only while the others have
    not all accepted (once names are revealed they cannot be hidden again). A withdrawn
    proposal (another party left) takes no answer: "withdrawn" is returned, nothing recorded.
    """
    with transaction(store.public):
        rows = introductions(store, proposal_id)
        mine = [r for r in rows if r["actor_id"] == actor_id]
        if not mine:
            raise UnknownProposal(f"No introduction {proposal_id!r} for you.")
        if get_proposal(store, proposal_id)["status"] == "withdrawn":
            return "withdrawn"
        state = introduction_state(rows)
        if state in ("accepted", "declined"):
            return state
        status = INTRO_ACCEPTED if accept_it else INTRO_DECLINED
        store.public.execute(
            "UPDATE introduction SET status = ?, responded_at = ? WHERE proposal_id = ? AND actor_id = ?",
            [status, now(), proposal_id, actor_id],
        )
        row = get_proposal(store, proposal_id)
        _record(store, row, "actor_accept" if accept_it else "actor_decline", None, actor_id=actor_id)
        state = introduction_state(introductions(store, proposal_id))
        synergy = synergy_for(store, proposal_id)
        if state == "declined" and synergy and synergy["stage"] != "abandoned":
            move(store, synergy["id"], "abandoned", None, "introduction declined by a party")
        return state


def actor_introductions(store: Store, actor_id: str) -> list[dict]:
    """An actor's introductions with the proposal row and the overall state, newest first."""
    out = []
    for intro in store.public["introduction"].rows_where("actor_id = ?", [actor_id], order_by="id DESC"):
        proposal = get_proposal(store, intro["proposal_id"])
        rows = introductions(store, intro["proposal_id"])
        out.append({"intro": intro, "proposal": proposal, "state": introduction_state(rows),
                    "others": [r for r in rows if r["actor_id"] != actor_id]})
    return out
