"""interview_bot.mail: one transactional email, once, against a real SMTP server on loopback."""
from __future__ import annotations

import time

import pytest

from data import outbox
from data.territories import create_territory
from data.actors import create_actor
from data.types import Identity
from interview_bot.mail import MailError, MailSettings, Sender, send_email


@pytest.fixture
def actor(store):
    create_territory(store, "nievre")
    return create_actor(store, "nievre", "a1", Identity(name="Scierie Canari", email="scierie@example.org"))


def test_send_email_to_an_actor_resolves_the_sealed_address_and_sends_once(store, smtp, actor):
    kwargs = dict(to_actor=actor.id, subject="Votre lien", text="Bonjour", html="<p>Bonjour</p>",
                  kind="link", key=f"link:{actor.id}:1", lang="fr")
    first = send_email(store, smtp.config(), **kwargs)
    again = send_email(store, smtp.config(), **kwargs)
    assert first.sent and again.sent
    assert [r.to for r in smtp.received] == ["scierie@example.org"]
    message = smtp.received[0].message
    assert message["Subject"] == "Votre lien"
    assert message["Content-Language"] == "fr"
    assert message.get_body(("plain",)).get_content().strip() == "Bonjour"
    assert message.get_body(("html",)).get_content().strip() == "<p>Bonjour</p>"
    # The address is nowhere in the public partition, nor in clear in the vault.
    for name in ("public.db", "vault.db"):
        for path in store.data_dir.glob(name + "*"):
            assert b"scierie@example.org" not in path.read_bytes()


def test_send_email_to_an_address_keeps_the_address_sealed(store, smtp):
    delivery = send_email(store, smtp.config(), to_address="new.actor@example.org", subject="Invitation",
                          text="Welcome", kind="invitation", key="invite:x")
    assert delivery.sent
    assert smtp.received[0].to == "new.actor@example.org"
    for path in store.data_dir.glob("*.db*"):
        assert b"new.actor@example.org" not in path.read_bytes()


def test_a_refused_recipient_is_recorded_and_the_rest_continues(store, smtp):
    smtp.recorder.refuse_rcpt["bad@example.org"] = "550 No such user"
    for n, address in enumerate(["ok1@example.org", "bad@example.org", "ok2@example.org"]):
        outbox.enqueue(store, key=f"k{n}", kind="test", subject="s", text="t", to_address=address,
                       message_id=f"<k{n}@symbiose.test>")
    report = Sender(store, MailSettings.from_config(smtp.config())).run()
    assert (report.sent, report.failed) == (2, 1)
    assert sorted(r.to for r in smtp.received) == ["ok1@example.org", "ok2@example.org"]
    failed = outbox.get(store, "k1")
    assert failed.status == "failed" and "550 No such user" in failed.error
    assert "bad@example.org" not in failed.error


def test_a_temporary_refusal_is_retried_with_back_off(store, smtp):
    smtp.recorder.refuse_rcpt["slow@example.org"] = "451 Try again later"
    pauses = []
    delivery = send_email(store, smtp.config(SMTP_RETRIES=3), to_address="slow@example.org", subject="s",
                          text="t", kind="test", key="slow", sleep=pauses.append)
    assert delivery.status == "pending" and "451 Try again later" in delivery.error
    assert pauses == [0.05, 0.1]  # two retries, the second pause twice the first
    del smtp.recorder.refuse_rcpt["slow@example.org"]
    # Next run (once the back-off has passed) sends it.
    with store.vault.conn:
        store.vault.execute("UPDATE outbox SET next_attempt_at = '2000-01-01' WHERE key = 'slow'")
    assert Sender(store, MailSettings.from_config(smtp.config())).run().sent == 1
    assert [r.to for r in smtp.received] == ["slow@example.org"]


def test_a_hanging_server_times_out_with_a_clear_message(store, hanging_smtp):
    config = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": hanging_smtp.port, "SMTP_SECURITY": "none",
              "SMTP_TIMEOUT": 0.5, "SMTP_RETRIES": 2, "SMTP_BACKOFF": 0}
    started = time.monotonic()
    delivery = send_email(store, config, to_address="x@example.org", subject="s", text="t", kind="test", key="hang")
    assert time.monotonic() - started < 5
    assert delivery.status == "pending"
    assert f"127.0.0.1:{hanging_smtp.port} did not answer within 0.5 s" in delivery.error
    assert outbox.get(store, "hang").status == "pending"


def test_settings_say_what_is_expected():
    with pytest.raises(MailError, match="SYMBIOSE_SMTP_HOST"):
        MailSettings.from_config({})
    with pytest.raises(MailError, match="none, starttls, tls"):
        MailSettings.from_config({"SMTP_HOST": "h", "SMTP_SECURITY": "ssl"})
    with pytest.raises(MailError, match="SYMBIOSE_SMTP_PORT must be a number"):
        MailSettings.from_config({"SMTP_HOST": "h", "SMTP_PORT": "twenty-five"})
    assert MailSettings.from_config({"SMTP_HOST": "h", "SMTP_SECURITY": "tls"}).port == 465
    assert MailSettings.from_config({"SMTP_HOST": "h", "SMTP_SECURITY": "starttls"}).port == 587


def test_send_email_to_a_facilitator_reads_their_login_address_at_send_time(store, smtp):
    from data.territories import create_user

    create_territory(store, "nievre")
    user = create_user(store, "animatrice@example.org", "correct horse battery", "facilitator", "nievre")
    delivery = send_email(store, smtp.config(), to_user=user["id"], subject="Nouvelle demande", text="…",
                          kind="introduction_request", key="intro-request:1")
    assert delivery.sent and [r.to for r in smtp.received] == ["animatrice@example.org"]
    with pytest.raises(MailError, match="not an email address"):
        send_email(store, smtp.config(), to_address="nobody", subject="s", text="t", kind="x", key="bad")
