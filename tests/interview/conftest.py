"""Fixtures for the interview tests: a territory, an invited actor, a browser-like client with CSRF."""
from __future__ import annotations

import socket

import pytest
from aiosmtpd.controller import Controller

from data import Store
from data.actors import create_actor
from data.territories import create_territory
from data.types import Identity
from interview_bot import create_app

from interview_support import Inbox, Visitor

BASE_URL = "https://symbiose.test"


@pytest.fixture
def inbox():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    handler.port = port
    yield handler
    controller.stop()


@pytest.fixture
def iapp(data_dir, inbox):
    app = create_app({"DATA_DIR": str(data_dir), "ENV": "development", "TESTING": True, "BASE_URL": BASE_URL,
                      "SMTP_HOST": "127.0.0.1", "SMTP_PORT": inbox.port, "SMTP_SECURITY": "none",
                      "SMTP_RETRIES": 1, "SMTP_TIMEOUT": 5})
    with Store.open(app.config["DATA_DIR"], app.config["KEYRING"], create=True) as store:
        create_territory(store, "nievre", "Nièvre")
        create_territory(store, "other", "Other")
    return app


@pytest.fixture
def istore(iapp):
    with Store.open(iapp.config["DATA_DIR"], iapp.config["KEYRING"]) as store:
        yield store


@pytest.fixture
def new_actor(iapp, istore):
    def make(email_address="contact@scierie.example", name=None, territory="nievre", lang="fr"):
        return create_actor(istore, territory, None, Identity(name=name, email=email_address), lang=lang).id
    return make


@pytest.fixture
def visitor(iapp):
    return Visitor(iapp)


@pytest.fixture
def signed_in(iapp, new_actor):
    """An invited actor who opened their link."""
    actor_id = new_actor()
    v = Visitor(iapp)
    v.open_link(actor_id)
    v.actor_id = actor_id
    return v
