"""Retention: unfinished interviews idle for longer than SYMBIOSE_INTERVIEW_RETENTION_DAYS are erased by
`symbiose purge` and by the nightly clock; completed interviews never are."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from rights_support import days_ago, raw_bytes

from data.actors import create_actor
from data.answers import save_answer
from data.db import transaction
from data.interviews import Progress, save_progress
from data.types import Identity
from interview_bot.cli import main
from interview_bot.digest.clock import nightly_job
from interview_bot.settings import SETTINGS

README = Path(__file__).resolve().parents[2] / "README.md"


def _backdate(store, actor_id: str, days: int) -> None:
    """Make every trace of an actor's activity `days` old, as if they had gone quiet then."""
    when = days_ago(days)
    with transaction(store.public):
        store.public.execute("UPDATE actor SET created_at = ?, updated_at = ? WHERE id = ?", [when, when, actor_id])
        store.public.execute("UPDATE interview SET updated_at = ?, consent_at = ? WHERE actor_id = ?",
                             [when, when, actor_id])
        store.public.execute("UPDATE invitation SET sent_at = ? WHERE actor_id = ?", [when, actor_id])
        store.public.execute("UPDATE resource SET created_at = ?, updated_at = ? WHERE actor_id = ?",
                             [when, when, actor_id])
    with transaction(store.vault):
        store.vault.execute("UPDATE answer SET created_at = ?, updated_at = ? WHERE actor_id = ?",
                            [when, when, actor_id])


@pytest.fixture
def cohort(rapp, rstore, world):
    """Besides the canary world (two interviews in progress, idle 400 days), actors of every kind of age."""
    def actor(name: str, status: str, idle: int, *, answer_days: int | None = None, completed: bool = False):
        actor_id = create_actor(rstore, "nord", None, Identity(name=name, email=f"{name}@example.org"),
                                status=status).id
        if status != "invited":
            save_progress(rstore, Progress(actor_id, consent_at=days_ago(idle), steps_done=["consent"],
                                           completed_at=days_ago(idle) if completed else None))
        save_answer(rstore, actor_id, "offers", f"palettes {name}")
        _backdate(rstore, actor_id, idle)
        if answer_days is not None:
            with transaction(rstore.vault):
                rstore.vault.execute("UPDATE answer SET updated_at = ? WHERE actor_id = ?",
                                     [days_ago(answer_days), actor_id])
        return actor_id

    for planted in (world["mill"], world["farm"]):
        _backdate(rstore, planted.actor_id, 400)
    return {
        "stale": {world["mill"].actor_id, world["farm"].actor_id,
                  actor("Zq9invited", "invited", 200), actor("Zq9started", "in_progress", 181)},
        "kept": {actor("Zq9recent", "in_progress", 100),
                 actor("Zq9answered", "in_progress", 300, answer_days=20),  # wrote last month
                 actor("Zq9done", "completed", 900, completed=True),
                 actor("Zq9finished", "in_progress", 900, completed=True)},  # completed_at set: never purged
    }


def _ids(store) -> set[str]:
    return {r["id"] for r in store.public["actor"].rows}


def _cli(app, *args):
    return CliRunner().invoke(main, list(args), obj=ScriptInfo(create_app=lambda: app), catch_exceptions=False)


def test_dry_run_counts_and_erases_nothing(rapp, rstore, cohort):
    before = _ids(rstore)
    result = _cli(rapp, "purge", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Dry run: 4 unfinished interviews with no activity for 180 days would be erased" in result.output
    assert "  nord: 4" in result.output
    assert _ids(rstore) == before


def test_purge_erases_only_stale_unfinished_interviews_and_tells_the_facilitator(rapp, rstore, cohort, inbox, data_dir):
    result = _cli(rapp, "purge")
    assert result.exit_code == 0, result.output
    assert "4 unfinished interviews with no activity for 180 days erased" in result.output
    remaining = _ids(rstore)
    assert not cohort["stale"] & remaining and cohort["kept"] <= remaining
    for actor_id in cohort["stale"]:
        assert rstore.vault["identity"].count_where("actor_id = ?", [actor_id]) == 0
        assert rstore.vault["answer"].count_where("actor_id = ?", [actor_id]) == 0
    assert rstore.public["proposal"].count_where("status = 'withdrawn'") == 1
    public = raw_bytes(data_dir, "public.db")
    assert b"Kq1words" not in public and b"Kq2ref" not in public
    [text] = inbox.text_to("anim@nord.example")
    assert "4 entretiens inachevés effacés" in text and "acteurs effacés : 4" in text
    assert "Zq9" not in text and "Kq1" not in text
    assert "https://symbiose.test/t/nord/actors" in text
    # A second run finds nothing more and writes to nobody.
    assert "0 unfinished interviews" in _cli(rapp, "purge").output
    assert len(inbox.messages) == 1


def test_the_period_comes_from_the_setting_or_the_option(rapp, rstore, cohort):
    rapp.config["INTERVIEW_RETENTION_DAYS"] = "250"
    assert "Dry run: 2 unfinished" in _cli(rapp, "purge", "--dry-run").output
    assert "Dry run: 3 unfinished" in _cli(rapp, "purge", "--dry-run", "--older-than", "190").output
    rapp.config["INTERVIEW_RETENTION_DAYS"] = "0"
    result = _cli(rapp, "purge")
    assert "Retention is off" in result.output and cohort["stale"] <= _ids(rstore)
    rapp.config["INTERVIEW_RETENTION_DAYS"] = "six months"
    result = _cli(rapp, "purge")
    assert result.exit_code == 1 and "SYMBIOSE_INTERVIEW_RETENTION_DAYS must be a whole number" in result.output


def test_the_nightly_clock_run_purges_too(rapp, rstore, cohort, inbox):
    nightly_job(rapp)
    remaining = _ids(rstore)
    assert not cohort["stale"] & remaining and cohort["kept"] <= remaining
    assert any("entretiens inachevés effacés" in t for t in inbox.text_to("anim@nord.example"))


def test_setting_command_help_and_readme_say_what_they_do():
    default, help_text = SETTINGS["INTERVIEW_RETENTION_DAYS"]
    assert default == 180 and "unfinished" in help_text and "0 = never" in help_text
    result = CliRunner().invoke(main, ["purge", "--help"])
    assert result.exit_code == 0
    assert "Erase unfinished interviews" in result.output and "--dry-run" in result.output
    assert "SYMBIOSE_INTERVIEW_RETENTION_DAYS" in result.output and "Completed" in result.output
    readme = README.read_text(encoding="utf-8")
    assert "`SYMBIOSE_INTERVIEW_RETENTION_DAYS`" in readme and "`symbiose purge" in readme
