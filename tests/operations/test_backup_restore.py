"""`symbiose backup` and `symbiose restore`: a round trip, refusals that change nothing, and a disk that fills up."""
from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3

import pytest
from ops_support import (
    assert_clean_failure, can_mount, db_state, digest, file_size_limit, fill, make_app, new_key, opened, populate,
    read_all, run, tmpfs,
)

from data.actors import delete_actor
from data.answers import list_answers, save_answer
from data.db import transaction
from data.decisions import comment
from data.outbox import enqueue

DATABASES = ("public.db", "vault.db")


def _change_everything(app, w) -> None:
    with opened(app) as store:
        offer = next(a for a in list_answers(store, w["actors"]["r1"], who="test") if a.topic == "offers")
        save_answer(store, w["actors"]["r1"], "offers", "plus de lactosérum du tout", answer_id=offer.id)
        comment(store, w["proposal"], None, "note écrite après la sauvegarde")
        delete_actor(store, w["actors"]["invited"], who="test")


def _leftovers(data_dir) -> list[str]:
    return sorted(p.name for p in data_dir.iterdir() if p.name.startswith((".restore-", "before-restore-")))


def test_backup_change_restore_finds_the_original_data(world, data_dir, k1, tmp_path):
    app, w = world
    before = read_all(app, w)
    backup = run(app, "backup", str(tmp_path / "bk"))
    assert backup.exit_code == 0, backup.output
    assert sorted(p.name for p in (tmp_path / "bk").iterdir()) == ["public.db", "vault.db"]  # no -wal, no .partial
    _change_everything(app, w)
    changed = db_state(data_dir)

    refused = run(app, "restore", str(tmp_path / "bk"))
    assert_clean_failure(refused, "already holds databases (2 actors)", "--force", "Nothing was changed")
    assert db_state(data_dir) == changed and _leftovers(data_dir) == []

    result = run(app, "restore", str(tmp_path / "bk"), "--force")
    assert result.exit_code == 0, result.output
    assert "integrity ok, the vault key opens all" in result.output and "Restored 3 actors" in result.output
    assert read_all(app, w) == before  # the deleted actor, the old answer and notes are back, readable with the key
    [aside] = _leftovers(data_dir)
    assert aside.startswith("before-restore-") and f"kept in {data_dir / aside}" in result.output
    # The replaced databases were kept, complete: they still hold the changes.
    kept = make_app(data_dir / aside, k1)
    with opened(kept) as store:
        texts = [a.text for a in list_answers(store, w["actors"]["r1"], who="test")]
        assert "plus de lactosérum du tout" in texts


def test_restore_on_a_new_machine_needs_only_the_backup_and_the_key(world, k1, tmp_path):
    app, w = world
    before = read_all(app, w)
    assert run(app, "backup", str(tmp_path / "bk")).exit_code == 0
    fresh = tmp_path / "new-machine"
    new_app = make_app(fresh, k1)
    result = run(new_app, "restore", str(tmp_path / "bk"))
    assert result.exit_code == 0, result.output
    assert "previous databases" not in result.output
    assert read_all(new_app, w) == before


def _scramble_table(path, table: str) -> None:
    """Overwrite the start of `table`'s root b-tree page with random bytes (a bad sector, a bad copy)."""
    with sqlite3.connect(path) as conn:
        page = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", [table]).fetchone()[0]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with open(path, "r+b") as fh:
        fh.seek((page - 1) * page_size)
        fh.write(os.urandom(64))


