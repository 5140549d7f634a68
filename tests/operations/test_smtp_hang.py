"""An SMTP server that accepts the connection and then hangs: inviting someone says so after
SYMBIOSE_SMTP_TIMEOUT (not four timeouts and the back-off), and the invitation waits in the outbox."""
from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone

import pytest
from ops_support import SLUG, Inbox, SilentSMTP, csrf, login, make_app, opened, run

from data import Store
from data.actors import find_by_email
from data.outbox import get as get_message
from data.territories import create_territory, create_user

PASSWORD = "correct horse battery staple"


@pytest.fixture
def silent():
    server = SilentSMTP()
    yield server
    server.close()


def _outbox_invitation(store, actor_id: str):
    [key] = [r[0] for r in store.vault.execute("SELECT key FROM outbox WHERE actor_id = ? AND kind = 'invitation'",
                                               [actor_id])]
    return get_message(store, key)


def _deliver_later(app, data_dir, k1) -> list:
    """The server is back; time has passed (the retry is due now): the nightly run sends the invitation."""
    with opened(app) as store:
        store.vault.execute("UPDATE outbox SET next_attempt_at = ?",
                            [(datetime.now(timezone.utc) - timedelta(seconds=1)).isoformat()])
    with Inbox() as inbox:
        result = run(make_app(data_dir, k1, **inbox.config()), "digest", "send")
        assert result.exit_code == 0, result.output
        return inbox.messages


def test_cli_invite_to_a_hanging_server_says_so_after_the_timeout_and_keeps_the_invitation(data_dir, k1, silent):
    app = make_app(data_dir, k1, **silent.config(timeout=1))
    with Store.open(data_dir, app.config["KEYRING"], create=True) as store:
        create_territory(store, SLUG)
    started = time.monotonic()
    result = run(app, "invite", "--territory", SLUG, "--email", "heron@scierie.example", "--name", "Scierie Héron")
    elapsed = time.monotonic() - started
    assert result.exit_code == 0, result.output
    assert 1 <= elapsed < 3.5, elapsed  # one timeout; before: 4 × 1 s + 2 + 4 + 8 s of back-off
    assert f"Email: not sent yet — The SMTP server 127.0.0.1:{silent.port} did not answer within 1 s" in result.output
    assert "The invitation waits in the outbox: `symbiose digest send` (and the nightly run) will send it." in result.output
    link = re.search(r"^(http\S+/a/\S+)$", result.output, re.M).group(1)
    with opened(app) as store:
        [actor_id] = find_by_email(store, "heron@scierie.example")
        message = _outbox_invitation(store, actor_id)
        assert (message.status, message.attempts) == ("pending", 1)
        # The same personal link (signed at another second: compare the signed payload, the actor).
        assert "did not answer within 1 s" in message.error and link.split(".")[0] in message.text
        assert store.public.execute("SELECT count(*) FROM invitation WHERE actor_id = ?", [actor_id]).fetchone()[0] == 1
    [raw] = [raw for to, raw in _deliver_later(app, data_dir, k1) if to == ["heron@scierie.example"]]
    assert link.split(".")[0].encode() in raw.replace(b"=\r\n", b"")


def test_web_invite_to_a_hanging_server_says_so_after_the_timeout_and_keeps_the_invitation(data_dir, k1, silent):
    app = make_app(data_dir, k1, **silent.config(timeout=1), RATELIMIT_ENABLED=False)
    with Store.open(data_dir, app.config["KEYRING"], create=True) as store:
        create_territory(store, SLUG)
        create_user(store, "anim@trust.example", PASSWORD, "facilitator", SLUG)
    client = app.test_client()
    login(client, "anim@trust.example", PASSWORD)
    token = csrf(client, f"/t/{SLUG}/actors")
    started = time.monotonic()
    response = client.post(f"/t/{SLUG}/actors/invite", data={
        "name": "Scierie Héron", "email": "heron@scierie.example", "lang": "fr", "csrf_token": token})
    elapsed = time.monotonic() - started
    assert response.status_code == 302
    assert 1 <= elapsed < 3.5, elapsed
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Invitation enregistrée pour Scierie Héron (e-mail : en attente dans la boîte d&#39;envoi" in page
    assert f"The SMTP server 127.0.0.1:{silent.port} did not answer within 1 s" in page
    with opened(app) as store:
        [actor_id] = find_by_email(store, "heron@scierie.example")
        assert _outbox_invitation(store, actor_id).status == "pending"
    delivered = _deliver_later(app, data_dir, k1)
    assert [to for to, _raw in delivered if to == ["heron@scierie.example"]] == [["heron@scierie.example"]]
