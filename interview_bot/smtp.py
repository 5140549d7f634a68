"""Talking to the SMTP server: settings, one connection with clear errors, and the bytes of a message.

interview_bot.mail builds on this to send the outbox once and only once; nothing
here touches a database.
"""
from __future__ import annotations

import binascii
import hashlib
import secrets
import smtplib
import socket
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.header import Header
from email.utils import format_datetime, formataddr, parseaddr

from data import SymbioseError
from data.outbox import Message

SECURITY_MODES = ("none", "starttls", "tls")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}
CONNECTION_ERRORS = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, smtplib.SMTPHeloError, OSError)


class MailError(SymbioseError):
    """Email is misconfigured or the SMTP server cannot be reached."""


class MailNotConfigured(MailError):
    pass


class SMTPUnavailable(MailError):
    """The server refused, dropped or did not answer the connection, even after retries."""

    def __init__(self, message: str, *, timed_out: bool = False):
        super().__init__(message)
        # A server that does not answer is not asked again in the same call: each attempt
        # would cost another SMTP_TIMEOUT while a person (or a gunicorn worker) waits.
        self.timed_out = timed_out


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    security: str = "none"
    user: str = ""
    password: str = ""
    sender: str = "Symbiose <noreply@symbiose.invalid>"
    timeout: float = 30.0
    retries: int = 4
    backoff: float = 2.0
    lease: timedelta = timedelta(minutes=15)
    batch: int = 25  # messages claimed at a time: small enough for concurrent senders to share the work
    workers: int = 4  # SMTP connections a digest run uses at once

    @classmethod
    def from_config(cls, config: Mapping) -> MailSettings:
        """Read and check the SMTP_* settings; raise MailError saying what is expected."""
        host = str(config.get("SMTP_HOST") or "").strip()
        if not host:
            raise MailNotConfigured(
                "Email is not configured: set SYMBIOSE_SMTP_HOST (and SYMBIOSE_SMTP_PORT, "
                "SYMBIOSE_SMTP_SECURITY, SYMBIOSE_MAIL_FROM). Messages wait in the outbox until then."
            )
        security = str(config.get("SMTP_SECURITY") or "starttls").strip().lower()
        if security not in SECURITY_MODES:
            raise MailError(f"SYMBIOSE_SMTP_SECURITY must be one of {', '.join(SECURITY_MODES)}, not {security!r}.")
        port = _number(config, "SMTP_PORT", int, DEFAULT_PORTS[security])
        if not 0 < port < 65536:
            raise MailError(f"SYMBIOSE_SMTP_PORT must be a port number (1-65535), not {port}.")
        sender = str(config.get("MAIL_FROM") or cls.sender)
        if "@" not in parseaddr(sender)[1]:
            raise MailError(f"SYMBIOSE_MAIL_FROM must be an email address, e.g. 'Symbiose <noreply@example.org>', not {sender!r}.")
        return cls(
            host=host, port=port, security=security,
            user=str(config.get("SMTP_USER") or ""), password=str(config.get("SMTP_PASSWORD") or ""),
            sender=sender,
            timeout=_number(config, "SMTP_TIMEOUT", float, 30.0),
            retries=max(1, _number(config, "SMTP_RETRIES", int, 4)),
            backoff=max(0.0, _number(config, "SMTP_BACKOFF", float, 2.0)),
            workers=max(1, _number(config, "SMTP_CONNECTIONS", int, 4)),
        )

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


def _number(config: Mapping, name: str, kind: type, default):
    value = config.get(name)
    if value in (None, ""):
        return default
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise MailError(f"SYMBIOSE_{name} must be a number, not {value!r}.") from None


