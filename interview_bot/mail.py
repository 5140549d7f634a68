"""Sending email: once and only once, through the outbox (data.outbox).

Public API
----------

    from interview_bot.mail import send_email

    delivery = send_email(
        store, current_app.config,            # any mapping holding the SMTP_* settings
        to_actor=actor.id,                    # or to_user=user_id, or to_address="x@example.org"
        subject=_("Your personal link"),
        text=plain_text, html=html_or_None,
        kind="link",                          # invitation, link, introduction, digest_actor, …
        key=f"link:{actor.id}:{request_id}",  # idempotency key: the same key is one email, ever
        lang="fr",                            # optional: Content-Language
        headers={"List-Unsubscribe": "<…>"},  # optional extra headers
    )
    delivery.sent        # True once the server accepted it (now or by an earlier call with this key)
    delivery.status      # "sent", "pending" (will be retried), "sending" (another process has it), "failed"
    delivery.error       # why it is not sent, in words a person can act on

`send_email` records the message in the outbox (sealed, in the vault), then tries
to hand it to the SMTP server right away, with retries and back-off. It never
raises for a delivery problem: a message that could not go out stays in the
outbox and `symbiose digest send` (and the nightly clock) retries it. A call with
a key already used returns that message's state without sending anything.

Recipients: `to_actor` resolves the actor's address from their sealed identity
at send time; `to_user` resolves a facilitator's login address; `to_address`
(someone not yet an actor) seals the address in the outbox row. Nothing about
the recipient but an id ever reaches the public partition.

    Sender(store, settings).run(kinds=None, territory_id=None) → RunReport
    SenderPool(store, settings, workers=4).start() … .finish() → RunReport

deliver every due message in the outbox over one or several SMTP connections
(the digest run uses the pool). Senders claim disjoint messages; a message whose
sender process died mid-way is claimed again and re-sent under the same
Message-ID. A refused recipient is recorded as failed and the run goes on; a
server that refuses or drops the connection gets retries with back-off, then the
message waits for the next run and the run stops with a clear message.

Settings (SYMBIOSE_… environment variables, see interview_bot/settings.py):
SMTP_HOST, SMTP_PORT, SMTP_SECURITY (none | starttls | tls), SMTP_USER,
SMTP_PASSWORD, SMTP_TIMEOUT, SMTP_RETRIES, SMTP_BACKOFF, SMTP_CONNECTIONS, MAIL_FROM.
"""
from __future__ import annotations

import re
import smtplib
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from email.headerregistry import Address
from email.utils import getaddresses

from data import Store
from data import outbox
from data.outbox import Message

from .smtp import (
    Connection,
    MailError,
    MailNotConfigured,
    MailSettings,
    SMTPUnavailable,
    reply_text,
    build_email,
    message_id_for,
)

__all__ = ["Delivery", "MailError", "MailNotConfigured", "MailSettings", "RunReport", "SMTPUnavailable", "Sender",
           "SenderPool", "message_id_for", "send_email"]

def resolve_recipient(store: Store, message: Message) -> str | None:
    """The address to send to, read at send time (sealed identity or user login)."""
    if message.to:
        return message.to
    if message.actor_id:
        row = store.vault.execute("SELECT email_enc FROM identity WHERE actor_id = ?", [message.actor_id]).fetchone()
        address = store.unseal(row[0], f"identity.email:{message.actor_id}") if row else None
        return address.strip() if address else None
    if message.user_id is not None:
        row = store.public.execute("SELECT email FROM user WHERE id = ?", [message.user_id]).fetchone()
        return row[0] if row else None
    return None


def valid_address(address: str) -> bool:
    parsed = getaddresses([address])
    if len(parsed) != 1 or "@" not in parsed[0][1]:
        return False
    try:
        Address(addr_spec=parsed[0][1])
    except (ValueError, IndexError):
        return False
    return True


def _without(error: str, recipient: str) -> str:
    """`error` with the address masked, whatever case the server wrote it in."""
    return re.sub(re.escape(recipient), "<recipient>", error, flags=re.IGNORECASE) if recipient else error


# ------------------------------------------------------------------ sending

@dataclass
class RunReport:
    sent: int = 0
    retry_later: int = 0
    failed: int = 0
    released: int = 0
    errors: list[str] = field(default_factory=list)  # one line per failed message (no address)
    stopped: str | None = None  # why the run stopped early (the server is unreachable)

    def __str__(self) -> str:
        text = f"{self.sent} sent, {self.failed} failed, {self.retry_later + self.released} left for a later run"
        return text + (f" — stopped: {self.stopped}" if self.stopped else "")


