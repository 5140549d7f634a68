"""A real SMTP server on loopback (aiosmtpd) that records what it accepted, and can misbehave."""
from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: email.message.EmailMessage

    @property
    def to(self) -> str:
        return self.rcpt_tos[0]


@dataclass
class Recorder:
    """The handler: keeps every accepted message; can refuse or go down on cue."""

    received: list[Received] = field(default_factory=list)
    refuse_rcpt: dict[str, str] = field(default_factory=dict)  # address → SMTP reply
    go_down_after: int | None = None  # accepted messages before the server goes away
    on_down: object = None  # callable run (in a thread) when the server goes down
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        with self.lock:
            if self.go_down_after is not None and len(self.received) >= self.go_down_after:
                self.go_down_after = None
                if self.on_down:
                    threading.Thread(target=self.on_down, daemon=True).start()
                return "421 Service not available, closing transmission channel"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse_rcpt:
            return self.refuse_rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]


class SMTPServer:
    """aiosmtpd on 127.0.0.1:<port>, which a test can stop and start again on the same port."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.recorder = Recorder()
        self.controller: Controller | None = None

    def start(self) -> SMTPServer:
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port, ready_timeout=10)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def bounce(self, down_for: float) -> None:
        """Stop now, start again after `down_for` seconds (run in a thread)."""
        self.stop()
        time.sleep(down_for)
        self.start()

    @property
    def received(self) -> list[Received]:
        return self.recorder.received

    def config(self, **extra) -> dict:
        return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": self.port, "SMTP_SECURITY": "none",
                "MAIL_FROM": "Symbiose <noreply@symbiose.test>", "SMTP_TIMEOUT": 5, "SMTP_RETRIES": 4,
                "SMTP_BACKOFF": 0.05, **extra}


class HangingServer:
    """Accepts TCP connections and never says a word (a hung SMTP server)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]

    def close(self) -> None:
        self.sock.close()