def message_id_for(key: str, sender: str) -> str:
    """A Message-ID derived from the idempotency key: every attempt carries the same one."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "symbiose.invalid"
    return f"<{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}@{domain}>"


# ------------------------------------------------------------------ SMTP link

class Connection:
    """One SMTP session, opened lazily and re-opened after a failure."""

    def __init__(self, settings: MailSettings):
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def open(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        s = self.settings
        started = time.monotonic()
        try:
            if s.security == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout,
                                                      context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            try:
                smtp.ehlo()
                if s.security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                if s.user:
                    smtp.login(s.user, s.password)
            except BaseException:
                _quietly_close(smtp)
                raise
        except smtplib.SMTPAuthenticationError as exc:
            raise MailError(f"The SMTP server {s.where} refused the login for {s.user!r}: "
                            f"{reply_text(exc.smtp_code, exc.smtp_error)}. Check SYMBIOSE_SMTP_USER and SYMBIOSE_SMTP_PASSWORD.") from None
        except smtplib.SMTPNotSupportedError as exc:
            raise MailError(f"The SMTP server {s.where} does not support {s.security}: {exc}. "
                            "Check SYMBIOSE_SMTP_SECURITY.") from None
        except ssl.SSLError as exc:
            raise MailError(f"TLS with the SMTP server {s.where} failed: {exc.reason or exc}. "
                            "Check SYMBIOSE_SMTP_SECURITY and SYMBIOSE_SMTP_PORT.") from None
        except CONNECTION_ERRORS as exc:
            raise SMTPUnavailable(describe_connection_error(exc, s, time.monotonic() - started),
                                  timed_out=timed_out(exc)) from None
        self._smtp = smtp
        return smtp

    def send(self, email: bytes, sender: str, recipient: str) -> None:
        smtp = self.open()
        try:
            smtp.sendmail(parseaddr(sender)[1], [recipient], email)
        # smtplib's exceptions are OSErrors too: the server's answers are told apart first.
        except smtplib.SMTPRecipientsRefused as exc:
            if any(code == 421 for code, _text in exc.recipients.values()):
                self.close()
                raise SMTPUnavailable(f"The SMTP server {self.settings.where} closed the session.") from None
            raise
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == 421:  # the server is closing the session: a connection problem
                self.close()
                raise SMTPUnavailable(f"The SMTP server {self.settings.where} closed the session: "
                                      f"{reply_text(exc.smtp_code, exc.smtp_error)}.") from None
            raise
        except CONNECTION_ERRORS as exc:
            self.close()
            raise SMTPUnavailable(describe_connection_error(exc, self.settings, None), timed_out=timed_out(exc)) from None

    @property
    def connected(self) -> bool:
        """False after a connection failure (the session was closed) until the next open()."""
        return self._smtp is not None

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                _quietly_close(smtp)

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _quietly_close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.close()
    except OSError:
        pass


def reply_text(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()


def timed_out(exc: BaseException) -> bool:
    return isinstance(exc, (TimeoutError, socket.timeout)) or "timed out" in str(exc)


def describe_connection_error(exc: BaseException, s: MailSettings, elapsed: float | None) -> str:
    text = str(exc)
    if timed_out(exc):
        return (f"The SMTP server {s.where} did not answer within {s.timeout:g} s "
                "(SYMBIOSE_SMTP_TIMEOUT); it may be hanging or a firewall may drop the connection.")
    if isinstance(exc, ConnectionRefusedError):
        return f"The SMTP server {s.where} refused the connection (is it running? check SYMBIOSE_SMTP_HOST/PORT)."
    if isinstance(exc, socket.gaierror):
        return f"The SMTP host {s.host!r} cannot be found ({exc.strerror}); check SYMBIOSE_SMTP_HOST."
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"The SMTP server {s.where} dropped the connection ({text or 'no reason given'})."
    return f"Cannot talk to the SMTP server {s.where}: {text or type(exc).__name__}."


# ------------------------------------------------------------------ building

def _header(value: str) -> str:
    """One header value on one line; non-ASCII text as RFC 2047 encoded words."""
    value = " ".join(str(value).split())  # no CR/LF can slip in and forge a header
    return value if value.isascii() else Header(value, "utf-8").encode()


def _address(value: str) -> str:
    name, address = parseaddr(value)
    return formataddr((name, address), charset="utf-8") if name else address


def _quoted_printable(text: str) -> bytes:
    body = binascii.b2a_qp(text.replace("\r\n", "\n").encode("utf-8"), istext=True)
    return body.replace(b"\n", b"\r\n")


def build_email(message: Message, settings: MailSettings, recipient: str) -> bytes:
    """The message as sent: multipart/alternative (text, then HTML) when there is HTML.

    Written out directly rather than through `email.message`: its header folding costs
    more than everything else together when a digest run sends ten thousand messages.
    Bodies are UTF-8 in quoted-printable; lines end in CRLF (smtplib sends bytes as
    they are and dot-stuffs them).
    """
    headers = [
        ("From", _address(settings.sender)),
        ("To", recipient),
        ("Subject", _header(message.subject)),
        ("Date", format_datetime(datetime.now(timezone.utc))),
        ("Message-ID", message.message_id),
        ("Auto-Submitted", "auto-generated"),
    ]
    if message.lang:
        headers.append(("Content-Language", message.lang))
    headers += [(name, _header(value)) for name, value in message.headers.items()]
    headers.append(("MIME-Version", "1.0"))
    part = [b'Content-Type: text/plain; charset="utf-8"', b"Content-Transfer-Encoding: quoted-printable", b"",
            _quoted_printable(message.text)]
    if message.html:
        boundary = f"=_symbiose_{secrets.token_hex(12)}"
        headers.append(("Content-Type", f'multipart/alternative; boundary="{boundary}"'))
        mark = f"--{boundary}".encode()
        body = [b"", mark, *part, mark, b'Content-Type: text/html; charset="utf-8"',
                b"Content-Transfer-Encoding: quoted-printable", b"", _quoted_printable(message.html),
                mark + b"--", b""]
    else:
        body = [part[0], part[1], *part[2:]]
    head = [f"{name}: {value}".encode("utf-8") for name, value in headers]
    return b"\r\n".join(head + body)
