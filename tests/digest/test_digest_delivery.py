"""Once and only once: reruns, a server that goes away, concurrent and interrupted runs, a hung server."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from click.testing import CliRunner
from flask.cli import ScriptInfo

from data import Store, outbox
from interview_bot import create_app
from interview_bot.cli import main
from interview_bot.digest import send_digests

from conftest import BASE_URL
from digest_world import World

ROOT = Path(__file__).resolve().parents[2]


def populate(world: World, pairs: int) -> list[str]:
    """`pairs` pairs of actors with one proposal each: 2 × pairs actor digests."""
    addresses = []
    for n in range(pairs):
        world.actor(f"s{n}", lang="fr")
        world.actor(f"r{n}", lang="en", naf="01.11Z")
        world.proposal(f"s{n}", f"r{n}")
        addresses += [f"s{n}@example.org", f"r{n}@example.org"]
    return addresses


def cli_env(app, smtp_port: int) -> dict:
    return {**os.environ, "SYMBIOSE_DATA_DIR": app.config["DATA_DIR"], "SYMBIOSE_ENV": "development",
            "SYMBIOSE_SMTP_HOST": "127.0.0.1", "SYMBIOSE_SMTP_PORT": str(smtp_port), "SYMBIOSE_SMTP_SECURITY": "none",
            "SYMBIOSE_MAIL_FROM": "Symbiose <noreply@symbiose.test>", "SYMBIOSE_BASE_URL": BASE_URL,
            "SYMBIOSE_SMTP_BACKOFF": "0.05"}


def digest_process(env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "interview_bot.cli", "digest", "send"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def invoke(app, *args: str):
    return CliRunner().invoke(main, list(args), obj=ScriptInfo(create_app=lambda: app), catch_exceptions=False)


def test_server_going_down_mid_run_and_coming_back_loses_and_duplicates_nothing(mail_app, app_store, world, smtp):
    mail_app.config["SMTP_RETRIES"] = 8  # back-off 0.05 s doubling: about 6 s of patience
    addresses = populate(world, 10)
    smtp.recorder.go_down_after = 7
    smtp.recorder.on_down = lambda: smtp.bounce(down_for=0.5)

    report = send_digests(app_store)

    assert report.delivery.sent == 20 and report.delivery.stopped is None
    assert Counter(r.to for r in smtp.received) == Counter(addresses)  # each exactly once
    assert outbox.counts(app_store) == {"sent": 20}


def test_server_down_for_good_stops_the_run_and_the_next_run_sends_the_rest(mail_app, app_store, world, smtp):
    addresses = populate(world, 5)
    smtp.recorder.go_down_after = 3
    smtp.recorder.on_down = smtp.stop

    first = send_digests(app_store)

    assert first.delivery.sent == 3
    assert "refused the connection" in first.delivery.stopped or "closed the session" in first.delivery.stopped
    assert outbox.counts(app_store) == {"sent": 3, "pending": 7}
    smtp.start()
    with app_store.vault.conn:  # the back-off before the next attempt has passed
        app_store.vault.execute("UPDATE outbox SET next_attempt_at = '2000-01-01'")
    second = send_digests(app_store)
    assert second.recorded == 0 and second.delivery.sent == 7
    assert Counter(r.to for r in smtp.received) == Counter(addresses)


def test_two_runs_at_once_never_send_a_digest_twice(mail_app, app_store, world, smtp):
    addresses = populate(world, 40)

    async def slow_data(server, session, envelope, _original=smtp.recorder.handle_DATA):
        await asyncio.sleep(0.04)  # a real server's latency, so that both runs overlap
        return await _original(server, session, envelope)

    smtp.recorder.handle_DATA = slow_data
    env = cli_env(mail_app, smtp.port)
    runs = [digest_process(env), digest_process(env)]
    outputs = [run.communicate(timeout=240) for run in runs]

    assert [run.returncode for run in runs] == [0, 0], outputs
    assert Counter(r.to for r in smtp.received) == Counter(addresses)
    assert outbox.counts(app_store) == {"sent": 80}


def test_a_run_killed_mid_way_is_finished_by_the_next_one_without_duplicates(mail_app, app_store, world, smtp):
    addresses = populate(world, 6)
    holding = threading.Event()
    release = threading.Event()
    original_mail = smtp.recorder.handle_MAIL

    async def hold_sixth(server, session, envelope, address, mail_options):
        if len(smtp.received) == 5 and not release.is_set():
            holding.set()  # the run is between two messages: kill it here
            while not release.is_set():
                await asyncio.sleep(0.01)
            return "421 closing"
        return await original_mail(server, session, envelope, address, mail_options)

    smtp.recorder.handle_MAIL = hold_sixth
    run = digest_process({**cli_env(mail_app, smtp.port), "SYMBIOSE_SMTP_CONNECTIONS": "1"})  # one at a time
    try:
        assert holding.wait(120), run.stderr.read() if run.poll() is not None else "run never reached the sixth"
        os.kill(run.pid, signal.SIGKILL)
        run.wait(10)
    finally:
        release.set()
        if run.poll() is None:
            run.kill()
    assert len(smtp.received) == 5
    assert outbox.counts(app_store).get("sending", 0) > 0  # the dead run's claims are still there

    again = send_digests(app_store)

    assert again.recorded == 0  # the digests were all recorded by the killed run
    assert Counter(r.to for r in smtp.received) == Counter(addresses)
    assert outbox.counts(app_store) == {"sent": 12}


def test_cli_send_and_dry_run(mail_app, app_store, world, smtp):
    populate(world, 2)
    dry = invoke(mail_app, "digest", "send", "--dry-run")
    assert dry.exit_code == 0
    assert dry.output.count("would send to actor:") == 4
    assert "Dry run: 4 digests recorded" in dry.output
    assert smtp.received == [] and outbox.counts(app_store) == {}

    real = invoke(mail_app, "digest", "send", "--territory", "nievre")
    assert real.exit_code == 0, real.output
    assert "4 digests recorded" in real.output and "4 sent, 0 failed" in real.output
    assert len(smtp.received) == 4

    unknown = invoke(mail_app, "digest", "send", "--territory", "nowhere")
    assert unknown.exit_code == 1 and "Unknown territory 'nowhere'" in unknown.output


def test_a_hanging_smtp_server_times_out_with_a_clear_message(data_dir, hanging_smtp):
    app = create_app({"DATA_DIR": str(data_dir), "ENV": "development", "TESTING": True, "BASE_URL": BASE_URL,
                      "SMTP_HOST": "127.0.0.1", "SMTP_PORT": hanging_smtp.port, "SMTP_SECURITY": "none",
                      "SMTP_TIMEOUT": 0.5, "SMTP_RETRIES": 2, "SMTP_BACKOFF": 0})
    with app.app_context(), Store.open(data_dir, app.config["KEYRING"], create=True) as store:
        world = World(store)
        world.actor("a")
        world.actor("b", naf="01.11Z")
        world.proposal("a", "b")
    started = time.monotonic()
    result = invoke(app, "digest", "send")
    assert time.monotonic() - started < 10
    assert result.exit_code == 1
    assert f"The SMTP server 127.0.0.1:{hanging_smtp.port} did not answer within 0.5 s" in result.output
    assert "will go out with the next run" in result.output
    with Store.open(data_dir, app.config["KEYRING"]) as store:
        assert outbox.counts(store) == {"pending": 2}  # recorded, not lost, not marked sent


def test_email_not_configured_is_a_clear_error_and_records_nothing(data_dir):
    app = create_app({"DATA_DIR": str(data_dir), "ENV": "development", "TESTING": True})
    with app.app_context(), Store.open(data_dir, app.config["KEYRING"], create=True) as store:
        world = World(store)
        world.actor("a")
        world.actor("b", naf="01.11Z")
        world.proposal("a", "b")
    result = invoke(app, "digest", "send")
    assert result.exit_code == 1 and "set SYMBIOSE_SMTP_HOST" in result.output
    with Store.open(data_dir, app.config["KEYRING"]) as store:
        assert outbox.counts(store) == {}


def test_one_broken_digest_does_not_cost_the_others_theirs(mail_app, app_store, world, smtp):
    populate(world, 2)
    with app_store.public.conn:  # damaged data behind the first pair's proposal
        app_store.public.execute("UPDATE proposal SET parts = '{not json' WHERE supplier_id = ?", [world.refs["s0"]])
    result = invoke(mail_app, "digest", "send")
    assert result.exit_code == 1
    assert "2 digests could not be composed" in result.output
    assert sorted(r.to for r in smtp.received) == ["r1@example.org", "s1@example.org"]
