"""The unsubscribe page (with RFC 8058 one-click) and the facilitator's preview of anyone's next digest."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from data import ConfigurationError, outbox
from data.digests import state
from data.territories import create_territory, create_user
from interview_bot.digest import send_digests
from interview_bot.digest.clock import build_scheduler, trigger_from

from digest_world import CANARY, World, csrf_token, login


def unsubscribe_path(smtp, address: str) -> str:
    header = smtp.recorder.to(address)[0].message["List-Unsubscribe"]
    return urlsplit(header.strip("<>")).path


def test_unsubscribe_page_needs_its_csrf_token_and_stops_the_digests(mail_app, app_store, world, smtp):
    actor = world.actor("scierie")
    world.actor("farm", naf="01.11Z")
    world.proposal("scierie", "farm")
    send_digests(app_store)
    path = unsubscribe_path(smtp, "scierie@example.org")
    client = mail_app.test_client()

    page = client.get(path)
    assert page.status_code == 200 and "Ne plus recevoir ces courriels" in page.get_data(as_text=True)
    assert state(app_store, f"actor:{actor}").unsubscribed_at is None  # a GET (or a link prefetch) changes nothing
    assert client.post(path, data={"action": "unsubscribe"}).status_code == 400  # no CSRF token
    done = client.post(path, data={"action": "unsubscribe", "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert done.status_code == 200 and "Vous ne recevrez plus de récapitulatifs." in done.get_data(as_text=True)
    assert state(app_store, f"actor:{actor}").unsubscribed_at is not None

    smtp.received.clear()
    world.actor("third", naf="01.11Z")
    world.proposal("scierie", "third", "material.wood.class_a")
    report = send_digests(app_store)
    assert [r.to for r in smtp.received] == ["third@example.org"] and report.unsubscribed == 1


def test_one_click_unsubscribe_from_the_mail_client(mail_app, app_store, world, smtp):
    world.facilitator()
    world.actor("scierie")
    world.actor("farm", naf="01.11Z")
    world.proposal("scierie", "farm")
    send_digests(app_store)
    client = mail_app.test_client()
    # RFC 8058: the client POSTs this exact body, without cookies or form token.
    response = client.post(unsubscribe_path(smtp, "animateur@example.org"), data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 204
    user_id = app_store.public.execute("SELECT id FROM user").fetchone()[0]
    assert state(app_store, f"user:{user_id}").unsubscribed_at is not None


def test_unsubscribe_links_cannot_be_forged_or_reused_for_another_purpose(mail_app, app_store, world, smtp):
    world.actor("scierie")
    world.actor("farm", naf="01.11Z")
    world.proposal("scierie", "farm")
    send_digests(app_store)
    client = mail_app.test_client()
    path = unsubscribe_path(smtp, "scierie@example.org")
    assert client.post(path[:-3] + "xyz", data={"List-Unsubscribe": "One-Click"}).status_code == 400
    text = smtp.recorder.to("scierie@example.org")[0].message.get_body(("plain",)).get_content()
    personal = next(line for line in text.split() if "/a/" in line)  # an interview link is no unsubscribe link
    token = urlsplit(personal).path.rsplit("/", 1)[1]
    assert client.post(f"/digest/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"}).status_code == 400


def test_preview_shows_anyone_s_next_digest_to_their_facilitator_only(mail_app, page_store, smtp):
    app_store = page_store
    world = World(page_store)
    world.facilitator("animateur@example.org")
    actor = world.actor("scierie")
    world.actor("farm", naf="01.11Z")
    quiet = world.actor("quiet")
    world.proposal("scierie", "farm")
    create_territory(app_store, "ailleurs")
    create_user(app_store, "autre@example.org", "correct horse battery", "facilitator", "ailleurs")
    url = f"/t/nievre/digest/preview?actor={actor}"

    anonymous = mail_app.test_client().get(url)
    assert anonymous.status_code in (302, 401)

    other = mail_app.test_client()
    login(other, "autre@example.org")
    assert other.get(url).status_code == 404
    assert other.get(f"/t/ailleurs/digest/preview?actor={actor}").status_code == 404  # not an actor of theirs

    client = mail_app.test_client()
    login(client, "animateur@example.org")
    page = client.get(url).get_data(as_text=True)
    assert "Symbiose : 1 nouvelle piste de synergie pour vous" in page
    assert "Écorces" in page and "une exploitation agricole à environ 10 km" in page
    assert CANARY + "-name" not in page
    assert "/a/personal-link" in page and "/digest/unsubscribe/personal-link" in page  # no working link leaks
    assert "Rien de nouveau" in client.get(f"/t/nievre/digest/preview?actor={quiet}").get_data(as_text=True)
    user_id = app_store.public.execute("SELECT id FROM user WHERE email = 'animateur@example.org'").fetchone()[0]
    facilitator_page = client.get(f"/t/nievre/digest/preview?user={user_id}").get_data(as_text=True)
    assert "1 nouvelle proposition dans la file" in facilitator_page
    # A preview sends and records nothing.
    assert smtp.received == [] and outbox.counts(app_store) == {}


def test_clock_runs_daily_at_the_configured_local_time():
    trigger = trigger_from({"DIGEST_TIME": "06:00", "DIGEST_TIMEZONE": "Europe/Paris"})
    paris = ZoneInfo("Europe/Paris")
    winter = trigger.get_next_fire_time(None, datetime(2026, 12, 1, 7, 0, tzinfo=paris))
    summer = trigger.get_next_fire_time(None, datetime(2026, 7, 1, 5, 0, tzinfo=paris))
    assert (winter.day, winter.hour, winter.utcoffset().total_seconds()) == (2, 6, 3600)
    assert (summer.day, summer.hour, summer.utcoffset().total_seconds()) == (1, 6, 7200)
    other = trigger_from({"DIGEST_TIME": "21:30", "DIGEST_TIMEZONE": "America/Montreal"})
    fire = other.get_next_fire_time(None, datetime(2026, 1, 1, tzinfo=ZoneInfo("UTC")))
    assert (fire.hour, fire.minute, str(fire.tzinfo)) == (21, 30, "America/Montreal")
    with pytest.raises(ConfigurationError, match="HH:MM"):
        trigger_from({"DIGEST_TIME": "6h"})
    with pytest.raises(ConfigurationError, match="IANA time zone"):
        trigger_from({"DIGEST_TIME": "06:00", "DIGEST_TIMEZONE": "Paris"})


def test_clock_schedules_one_digest_job(mail_app):
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = build_scheduler(mail_app, BackgroundScheduler)
    scheduler.start(paused=True)
    try:
        jobs = scheduler.get_jobs()
        assert [job.id for job in jobs] == ["digests"]
        assert jobs[0].next_run_time.hour == 6 and str(jobs[0].next_run_time.tzinfo) == "Europe/Paris"
        assert jobs[0].max_instances == 1 and jobs[0].coalesce
    finally:
        scheduler.shutdown(wait=False)


def test_the_nightly_job_sends_digests_then_yearly_reminders(mail_app, caplog):
    from interview_bot.digest.clock import nightly_job

    with caplog.at_level("INFO", logger="symbiose.digest"):
        nightly_job(mail_app)
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("digest run:") for m in messages)
    assert any(m.startswith("reminder run:") for m in messages)
