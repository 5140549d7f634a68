"""A digest run: compose what is new for each person, record it in the outbox, send it.

    report = send_digests(store, territory_slug=None, dry_run=False)

Once and only once:

- A digest covers the period [since, until) of its recipient. Its outbox key is
  `digest:<recipient>:<since>`, and the recipient's cursor moves to `until` in the
  same transaction that records the message. Two runs at once compute the same
  key for the same period: the second record is ignored and its cursor left alone.
  A second run finds nothing new since the cursor and records nothing.
- Meanwhile senders (interview_bot.mail.SenderPool, SMTP_CONNECTIONS of them) send
  every due message of the outbox as it is recorded, and any left by an earlier run
  that was interrupted or could not reach the server. Senders claim disjoint messages.

Must run inside the Flask application context (templates, translations, links).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from flask import current_app

from data import Store, SymbioseError
from data import outbox
from data.digests import advance
from data.store import now
from data.territories import get_territory

from ..mail import MailError, MailSettings, RunReport, SenderPool, message_id_for
from .collect import ActorDigest, FacilitatorDigest, TerritoryDigests
from .compose import Links, Rendered, Renderer


log = logging.getLogger("symbiose.digest")


@dataclass
class DigestReport:
    recorded: int = 0  # digests recorded in the outbox by this run
    already: int = 0  # digests another run recorded first
    nothing_new: int = 0
    unsubscribed: int = 0
    no_address: int = 0
    planned: list[str] = field(default_factory=list)  # dry run: "actor:… (fr): subject"
    errors: list[str] = field(default_factory=list)  # digests that could not be composed (the rest went on)
    delivery: RunReport | None = None

    def __str__(self) -> str:
        text = (f"{self.recorded} digests recorded, {self.nothing_new} people with nothing new, "
                f"{self.unsubscribed} unsubscribed")
        if self.already:
            text += f", {self.already} already recorded by another run"
        if self.no_address:
            text += f", {self.no_address} without an email address"
        if self.errors:
            text += f", {len(self.errors)} could not be composed"
        if self.delivery is not None:
            text += f"; delivery: {self.delivery}"
        return text


def settings_from(config) -> dict:
    return {"reminder_days": int(config.get("DIGEST_REMINDER_DAYS") or 7),
            "stale_days": int(config.get("DIGEST_STALE_DAYS") or 30),
            "default_lang": config.get("DEFAULT_LOCALE") or "fr"}


def send_digests(store: Store, *, territory_slug: str | None = None, dry_run: bool = False,
                 until: str | None = None, deliver: bool = True) -> DigestReport:
    """Compose, record and send every digest due (see the module docstring)."""
    config = current_app.config
    report = DigestReport()
    settings = None
    if not dry_run and deliver:
        settings = MailSettings.from_config(config)  # a clear error before anything is recorded
    until = until or now()
    territories = [get_territory(store, territory_slug)] if territory_slug else list(
        store.public["territory"].rows_where(order_by="slug"))
    # The senders start first and send each digest as soon as it is recorded.
    pool = None
    if settings is not None:
        pool = SenderPool(store, settings, workers=settings.workers,
                          territory_id=territories[0]["id"] if territory_slug else None).start()
    try:
        renderer = Renderer(Links())
        with_address = _actors_with_address(store)
        for territory in territories:
            digests = TerritoryDigests(store, territory, until, **settings_from(config))
            for actor_id in digests.actor_ids():
                if actor_id not in with_address:
                    report.no_address += 1
                    continue
                _one(store, report, f"actor:{actor_id}", lambda a=actor_id: digests.actor(a),
                     lambda d: renderer.actor(d, territory), dry_run, territory["id"], config)
            for user in digests.facilitators():
                _one(store, report, f"user:{user['id']}", lambda u=user: digests.facilitator(u),
                     renderer.facilitator, dry_run, territory["id"], config)
    finally:
        if pool is not None:
            report.delivery = pool.finish()
    return report


def _one(store: Store, report: DigestReport, recipient: str, collect, render, dry_run: bool, territory_id: int,
         config) -> None:
    try:
        _compose_and_record(store, report, collect(), render, dry_run, territory_id, config)
    except Exception as exc:  # noqa: BLE001 - one person's broken data must not cost everyone their digest
        log.exception("digest for %s could not be composed", recipient)
        report.errors.append(f"{recipient}: {type(exc).__name__}: {exc}")


def _compose_and_record(store: Store, report: DigestReport, digest: ActorDigest | FacilitatorDigest, render,
                        dry_run: bool, territory_id: int, config) -> None:
    if digest.unsubscribed:
        report.unsubscribed += 1
        return
    if not digest.has_news:
        report.nothing_new += 1
        return
    rendered: Rendered = render(digest)
    if dry_run:
        report.planned.append(f"{digest.recipient} ({digest.lang}): {rendered.subject}")
        report.recorded += 1
        return
    if record(store, digest, rendered, territory_id, str(config.get("MAIL_FROM") or MailSettings.sender)):
        report.recorded += 1
    else:
        report.already += 1


def digest_key(digest: ActorDigest | FacilitatorDigest) -> str:
    return f"digest:{digest.recipient}:{digest.since}"


def record(store: Store, digest: ActorDigest | FacilitatorDigest, rendered: Rendered, territory_id: int,
           sender: str) -> bool:
    """Record the digest in the outbox and move the recipient's cursor, in one transaction."""
    key = digest_key(digest)
    reminded = bool(getattr(digest, "reminder", False))
    is_actor = isinstance(digest, ActorDigest)
    return outbox.enqueue(
        store, key=key, kind="digest_actor" if is_actor else "digest_facilitator",
        subject=rendered.subject, text=rendered.text, html=rendered.html, headers=rendered.headers,
        actor_id=digest.actor_id if is_actor else None, user_id=None if is_actor else digest.user_id,
        territory_id=territory_id, lang=digest.lang, message_id=message_id_for(key, sender),
        after=lambda db: advance(db, digest.recipient, territory_id, digest.until, reminded=reminded),
    )


def _actors_with_address(store: Store) -> set[str]:
    """Actors whose sealed identity holds an email (the address itself is read when sending)."""
    return {r[0] for r in store.vault.execute("SELECT actor_id FROM identity WHERE email_enc IS NOT NULL")}


def preview(store: Store, territory: dict, *, actor_id: str | None = None, user: dict | None = None) -> tuple:
    """(digest, rendered or None) for one person's next digest, as a run now would make it."""
    digests = TerritoryDigests(store, territory, now(), **settings_from(current_app.config))
    renderer = Renderer(Links(preview=True))
    if actor_id is not None:
        if actor_id not in digests.actors:
            raise SymbioseError(f"No actor {actor_id!r} in this territory.")
        digest = digests.actor(actor_id)
        return digest, (renderer.actor(digest, territory) if digest.has_news else None)
    assert user is not None
    digest = digests.facilitator(user)
    return digest, (renderer.facilitator(digest) if digest.has_news else None)


__all__ = ["DigestReport", "MailError", "preview", "send_digests"]
