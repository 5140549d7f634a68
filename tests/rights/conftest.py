"""Fixtures: real SQLite files, a real SMTP server on loopback, the canary territory of rights_support."""
from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller
from rights_support import Browser, Inbox, build, free_port

from data import Store
from interview_bot import create_app


@pytest.fixture
def inbox():
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), ready_timeout=10)
    controller.start()
    handler.port = controller.port
    yield handler
    controller.stop()


@pytest.fixture
def rapp(data_dir, inbox):
    app = create_app({"DATA_DIR": str(data_dir), "ENV": "development", "TESTING": True,
                      "BASE_URL": "https://symbiose.test", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": inbox.port,
                      "SMTP_SECURITY": "none", "SMTP_RETRIES": 1, "SMTP_TIMEOUT": 5,
                      "MAIL_FROM": "Symbiose <noreply@symbiose.test>"})
    Store.open(app.config["DATA_DIR"], app.config["KEYRING"], create=True).close()
    return app


@pytest.fixture
def rstore(rapp):
    with Store.open(rapp.config["DATA_DIR"], rapp.config["KEYRING"]) as store:
        yield store


@pytest.fixture
def world(rapp, rstore):
    with rapp.app_context():
        return build(rstore)


@pytest.fixture
def browser(rapp):
    return Browser(rapp)
