"""The clock process: send the digests every day at a set local time (APScheduler).

    symbiose digest clock        # the Procfile's `clock:` line

Each night: the retention rule (unfinished interviews idle for longer than
SYMBIOSE_INTERVIEW_RETENTION_DAYS are erased), then the digests, then the yearly
reminders.

SYMBIOSE_DIGEST_TIME ("06:00") and SYMBIOSE_DIGEST_TIMEZONE ("Europe/Paris") say
when; daylight-saving changes are the scheduler's business (CronTrigger with a
time zone). A run that overlaps the next one is not started twice, and a run
missed because the process was down is made up once when it comes back (within
an hour). The digest run itself is safe to repeat, so a restart never duplicates.
"""
from __future__ import annotations

import logging
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask

from data import ConfigurationError, Store, SymbioseError

from .run import send_digests

log = logging.getLogger("symbiose.digest")
TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def trigger_from(config) -> CronTrigger:
    """The daily trigger, with a clear error for a malformed time or an unknown zone."""
    text = str(config.get("DIGEST_TIME") or "06:00").strip()
    match = TIME_RE.match(text)
    if not match:
        raise ConfigurationError(f"SYMBIOSE_DIGEST_TIME must be a time as HH:MM (e.g. 06:00), not {text!r}.")
    zone_name = str(config.get("DIGEST_TIMEZONE") or "Europe/Paris").strip()
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigurationError(
            f"SYMBIOSE_DIGEST_TIMEZONE must be an IANA time zone such as Europe/Paris, not {zone_name!r}."
        ) from None
    return CronTrigger(hour=int(match.group(1)), minute=int(match.group(2)), timezone=zone)


def nightly_job(app: Flask) -> None:
    with app.app_context():
        # The retention rule first: a stale unfinished interview gets no digest, and the
        # facilitators' notices it records go out with the digest run's deliveries.
        from ..rights.purge import retention_days, run_purge  # noqa: PLC0415 - the web layer imports this module
        try:
            days = retention_days(app.config)
            if days:
                with Store.open(app.config["DATA_DIR"], app.config["KEYRING"]) as store:
                    log.info("retention: %s", run_purge(store, days))
        except SymbioseError as exc:
            log.error("retention run failed: %s", exc)
        try:
            with Store.open(app.config["DATA_DIR"], app.config["KEYRING"]) as store:
                report = send_digests(store)
        except SymbioseError as exc:
            log.error("digest run failed: %s", exc)
            return
        log.info("digest run: %s", report)
        if report.delivery and report.delivery.stopped:
            log.error("digest delivery stopped: %s", report.delivery.stopped)
        # The yearly update reminder rides on the same nightly run (at most one per actor and year).
        from ..facilitator.reminder import send_reminders  # noqa: PLC0415 - the web layer imports this module
        try:
            with Store.open(app.config["DATA_DIR"], app.config["KEYRING"]) as store:
                reminded, _due = send_reminders(store, int(app.config["REMINDER_AGE_DAYS"]))
        except SymbioseError as exc:
            log.error("reminder run failed: %s", exc)
            return
        log.info("reminder run: %s", reminded)


def build_scheduler(app: Flask, scheduler_class=BlockingScheduler):
    scheduler = scheduler_class(timezone=trigger_from(app.config).timezone)
    scheduler.add_job(nightly_job, trigger_from(app.config), args=[app], id="digests", coalesce=True,
                      max_instances=1, misfire_grace_time=3600, replace_existing=True)
    return scheduler


def run_clock(app: Flask) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    scheduler = build_scheduler(app)
    trigger = trigger_from(app.config)
    log.info("sending digests every day at %s (%s)", app.config.get("DIGEST_TIME"), trigger.timezone)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
