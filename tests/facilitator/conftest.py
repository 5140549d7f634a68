"""Fixtures: two territories with real data in real SQLite files, their facilitators and an admin."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from aiosmtpd.controller import Controller
from facilitator_support import CANARY, build, free_port, users

from interview_bot.cli import open_store


@pytest.fixture
def world(app):
    """{'nord': {...}, 'sud': {...}, 'users': {...}} built through the data layer."""
    with app.app_context():
        with open_store() as store:
            nord = build(store, "nord", CANARY + "N")
            sud = build(store, "sud", CANARY + "S")
            accounts = users(store, ["nord", "sud"])
    return {"nord": nord, "sud": sud, "users": accounts}


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append({"to": list(envelope.rcpt_tos), "data": envelope.content.decode("utf-8", "replace")})
        return "250 OK"


@pytest.fixture
def smtp(app):
    """A real SMTP server on loopback; the app sends to it. Yields the list of received messages."""
    inbox = _Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_SECURITY="none", SMTP_RETRIES=1,
                      MAIL_FROM="Symbiose <noreply@symbiose.example>", SMTP_TIMEOUT=5)
    try:
        yield inbox.messages
    finally:
        controller.stop()


@pytest.fixture
def db(app):
    """`with db() as store:` the app's databases, opened and closed around the block."""
    @contextmanager
    def opened():
        with app.app_context(), open_store() as store:
            yield store
    return opened


@pytest.fixture
def read(db):
    """read(fn) → fn(store) on the app's databases."""
    def run(fn):
        with db() as store:
            return fn(store)
    return run


@pytest.fixture
def first_proposal(read):
    """The id of a proposal of territory `slug` (each built territory has its sawdust → bedding exchange)."""
    def find(slug: str = "nord") -> str:
        return read(lambda s: s.public.execute(
            "SELECT p.id FROM proposal p JOIN territory t ON t.id = p.territory_id WHERE t.slug = ? ORDER BY p.id",
            [slug]).fetchone()[0])
    return find