class Sender:
    """Delivers due outbox messages over one SMTP connection, with retries and back-off."""

    def __init__(self, store: Store, settings: MailSettings, *, sleep: Callable[[float], None] = time.sleep):
        self.store = store
        self.settings = settings
        self.sleep = sleep

    def run(
        self,
        *,
        keys: list[str] | None = None,
        kinds: tuple[str, ...] | None = None,
        territory_id: int | None = None,
        limit: int | None = None,
        follow: threading.Event | None = None,
    ) -> RunReport:
        """Send due messages until none is left (or, with `follow`, until it is set and none is left)."""
        report = RunReport()
        done = 0
        with Connection(self.settings) as connection:
            while limit is None or done < limit:
                batch = self.settings.batch if limit is None else min(self.settings.batch, limit - done)
                finished = follow is None or follow.is_set()  # read before claiming: no last message missed
                token, messages = outbox.claim(self.store, limit=batch, lease=self.settings.lease,
                                               keys=keys, kinds=kinds, territory_id=territory_id)
                if not messages:
                    if finished:
                        break
                    follow.wait(0.05)
                    continue
                for i, message in enumerate(messages):
                    if report.stopped:
                        for rest in messages[i:]:
                            if outbox.release(self.store, rest, token):
                                report.released += 1
                        break
                    self._deliver(connection, message, token, report)
                    done += 1
                if report.stopped or keys is not None:
                    break
        return report

    def _deliver(self, connection: Connection, message: Message, token: str, report: RunReport) -> None:
        recipient = resolve_recipient(self.store, message)
        if not recipient or not valid_address(recipient):
            why = "no valid email address on file for this recipient"
            outbox.mark_failed(self.store, message, token, why)
            report.failed += 1
            report.errors.append(f"{message.key}: {why}")
            return
        email = build_email(message, self.settings, recipient)
        last_error = ""
        for attempt in range(self.settings.retries):
            if attempt:
                self.sleep(self.settings.backoff * 2 ** (attempt - 1))
            try:
                connection.send(email, self.settings.sender, recipient)
            except SMTPUnavailable as exc:
                last_error = str(exc)
                if exc.timed_out:
                    break
                continue
            except smtplib.SMTPRecipientsRefused as exc:
                code, text = next(iter(exc.recipients.values()), (550, b"refused"))
                last_error = f"the server refused the recipient: {reply_text(code, text)}"
                if 400 <= code < 500:
                    continue
                self._fail(message, token, last_error, report, recipient)
                return
            except smtplib.SMTPResponseException as exc:
                last_error = f"the server refused the message: {reply_text(exc.smtp_code, exc.smtp_error)}"
                if 400 <= exc.smtp_code < 500:
                    continue
                self._fail(message, token, last_error, report, recipient)
                return
            except MailError as exc:  # misconfiguration: no point in trying the other messages
                outbox.release(self.store, message, token)
                report.released += 1
                report.stopped = str(exc)
                return
            outbox.mark_sent(self.store, message, token)
            report.sent += 1
            return
        last_error = _without(last_error, recipient)
        delay = timedelta(seconds=max(60.0, self.settings.backoff * 2 ** self.settings.retries))
        outbox.mark_retry(self.store, message, token, last_error, delay=delay)
        report.retry_later += 1
        report.errors.append(f"{message.key}: {last_error} (will retry)")
        if not connection.connected:
            # The server is unreachable even after the back-off: stop instead of waiting
            # out every remaining message; they stay pending for the next run.
            report.stopped = f"{last_error} Gave up after {attempt + 1} attempt{'s' if attempt else ''}."

    def _fail(self, message: Message, token: str, error: str, report: RunReport, recipient: str = "") -> None:
        if recipient:  # errors are kept and printed: they never carry the address
            error = _without(error, recipient)
        outbox.mark_failed(self.store, message, token, error)
        report.failed += 1
        report.errors.append(f"{message.key}: {error}")


class SenderPool:
    """`workers` senders in threads, each with its own SMTP connection and database connections.

    SMTP is mostly waiting for the server's replies: several connections at once keep
    a ten-thousand-message run within a minute. Start it before recording messages and
    pass `follow`: the senders pick messages up as they are recorded.
    """

    def __init__(self, store: Store, settings: MailSettings, *, workers: int = 4, territory_id: int | None = None):
        self.store, self.settings, self.territory_id = store, settings, territory_id
        self.follow = threading.Event()
        self.reports: list[RunReport] = []
        self.errors: list[BaseException] = []
        self.threads = [threading.Thread(target=self._work, name=f"symbiose-mail-{n}", daemon=True)
                        for n in range(max(1, workers))]

    def _work(self) -> None:
        try:
            with Store.open(self.store.data_dir, self.store.keyring) as own:
                self.reports.append(Sender(own, self.settings).run(territory_id=self.territory_id, follow=self.follow))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller in finish()
            self.errors.append(exc)

    def start(self) -> SenderPool:
        for thread in self.threads:
            thread.start()
        return self

    def finish(self) -> RunReport:
        """Say that nothing more will be recorded, wait for the senders, and sum up."""
        self.follow.set()
        for thread in self.threads:
            thread.join()
        if self.errors:
            raise self.errors[0]
        total = RunReport()
        for report in self.reports:
            total.sent += report.sent
            total.retry_later += report.retry_later
            total.failed += report.failed
            total.released += report.released
            total.errors += report.errors
            total.stopped = total.stopped or report.stopped
        return total


@dataclass
class Delivery:
    key: str
    status: str
    error: str | None = None

    @property
    def sent(self) -> bool:
        return self.status == outbox.SENT


def send_email(
    store: Store,
    config: Mapping,
    *,
    to_actor: str | None = None,
    to_user: int | None = None,
    to_address: str | None = None,
    subject: str,
    text: str,
    html: str | None = None,
    kind: str,
    key: str,
    lang: str | None = None,
    headers: dict[str, str] | None = None,
    territory_id: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Delivery:
    """Send one transactional email now; idempotent on `key` (see the module docstring)."""
    if to_address is not None and not valid_address(to_address):
        raise MailError(f"{to_address!r} is not an email address.")
    sender = str(config.get("MAIL_FROM") or MailSettings.sender)
    outbox.enqueue(
        store, key=key, kind=kind, subject=subject, text=text, html=html, headers=headers,
        actor_id=to_actor, user_id=to_user, to_address=to_address, territory_id=territory_id, lang=lang,
        message_id=message_id_for(key, sender),
    )
    try:
        settings = MailSettings.from_config(config)
    except MailError as exc:
        return Delivery(key, outbox.get(store, key).status, str(exc))
    report = Sender(store, settings, sleep=sleep).run(keys=[key])
    message = outbox.get(store, key)
    error = report.stopped or (report.errors[0].split(": ", 1)[1] if report.errors else None) or message.error
    return Delivery(key, message.status, None if message.status == outbox.SENT else error)
