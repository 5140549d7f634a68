"""Retention: unfinished interviews with no activity for too long are erased.

An actor whose interview is unfinished (invited or in progress, never completed)
and who has shown no sign of life for `retention_days` is erased exactly as if they
had deleted their account (data.actors.delete_actor): both partitions, proposals
withdrawn. Signs of life: the actor's creation or any change to it, the interview's
progress, an answer written (by them or for them), an invitation or a link resent.
A completed interview is never erased by this rule, whatever its age.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from .actors import Erasure, delete_actor
from .db import flush_deleted
from .store import Store

UNFINISHED = ("invited", "in_progress")
WHO = "system:retention"


@dataclass(frozen=True)
class StaleInterview:
    actor_id: str
    territory_id: int
    last_activity: str


@dataclass
class PurgeReport:
    retention_days: int
    cutoff: str
    stale: list[StaleInterview] = field(default_factory=list)
    erased: dict[int, list[Erasure]] = field(default_factory=dict)  # by territory id
    dry_run: bool = False

    def count(self, territory_id: int | None = None) -> int:
        return sum(1 for s in self.stale if territory_id is None or s.territory_id == territory_id)

    def __str__(self) -> str:
        verb = "would be erased" if self.dry_run else "erased"
        return (f"{self.count()} unfinished interviews with no activity for {self.retention_days} days {verb} "
                f"(last activity before {self.cutoff[:10]})")


def stale_interviews(store: Store, retention_days: int, *, at: datetime | None = None,
                     territory_id: int | None = None) -> tuple[str, list[StaleInterview]]:
    """(cutoff, the unfinished interviews whose last activity is older than the cutoff), oldest first."""
    if retention_days < 1:
        raise ValueError("retention_days must be at least 1")
    moment = at or datetime.now(timezone.utc)
    cutoff = (moment - timedelta(days=retention_days)).isoformat(timespec="seconds")
    where = "a.status IN (?, ?) AND (i.completed_at IS NULL)"
    params: list = [*UNFINISHED]
    if territory_id is not None:
        where += " AND a.territory_id = ?"
        params.append(territory_id)
    rows = store.public.execute(
        "SELECT a.id, a.territory_id, max(coalesce(a.created_at, ''), coalesce(a.updated_at, ''), "
        "coalesce(i.updated_at, ''), coalesce(i.consent_at, ''), "
        "coalesce((SELECT max(sent_at) FROM invitation v WHERE v.actor_id = a.id), ''), "
        "coalesce((SELECT max(updated_at) FROM resource r WHERE r.actor_id = a.id), '')) "
        f"FROM actor a LEFT JOIN interview i ON i.actor_id = a.id WHERE {where}", params).fetchall()
    candidates = {actor_id: (tid, last) for actor_id, tid, last in rows if last < cutoff}
    if candidates:
        # Answers live in the vault: one written (by the actor or for them) after the cutoff keeps them.
        marks = ", ".join("?" for _ in candidates)
        for actor_id, last in store.vault.execute(
            f"SELECT actor_id, max(updated_at) FROM answer WHERE actor_id IN ({marks}) GROUP BY actor_id",
            list(candidates),
        ).fetchall():
            tid, public_last = candidates[actor_id]
            candidates[actor_id] = (tid, max(public_last, last or ""))
    stale = [StaleInterview(a, tid, last) for a, (tid, last) in candidates.items() if last < cutoff]
    return cutoff, sorted(stale, key=lambda s: (s.last_activity, s.actor_id))


def purge_stale_interviews(store: Store, retention_days: int, *, at: datetime | None = None,
                           territory_id: int | None = None, dry_run: bool = False) -> PurgeReport:
    """Erase every stale unfinished interview (see the module docstring); `dry_run` only counts them."""
    cutoff, stale = stale_interviews(store, retention_days, at=at, territory_id=territory_id)
    report = PurgeReport(retention_days, cutoff, stale, dry_run=dry_run)
    if dry_run:
        return report
    for item in stale:
        erasure = delete_actor(store, item.actor_id, who=WHO, flush=False)
        report.erased.setdefault(item.territory_id, []).append(erasure)
    if stale:
        flush_deleted(store.vault)
        flush_deleted(store.public)
    return report
