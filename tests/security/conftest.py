"""Fixtures for the security tests: a fuzz-ready app on real SQLite files, a territory with
proposals, a synergy and an unrecognised answer, a signed-in facilitator and signed-in actors."""
from __future__ import annotations

import pytest
from security_support import RAN, csrf_token, facilitator_support

from data import Store
from data.actors import create_actor
from data.territories import create_territory
from data.types import Identity
from interview_bot import create_app
from interview_bot.auth.tokens import make_token


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if RAN:
        total = sum(RAN.values())
        terminalreporter.write_line(
            f"fuzz: {total} generated inputs in {len(RAN)} fuzz tests "
            f"({', '.join(f'{k} {v}' for k, v in sorted(RAN.items()))})")


@pytest.fixture
def fuzz_app(data_dir):
    """The real app and databases; rate limits off so thousands of requests can be sent."""
    app = create_app({"DATA_DIR": str(data_dir), "ENV": "development", "TESTING": True, "RATELIMIT_ENABLED": False,
                      "SMTP_HOST": "", "BASE_URL": "https://symbiose.test"})
    with Store.open(app.config["DATA_DIR"], app.config["KEYRING"], create=True) as store:
        world = facilitator_support.build(store, "nord", facilitator_support.CANARY)
        facilitator_support.build(store, "sud", facilitator_support.CANARY + "S")
        world["users"] = facilitator_support.users(store, ["nord", "sud"])
        create_territory(store, "vide", "Territoire vide")
    app.config["WORLD"] = world
    return app


@pytest.fixture
def fuzz_store(fuzz_app):
    with Store.open(fuzz_app.config["DATA_DIR"], fuzz_app.config["KEYRING"]) as store:
        yield store


class ActorSession:
    """A browser-like client signed in through an actor's personal link, past the consent step."""

    def __init__(self, app, store, territory: str = "nord", consent: bool = True):
        self.id = create_actor(store, territory, None, Identity(name="Fuzz", email="fuzz@example.org")).id
        self.client = app.test_client()
        with app.test_request_context():
            self.client.get(f"/a/{make_token(self.id, 'interview')}")
        self.token = csrf_token(self.client, "/me/interview/consent")
        if consent:
            response = self.client.post("/me/interview/consent", data={
                "sharing": "anonymous", "agree": "1", "csrf_token": self.token})
            assert response.status_code == 302


@pytest.fixture
def actor_session(fuzz_app, fuzz_store):
    def make(**kw) -> ActorSession:
        return ActorSession(fuzz_app, fuzz_store, **kw)
    return make


@pytest.fixture
def facilitator(fuzz_app):
    """(client, csrf token) of the facilitator of territory `nord`, signed in."""
    client = fuzz_app.test_client()
    response = facilitator_support.login(client, "anim@nord.example")
    assert response.status_code == 302
    return client, csrf_token(client, "/t/nord/")
