"""The yearly reminder: actors whose answers are old are invited to update them.

The field report: a flow inventory is useful only if it is refreshed every year
or two. `send_reminders` finds the actors whose newest answer is older than
REMINDER_AGE_DAYS and sends each one reminder per calendar year (the email key
makes a second run in the same year send nothing).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from data import Store
from data.directory import stale_actors
from data.territories import get_territory, list_territories

from .emails import send_reminder


@dataclass
class ReminderReport:
    due: int = 0
    sent: int = 0
    waiting: int = 0
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.due} actors due, {self.sent} reminders sent, {self.waiting} waiting in the outbox"


def send_reminders(store: Store, max_age_days: int, *, territory_slug: str | None = None,
                   dry_run: bool = False, at: datetime | None = None) -> tuple[ReminderReport, list[str]]:
    """Remind every actor (of one territory, or all) whose answers are older than `max_age_days`.

    Returns the report and the ids of the actors due. Needs an app context (links, languages).
    """
    moment = at or datetime.now(timezone.utc)
    territories = [get_territory(store, territory_slug)] if territory_slug else list_territories(store)
    report = ReminderReport()
    due_ids: list[str] = []
    for territory in territories:
        due = stale_actors(store, territory["id"], max_age_days, at=moment)
        report.due += len(due)
        due_ids += due
        if dry_run:
            continue
        for actor_id in due:
            delivery = send_reminder(store, actor_id, territory, moment.year)
            if delivery.sent:
                report.sent += 1
            else:
                report.waiting += 1
                if delivery.error:
                    report.errors.append(delivery.error)
    return report, due_ids
