"""Fixtures for the email and digest tests: a real SMTP server on loopback, real SQLite files."""
from __future__ import annotations

import pytest

from data import Store
from interview_bot import create_app

from digest_world import World
from smtp_support import HangingServer, SMTPServer

BASE_URL = "https://symbiose.test"


@pytest.fixture
def smtp():
    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def hanging_smtp():
    server = HangingServer()
    yield server
    server.close()


@pytest.fixture
def mail_app(data_dir, smtp):
    """The app wired to the loopback SMTP server, with its own databases."""
    app = create_app({"DATA_DIR": str(data_dir), "ENV": "development", "TESTING": True, "BASE_URL": BASE_URL,
                      **smtp.config()})
    with Store.open(app.config["DATA_DIR"], app.config["KEYRING"], create=True):
        pass
    return app


@pytest.fixture
def app_store(mail_app):
    with mail_app.app_context():
        with Store.open(mail_app.config["DATA_DIR"], mail_app.config["KEYRING"]) as store:
            yield store


@pytest.fixture
def page_store(mail_app):
    """The store without an application context pushed for the whole test: each test-client
    request then gets its own context (and `g`), as in production."""
    with Store.open(mail_app.config["DATA_DIR"], mail_app.config["KEYRING"]) as store:
        yield store


@pytest.fixture
def world(app_store):
    return World(app_store)