def test_restore_refuses_what_it_cannot_trust_and_changes_nothing(world, data_dir, k1, tmp_path):
    app, w = world
    assert run(app, "backup", str(tmp_path / "bk")).exit_code == 0
    _change_everything(app, w)
    state = db_state(data_dir)

    def refused(src, *phrases):
        assert_clean_failure(run(app, "restore", str(src), "--force"), *phrases)
        assert db_state(data_dir) == state and _leftovers(data_dir) == []

    half = shutil.copytree(tmp_path / "bk", tmp_path / "half")
    (half / "vault.db").unlink()
    refused(half, "is not a Symbiose backup: vault.db missing there")

    truncated = shutil.copytree(tmp_path / "bk", tmp_path / "truncated")
    with open(truncated / "vault.db", "r+b") as fh:
        fh.truncate((truncated / "vault.db").stat().st_size // 2)
    refused(truncated, f"{truncated / 'vault.db'}", "damaged")

    scrambled = shutil.copytree(tmp_path / "bk", tmp_path / "scrambled")
    _scramble_table(scrambled / "public.db", "resource")
    refused(scrambled, f"{scrambled / 'public.db'}", "damaged")

    not_sqlite = shutil.copytree(tmp_path / "bk", tmp_path / "not-sqlite")
    (not_sqlite / "public.db").write_bytes(b"these are not the databases you are looking for\n" * 100)
    refused(not_sqlite, "cannot be read as an SQLite database")

    tampered = shutil.copytree(tmp_path / "bk", tmp_path / "tampered")
    with sqlite3.connect(tampered / "vault.db") as conn:  # one answer altered: SQLite sees nothing wrong
        answer_id, sealed = conn.execute("SELECT id, text_enc FROM answer ORDER BY id").fetchone()
        conn.execute("UPDATE answer SET text_enc = ? WHERE id = ?", [sealed[:-1] + bytes([sealed[-1] ^ 1]), answer_id])
    conn.close()
    refused(tampered, "does not open entirely", f"A vault record (answer:{answer_id}) does not open")

    other_dir = tmp_path / "other-installation"
    other = make_app(other_dir, new_key())
    populate(other)
    assert run(other, "backup", str(tmp_path / "other-bk")).exit_code == 0
    refused(tmp_path / "other-bk", "The configured vault key does not open the backup", "SYMBIOSE_VAULT_KEY")

    with opened(app):  # the service is running: a connection is open on the live databases
        refused(tmp_path / "bk", "in use by another process", "stop the web service")


def _grow_vault(app, w, n: int = 150) -> None:
    """Make vault.db clearly larger than public.db (the backup copies public.db first)."""
    with opened(app) as store, transaction(store.vault):
        for i in range(n):
            enqueue(store, key=f"bulk:{i}", kind="digest_actor", subject="Digest", text=os.urandom(1500).hex(),
                    actor_id=w["actors"]["r1"], message_id=f"<bulk-{i}@symbiose.test>")


@pytest.mark.parametrize("disk", ["tmpfs", "file-size-limit"])
def test_a_full_disk_during_backup_is_a_clear_message_and_leaves_nothing_half_written(world, data_dir, tmp_path,
                                                                                      disk):
    """public.db fits, vault.db does not: the error says so, the partial copies are removed, an earlier
    backup in the same folder is intact and the live databases are untouched.

    `tmpfs` mounts a real small filesystem (needs root or CAP_SYS_ADMIN); `file-size-limit` (RLIMIT_FSIZE)
    needs no privilege, so CI always runs at least that one."""
    if disk == "tmpfs" and not can_mount():
        pytest.skip("mounting a tmpfs needs root or CAP_SYS_ADMIN; the file-size-limit case covers this")
    app, w = world
    dest = tmp_path / "dest"
    with tmpfs(dest, 4096) if disk == "tmpfs" else contextlib.nullcontext():
        assert run(app, "backup", str(dest)).exit_code == 0  # an earlier backup, smaller
        earlier = {name: digest(dest / name) for name in DATABASES}
        _grow_vault(app, w)
        probe = run(app, "backup", str(tmp_path / "probe"))
        sizes = {name: (tmp_path / "probe" / name).stat().st_size for name in DATABASES}
        assert probe.exit_code == 0 and sizes["vault.db"] > sizes["public.db"] * 2
        before = read_all(app, w)  # (reading writes to the audit log: before the live files are fingerprinted)
        live = {name: digest(data_dir / name) for name in DATABASES}
        room = sizes["public.db"] + (sizes["vault.db"] - sizes["public.db"]) // 2
        if disk == "tmpfs":
            fill(dest, leave=room)
            result = run(app, "backup", str(dest))
            (dest / "filler").unlink()
            message = assert_clean_failure(result, f"Backup failed: {dest} is full", "KB free there")
        else:
            with file_size_limit(room):
                result = run(app, "backup", str(dest))
            message = assert_clean_failure(result, f"Backup failed: writing vault.db to {dest} was refused")
        assert "Nothing was kept there and the live databases are untouched" in message
        assert sorted(p.name for p in dest.iterdir()) == sorted(DATABASES)  # no .partial, no -journal
        assert {name: digest(dest / name) for name in DATABASES} == earlier
        assert {name: digest(data_dir / name) for name in DATABASES} == live
        assert read_all(app, w) == before
        # Once there is room again, the same command works.
        again = run(app, "backup", str(dest))
        assert again.exit_code == 0, again.output
        with sqlite3.connect(dest / "vault.db") as conn:
            assert conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == 152
