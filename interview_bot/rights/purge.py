"""The retention rule, run by `symbiose purge` and by the nightly clock.

Stale unfinished interviews are erased (data.retention) and each territory's
facilitators get one email saying how many (interview_bot.facilitator.notices).
Needs an app context (the emails' language and links).
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from data import ConfigurationError, Store
from data.retention import PurgeReport, purge_stale_interviews
from data.territories import get_territory

from ..facilitator.notices import notify_purge


def retention_days(config: Mapping) -> int:
    """SYMBIOSE_INTERVIEW_RETENTION_DAYS as a number of days; 0 means unfinished interviews are kept."""
    value = config.get("INTERVIEW_RETENTION_DAYS", 180)
    try:
        days = int(str(value).strip())
    except ValueError:
        days = -1
    if days < 0:
        raise ConfigurationError(
            f"SYMBIOSE_INTERVIEW_RETENTION_DAYS must be a whole number of days (e.g. 180, or 0 to keep "
            f"unfinished interviews), not {value!r}.")
    return days


def run_purge(store: Store, days: int, *, territory_slug: str | None = None, dry_run: bool = False,
              at: datetime | None = None) -> PurgeReport:
    """Erase the unfinished interviews idle for more than `days` days and tell the facilitators."""
    territory_id = get_territory(store, territory_slug)["id"] if territory_slug else None
    report = purge_stale_interviews(store, days, at=at, territory_id=territory_id, dry_run=dry_run)
    if not dry_run:
        notify_purge(store, report)
    return report
