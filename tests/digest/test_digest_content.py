"""What the digests say, in both languages, and the links and headers they carry."""
from __future__ import annotations

from html import unescape
from urllib.parse import urlsplit

import pytest

from data import outbox
from data.db import transaction
from data.digests import advance
from data.decisions import accept
from interview_bot.digest import send_digests

from digest_world import CANARY, all_text, links_in, stamp


def test_actor_digests_in_french_and_english_with_headers_and_both_parts(mail_app, app_store, world, smtp):
    fr = world.actor("scierie", lang="fr")
    en = world.actor("farm", lang="en", naf="01.11Z")
    world.proposal("scierie", "farm", "material.wood.bark")

    report = send_digests(app_store)

    assert report.delivery.sent == 2
    by_to = {r.to: r.message for r in smtp.received}
    french, english = by_to["scierie@example.org"], by_to["farm@example.org"]
    assert french["Subject"] == "Symbiose : 1 nouvelle piste de synergie pour vous"
    assert english["Subject"] == "Symbiose: 1 new possible synergy for you"
    assert french["Content-Language"] == "fr" and english["Content-Language"] == "en"
    for message, greeting, label in ((french, "Bonjour,", "Écorces"), (english, "Hello,", "Bark")):
        assert message.get_content_type() == "multipart/alternative"
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert text.startswith(greeting) and label in text
        assert f"<strong>{label}</strong>" in html and "<html" in html
        assert message["From"] == "Symbiose <noreply@symbiose.test>"
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["Message-ID"].endswith("@symbiose.test>")
        unsubscribe = message["List-Unsubscribe"]
        assert unsubscribe.startswith("<https://symbiose.test/digest/unsubscribe/") and unsubscribe.endswith(">")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The counterparty is described, never named.
    assert "une exploitation agricole à environ 10 km" in french.get_body(("plain",)).get_content()
    assert "A wood-processing company offers “Bark”; a farm about 10 km away" in english.get_body(("plain",)).get_content()
    assert fr != en


def test_the_personal_links_sign_the_actor_in_and_open_the_right_page(mail_app, app_store, world, smtp):
    world.actor("scierie")
    world.actor("farm", naf="01.11Z")
    pid = world.proposal("scierie", "farm")
    send_digests(app_store)
    text = smtp.recorder.to("scierie@example.org")[0].message.get_body(("plain",)).get_content()
    proposal_link = next(link for link in links_in(text) if "/a/" in link)
    client = mail_app.test_client()
    assert proposal_link.endswith(f"#proposal-{pid}")  # the browser keeps it across the redirect
    response = client.get(urlsplit(proposal_link).path)
    assert response.status_code == 302 and response.headers["Location"] == "/me"
    with client.session_transaction() as session:
        assert session["actor_id"] == world.refs["scierie"]
    # A link from the digest of one actor never signs in as another.
    other = mail_app.test_client()
    farm_text = smtp.recorder.to("farm@example.org")[0].message.get_body(("plain",)).get_content()
    other.get(urlsplit(next(link for link in links_in(farm_text) if "/a/" in link)).path)
    with other.session_transaction() as session:
        assert session["actor_id"] == world.refs["farm"]


