"""Emails telling a territory's facilitators that actors' data was erased.

Either an actor deleted their account, or the retention rule erased stale unfinished
interviews. They say what changed for the facilitator's work (proposals withdrawn,
introductions closed, synergies abandoned), never who the actor was: the name is
erased, it must not live on in mail. Sent through the outbox like every email, so a
message the SMTP server could not take now goes out with the next digest run.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timezone

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import ngettext

from data import Store
from data.actors import Erasure
from data.retention import PurgeReport

from ..mail import Delivery, send_email


def _facilitators(store: Store, territory_id: int) -> list[dict]:
    return list(store.public["user"].rows_where("territory_id = ? AND role = 'facilitator'", [territory_id],
                                                order_by="id"))


def _send_to_facilitators(store: Store, territory_id: int, kind: str, key: str, write) -> list[Delivery]:
    """Send one message to each facilitator of the territory.

    `write(territory, workspace_url)` returns (subject, text), called in the default language
    (facilitators' emails, like their digest, are in SYMBIOSE_DEFAULT_LOCALE).
    """
    territory = store.public["territory"].get(territory_id)
    lang = current_app.config.get("DEFAULT_LOCALE", "fr")
    base = current_app.config["BASE_URL"].rstrip("/")
    deliveries = []
    for user in _facilitators(store, territory_id):
        with force_locale(lang):
            subject, text = write(territory, f"{base}/t/{territory['slug']}")
        deliveries.append(send_email(store, current_app.config, to_user=user["id"], subject=subject, text=text,
                                     kind=kind, key=f"{key}:{user['id']}", lang=lang, territory_id=territory_id))
    return deliveries


def notify_erasure(store: Store, erasure: Erasure) -> list[Delivery]:
    """Tell the territory's facilitators that an actor deleted their account (nothing about who)."""
    if erasure.territory_id is None:
        return []
    day = datetime.now(timezone.utc).date().isoformat()

    def write(territory: dict, workspace: str) -> tuple[str, str]:
        queue = workspace + "/queue"
        subject = _("%(territory)s: an actor deleted their account", territory=territory["name"])
        text = _(
            "Hello,\n\nOn %(day)s an actor of %(territory)s deleted their Symbiose account. As they asked, "
            "everything about them was erased: identity, answers, figures and resources.\n\n"
            "What changes for your work:\n"
            "- proposals that involved them, now withdrawn: %(proposals)s\n"
            "- introductions closed: %(introductions)s\n"
            "- synergies in progress, now marked abandoned: %(synergies)s\n\n"
            "The proposal queue: %(link)s\n\n"
            "Please also delete any copy of their details kept outside Symbiose (exports, spreadsheets, mail).\n",
            day=day, territory=territory["name"], proposals=erasure.proposals_withdrawn,
            introductions=erasure.introductions_closed, synergies=erasure.synergies_abandoned,
            link=queue)
        return subject, text

    # A random key: the deleted actor's pseudonym must not stay in the outbox either.
    return _send_to_facilitators(store, erasure.territory_id, "account_deleted",
                                 f"erasure:{secrets.token_hex(8)}", write)


def notify_purge(store: Store, report: PurgeReport) -> list[Delivery]:
    """Tell each territory's facilitators how many stale unfinished interviews the retention rule erased."""
    deliveries = []
    day = report.cutoff[:10]
    for territory_id, erasures in sorted(report.erased.items()):
        count = len(erasures)
        withdrawn = sum(e.proposals_withdrawn for e in erasures)

        def write(territory: dict, workspace: str, count=count, withdrawn=withdrawn) -> tuple[str, str]:
            actors_page = workspace + "/actors"
            subject = ngettext("%(territory)s: %(num)d unfinished interview erased",
                               "%(territory)s: %(num)d unfinished interviews erased", count,
                               territory=territory["name"])
            text = _(
                "Hello,\n\nSymbiose keeps an unfinished interview for %(days)s days without activity. "
                "The actors of %(territory)s who had not finished their interview and had shown no sign of life "
                "since %(day)s were erased, with all their data.\n\n"
                "- actors erased: %(count)s\n"
                "- proposals that involved them, now withdrawn: %(proposals)s\n\n"
                "You can invite them again from the actors page if they are still interested:\n%(link)s\n",
                days=report.retention_days, count=count, territory=territory["name"], day=day,
                proposals=withdrawn, link=actors_page)
            return subject, text

        key = f"purge:{territory_id}:{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%S%f')}"
        deliveries += _send_to_facilitators(store, territory_id, "interviews_purged", key, write)
    return deliveries
