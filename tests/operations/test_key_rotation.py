"""`symbiose keys rotate`: every vault value re-sealed under the new key, resumable, and clear key errors."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from ops_support import (
    IMPORT_FILE, SLUG, assert_clean_failure, db_state, key_id, make_app, new_key, opened, populate, read_all, run,
    run_env, sealed_key_ids,
)

from data import Keyring, Store, VaultLocked
from data.answers import save_answer
from data.db import transaction
from data.outbox import enqueue
from interview_bot.auth.tokens import make_token


def test_rotation_reseals_everything_and_the_old_key_can_then_go(world, data_dir, k1, k2, tmp_path):
    app, w = world
    before = read_all(app, w)
    total = sum(sealed_key_ids(data_dir).values())
    assert set(sealed_key_ids(data_dir)) == {key_id(k1)}

    with opened(make_app(data_dir, k2, k1)):  # the service runs meanwhile: its connection stays open
        result = run(make_app(data_dir, k2, k1), "keys", "rotate")
        assert result.exit_code == 0, result.output
        assert f"Re-sealed {total} vault values under the current key (0 already were)" in result.output
        assert "renewed 3 email and 2 import fingerprints" in result.output
        assert "remove the old key from SYMBIOSE_VAULT_OLD_KEYS" in result.output
        # Every sealed value, in whatever table, now names the new key…
        assert sealed_key_ids(data_dir) == {key_id(k2): total}
        # …and no ciphertext made with the old key is left in the files (replaced row versions, the WAL).
        raw = b"".join(p.read_bytes() for p in data_dir.glob("vault.db*"))
        assert b"S1" + key_id(k2) in raw and b"S1" + key_id(k1) not in raw

    new_only = make_app(data_dir, k2)
    assert read_all(new_only, w) == before  # identities, answers, figures, details, notes, outbox, email lookup
    # The import fingerprints were carried over: importing the same file again changes nothing.
    (tmp_path / "t.jsonl").write_text(IMPORT_FILE)
    again = run(new_only, "territory", "import", str(tmp_path / "t.jsonl"), "--territory", SLUG)
    assert again.exit_code == 0 and "0 created, 0 updated, 2 unchanged" in again.output, again.output
    # …and the old key alone no longer opens the vault.
    assert_clean_failure(run(make_app(data_dir, k1), "backup", str(tmp_path / "bk")), "does not open this vault")


def test_running_it_again_changes_nothing(world, data_dir, k1, k2):
    app, w = world
    rotated = make_app(data_dir, k2, k1)
    assert run(rotated, "keys", "rotate").exit_code == 0
    state = db_state(data_dir)
    again = run(rotated, "keys", "rotate")
    assert again.exit_code == 0, again.output
    assert "Re-sealed 0 vault values" in again.output and "renewed 0 email and 0 import" in again.output
    assert db_state(data_dir) == state


def test_a_rotation_stopped_half_way_resumes_where_it_stopped(world, data_dir, k1, k2):
    """One damaged note stops the rotation at the `note` table: the tables before it are done, the
    note table and those after it are untouched, and everything still reads with both keys."""
    app, w = world
    before = read_all(app, w)
    with opened(app) as store:
        note_id, sealed = store.vault.execute("SELECT id, text_enc FROM note").fetchone()
        damaged = sealed[:-1] + bytes([sealed[-1] ^ 1])
        store.vault.execute("UPDATE note SET text_enc = ? WHERE id = ?", [damaged, note_id])
    rotating = make_app(data_dir, k2, k1)
    result = run(rotating, "keys", "rotate")
    assert_clean_failure(result, f"note:{note_id}", "does not open with the configured key")
    assert "identity: " in result.output and "answer: " in result.output and "outbox" not in result.output
    with opened(rotating) as store:
        assert {v[2:6] for (v,) in store.vault.execute("SELECT text_enc FROM answer")} == {key_id(k2)}
        assert {v[2:6] for (v,) in store.vault.execute("SELECT content_enc FROM outbox")} == {key_id(k1)}
        store.vault.execute("UPDATE note SET text_enc = ? WHERE id = ?", [sealed, note_id])
    assert read_all(rotating, w) == before

    resumed = run(rotating, "keys", "rotate")
    assert resumed.exit_code == 0, resumed.output
    assert "identity: 0 values" in resumed.output and "answer: 0 values" in resumed.output
    assert "note: 1 value re-sealed" in resumed.output and "outbox: 2 values" in resumed.output
    assert set(sealed_key_ids(data_dir)) == {key_id(k2)}
    assert read_all(make_app(data_dir, k2), w) == before


def test_killed_mid_rotation_the_vault_stays_readable_and_a_rerun_finishes(data_dir, k1, k2):
    """SIGKILL at a random point of a real `symbiose keys rotate` process, then run it again."""
    app = make_app(data_dir, k1)
    w = populate(app)
    with opened(app) as store, transaction(store.vault):
        for i in range(20000):  # enough rows for the kill to land inside the rotation
            enqueue(store, key=f"bulk:{i}", kind="digest_actor", subject="Digest", text=f"texte {i} " * 20,
                    actor_id=w["actors"]["r1"], message_id=f"<bulk-{i}@symbiose.test>")
    before = read_all(app, w)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYMBIOSE_")}
    env.update(SYMBIOSE_DATA_DIR=str(data_dir), SYMBIOSE_VAULT_KEY=k2, SYMBIOSE_VAULT_OLD_KEYS=k1)
    proc = subprocess.Popen([sys.executable, "-m", "interview_bot.cli", "keys", "rotate"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    first = proc.stdout.readline()  # the first table is done: the kill lands in the outbox or later
    time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    assert "identity:" in first, first
    interrupted = sealed_key_ids(data_dir)
    # Killed inside the outbox's transaction: the tables before it are done, the rest untouched.
    assert interrupted[key_id(k2)] > 0 and interrupted[key_id(k1)] > 0 and len(interrupted) == 2
    assert read_all(make_app(data_dir, k2, k1), w) == before
    finish = run(make_app(data_dir, k2, k1), "keys", "rotate")
    assert finish.exit_code == 0, finish.output
    assert sealed_key_ids(data_dir) == {key_id(k2): sum(interrupted.values())}
    assert read_all(make_app(data_dir, k2), w) == before


def test_values_under_a_key_nobody_configured_stop_the_rotation_before_any_change(world, data_dir, k1, k2):
    app, w = world
    k0 = new_key()
    with opened(make_app(data_dir, k0, k1)) as store:  # a process that was given another key
        save_answer(store, w["actors"]["r2"], "offers", "du fumier")
    state = db_state(data_dir)
    result = run(make_app(data_dir, k2, k1), "keys", "rotate")
    assert_clean_failure(result, "1 vault value(s) in answer are sealed with a key that is neither SYMBIOSE_VAULT_KEY",
                         "nothing was changed")
    assert db_state(data_dir) == state


def test_a_new_key_without_the_old_one_is_a_clear_error(world, data_dir, k2):
    result = run(make_app(data_dir, k2), "keys", "rotate")
    assert_clean_failure(result, "does not open this vault", "SYMBIOSE_VAULT_OLD_KEYS")


def test_wrong_key_is_one_clear_line_for_every_command(world, data_dir, tmp_path):
    app, _ = world
    wrong = make_app(data_dir, new_key())
    (tmp_path / "t.jsonl").write_text(IMPORT_FILE)
    for args in (["keys", "rotate"], ["backup", str(tmp_path / "bk")], ["init"],
                 ["territory", "import", str(tmp_path / "t.jsonl"), "--territory", SLUG],
                 ["invite", "--territory", SLUG, "--email", "x@example.org", "--no-email"],
                 ["digest", "send"], ["restore", str(tmp_path / "bk"), "--force"]):
        result = run(wrong, *args)
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit), (args, result.output)
        assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1, (args, result.output)
    assert not (tmp_path / "bk").exists()


def test_missing_or_malformed_keys_are_named_without_being_shown(data_dir, tmp_path, k1):
    make_app(data_dir, k1)  # creates nothing but the dev secret
    base = {"SYMBIOSE_DATA_DIR": str(data_dir), "SYMBIOSE_ENV": "production", "SYMBIOSE_SECRET_KEY": "s" * 48,
            "SYMBIOSE_VAULT_OLD_KEYS": None}
    missing = run_env({**base, "SYMBIOSE_VAULT_KEY": None}, "init")
    assert missing.exit_code == 1 and "Production needs SYMBIOSE_VAULT_KEY" in missing.output
    bad = k1[:-6] + "!!!!!="
    malformed = run_env({**base, "SYMBIOSE_VAULT_KEY": bad}, "init")
    assert malformed.exit_code == 1 and "SYMBIOSE_VAULT_KEY is malformed: expected 32 random bytes" in malformed.output
    assert bad not in malformed.output
    old = run_env({**base, "SYMBIOSE_VAULT_KEY": k1, "SYMBIOSE_VAULT_OLD_KEYS": f"{k1} short"}, "init")
    assert old.exit_code == 1 and "SYMBIOSE_VAULT_OLD_KEYS: key number 2 is malformed" in old.output
    for result in (missing, malformed, old):
        assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    # Development: a vault whose key file was lost is not silently given a new key.
    dev = {"SYMBIOSE_DATA_DIR": str(data_dir), "SYMBIOSE_ENV": None, "SYMBIOSE_VAULT_KEY": None}
    assert run_env(dev, "init").exit_code == 0
    (data_dir / "vault.key").unlink()
    lost = run_env(dev, "init")
    assert lost.exit_code == 1 and "vault.db exists but its key does not" in lost.output
    assert not (data_dir / "vault.key").exists()


def test_the_web_service_refuses_to_start_with_a_wrong_key(world, data_dir):
    """gunicorn as the Procfile runs it: one line on stderr, exit status 1, no worker started."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYMBIOSE_")}
    env.update(SYMBIOSE_DATA_DIR=str(data_dir), SYMBIOSE_ENV="production", SYMBIOSE_SECRET_KEY="s" * 48,
               SYMBIOSE_VAULT_KEY=new_key())
    result = subprocess.run([sys.executable, "-m", "gunicorn", "--config", "python:interview_bot.gunicorn_conf",
                             "--bind", "127.0.0.1:0", "interview_bot:create_app()"],
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "symbiose: cannot start: The configured vault key does not open this vault" in result.stderr
    assert "Traceback" not in result.stderr and "Booting worker" not in result.stderr


def test_a_wrong_key_at_request_time_is_a_503_page_without_details(world, data_dir):
    client = make_app(data_dir, new_key()).test_client()
    with client:
        page = client.get("/login")
        assert page.status_code == 200  # pages that need no vault still work
    app = make_app(data_dir, new_key())
    _, w = world
    with app.test_request_context():
        token = make_token(w["actors"]["r1"], "interview")
    response = app.test_client().get(f"/a/{token}", follow_redirects=True)
    assert response.status_code == 503
    assert "does not open" not in response.get_data(as_text=True)


def test_the_data_layer_refuses_a_wrong_key(world, data_dir):
    with pytest.raises(VaultLocked, match="does not open this vault"):
        Store.open(data_dir, Keyring.from_text(new_key()))