def test_introductions_waiting_and_unfinished_interview_reminder(mail_app, app_store, world, smtp):
    world.actor("scierie")
    world.actor("farm", naf="01.11Z", lang="en")
    late = world.actor("late", status="in_progress")
    world.backdate("actor", late, days=10)
    pid = world.proposal("scierie", "farm", age_minutes=60 * 24 * 3)
    with transaction(app_store.vault) as db:  # their last digest, two days ago, told them about it
        for ref in ("scierie", "farm"):
            advance(db, f"actor:{world.refs[ref]}", world.territory_id, stamp(days=-2), reminded=False)
    accept(app_store, pid, None)
    with app_store.public.conn:  # the request was made an hour ago
        app_store.public.execute("UPDATE introduction SET requested_at = ?", [stamp(hours=-1)])

    send_digests(app_store)

    farm = smtp.recorder.to("farm@example.org")[0].message
    assert farm["Subject"] == "Symbiose: 1 introduction is waiting for your answer"
    text = farm.get_body(("plain",)).get_content()
    assert "Introductions waiting for your answer:" in text
    assert "https://symbiose.test/me/introductions/t/" in text
    reminder = smtp.recorder.to("late@example.org")[0].message
    assert reminder["Subject"] == "Symbiose : votre entretien n'est pas terminé"
    assert "Reprendre l'entretien" in unescape(reminder.get_body(("html",)).get_content())
    resume = links_in(reminder.get_body(("plain",)).get_content())[0]
    response = mail_app.test_client().get(urlsplit(resume).path)
    assert response.status_code == 302 and response.headers["Location"] == "/me/interview/"
    # The reminder is not repeated the next morning (only after DIGEST_REMINDER_DAYS).
    smtp.received.clear()
    send_digests(app_store, until=stamp(days=1))
    assert smtp.recorder.to("late@example.org") == []
    send_digests(app_store, until=stamp(days=8))
    assert len(smtp.recorder.to("late@example.org")) == 1


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_facilitator_digest_in_each_language(mail_app, app_store, world, smtp, lang):
    mail_app.config["DEFAULT_LOCALE"] = lang
    world.facilitator("animateur@example.org")
    world.actor("scierie")
    world.actor("farm", naf="01.11Z")
    world.actor("late", status="invited")
    world.proposal("scierie", "farm")
    world.unknown_resource("farm")
    stale = world.proposal("farm", "scierie", "material.wood.class_a", age_minutes=60 * 24 * 60)
    accept(app_store, stale, None)
    with app_store.public.conn:  # the synergy has not moved for 31 days
        app_store.public.execute("UPDATE synergy SET updated_at = ?", [stamp(days=-31)])

    send_digests(app_store)

    message = smtp.recorder.to("animateur@example.org")[0].message
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    expected = {
        "fr": ["Symbiose – Nièvre Est : les nouveautés", "1 nouvelle proposition dans la file", "Entretiens :",
               "3 nouveaux acteurs", "1 inachevé", "1 réponse non reconnue en attente",
               "1 synergie n'a pas bougé depuis un mois :", "idée, 31 jours"],
        "en": ["Symbiose – Nièvre Est: what is new", "1 new proposal in the queue", "Interviews:", "3 new actors",
               "1 unfinished", "1 unrecognised answer waiting", "1 synergy has not moved for a month:",
               "idea, 31 days"],
    }[lang]
    assert message["Subject"] == expected[0]
    for phrase in expected[1:]:
        assert phrase in text, phrase
    assert "https://symbiose.test/t/nievre/queue" in text
    assert "https://symbiose.test/t/nievre/unrecognised" in html
    assert message["Content-Language"] == lang


def test_canary_names_never_appear_in_any_digest(mail_app, app_store, world, smtp):
    world.facilitator()
    for n in range(4):
        world.actor(f"x{n}", lang="fr" if n % 2 else "en", naf="01.11Z" if n % 2 else "16.10A")
    world.proposal("x0", "x1")
    world.proposal("x2", "x3", "material.wood.class_a")
    accepted = world.proposal("x1", "x2", "material.wood.class_b")
    accept(app_store, accepted, None)
    with app_store.public.conn:
        app_store.public.execute("UPDATE introduction SET requested_at = ?", [stamp(minutes=-5)])
    world.unknown_resource("x0")
    with app_store.public.conn:
        app_store.public.execute("UPDATE resource SET head = ?", [f"{CANARY} sciure"])

    send_digests(app_store)

    assert len(smtp.received) == 5  # four actors and the facilitator
    for received in smtp.received:
        raw = received.message.as_string()
        assert CANARY not in all_text(received.message) and CANARY not in raw
    # Nor in the outbox at rest: bodies are sealed.
    for path in app_store.data_dir.glob("*.db*"):
        assert b"Bonjour" not in path.read_bytes() and b"Hello," not in path.read_bytes()


def test_nobody_gets_an_empty_digest_and_a_second_run_sends_nothing(mail_app, app_store, world, smtp):
    world.facilitator()
    quiet = world.actor("quiet")
    world.actor("busy")
    world.actor("other", naf="01.11Z")
    with app_store.public.conn:  # the facilitator has seen these actors arrive already
        app_store.public.execute("UPDATE user SET created_at = ?", [stamp(minutes=-90)])
    world.proposal("busy", "other")

    first = send_digests(app_store)
    assert sorted(r.to for r in smtp.received) == ["animateur@example.org", "busy@example.org", "other@example.org"]
    assert quiet and first.nothing_new == 1

    smtp.received.clear()
    second = send_digests(app_store)
    assert smtp.received == []
    assert second.recorded == 0 and second.nothing_new == 4
    assert outbox.counts(app_store) == {"sent": 3}


def test_a_recent_invitation_or_answer_postpones_the_reminder(mail_app, app_store, world, smtp):
    invited = world.actor("invited", status="invited")
    answering = world.actor("answering", status="in_progress")
    for actor_id in (invited, answering):
        world.backdate("actor", actor_id, days=10)
    with transaction(app_store.public):
        app_store.public["invitation"].insert({"actor_id": invited, "user_id": None, "kind": "resend",
                                               "sent_at": stamp(days=-2)})
        app_store.public["interview"].insert({"actor_id": answering, "updated_at": stamp(days=-1)})

    send_digests(app_store)
    assert smtp.received == []

    send_digests(app_store, until=stamp(days=6))  # a week after the last sign of life
    assert sorted(r.to for r in smtp.received) == ["answering@example.org", "invited@example.org"]
