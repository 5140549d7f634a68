"""Putting a backup back (`symbiose restore SRC`): checked first, swapped in whole, the old files kept aside.

A backup folder (written by `Store.backup`) holds `public.db` and `vault.db`.
Restoring copies both into a staging folder inside the data folder, checks the
copies (`PRAGMA integrity_check`, and that the configured vault key opens every
sealed value), upgrades them to the current schema, and only then moves the
current databases aside into `before-restore-<time>/` and the checked copies in
their place. Any failure before the swap leaves the data folder as it was.
"""
from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .crypto import Keyring
from .errors import SymbioseError, VaultLocked
from .rotation import open_all
from .store import PUBLIC_DB, VAULT_DB, Store

DATABASES = (PUBLIC_DB, VAULT_DB)


class RestoreRefused(SymbioseError):
    """The backup cannot be restored, or the data folder may not be replaced; nothing was changed."""


@dataclass
class RestoreReport:
    data_dir: Path
    kept_aside: Path | None  # where the replaced databases are, if there were any
    actors: int
    sealed_values: int


def in_use(path: Path) -> bool:
    """True when another connection has the SQLite database at `path` open (the service is running)."""
    if not path.exists():
        return False
    conn = sqlite3.connect(str(path), timeout=0, isolation_level=None)
    try:
        # An exclusive lock cannot be had while any other connection has a WAL database open,
        # even an idle one.
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        conn.close()


def live_actors(data_dir: Path) -> int | None:
    """How many actors the data folder's public.db holds (None: no database there)."""
    path = data_dir / PUBLIC_DB
    if not path.exists():
        return None
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT count(*) FROM actor").fetchone()[0]
    except sqlite3.Error:
        return 0
    finally:
        conn.close()


def restore(src: str | Path, data_dir: str | Path, keyring: Keyring, *, force: bool = False) -> RestoreReport:
    """Replace the databases of `data_dir` by the backup in `src`; see the module docstring."""
    src, data_dir = Path(src), Path(data_dir)
    missing = [name for name in DATABASES if not (src / name).is_file()]
    if missing:
        raise RestoreRefused(f"{src} is not a Symbiose backup: {' and '.join(missing)} missing there "
                             "(expected the public.db and vault.db written by `symbiose backup`).")
    busy = [name for name in DATABASES if in_use(data_dir / name)]
    if busy:
        raise RestoreRefused(f"{', '.join(busy)} in {data_dir} is in use by another process: stop the web service "
                             "and the clock first. Nothing was changed.")
    present = [name for name in DATABASES if (data_dir / name).exists()]
    if present and not force:
        actors = live_actors(data_dir)
        raise RestoreRefused(f"{data_dir} already holds databases ({actors or 0} actors): restoring would replace "
                             "them. Run again with --force; they are then kept aside, not deleted. Nothing was changed.")
    data_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    staging = data_dir / f".restore-{stamp}"
    staging.mkdir()
    try:
        for name in DATABASES:
            _copy(src / name, staging / name)
        actors, sealed = _check(staging, keyring, src)
        aside = _swap(data_dir, staging, present, stamp)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return RestoreReport(data_dir, aside, actors, sealed)


def _copy(source: Path, target: Path) -> None:
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            out = sqlite3.connect(str(target))
            try:
                src.backup(out)
                out.execute("PRAGMA journal_mode = DELETE")
            finally:
                out.close()
        finally:
            src.close()
    except sqlite3.DatabaseError as exc:
        raise RestoreRefused(f"{source} cannot be read as an SQLite database ({exc}): the backup is damaged. "
                             "Nothing was changed.") from None
    except OSError as exc:
        raise RestoreRefused(f"Cannot copy {source} into {target.parent}: {exc.strerror or exc}. "
                             "Nothing was changed.") from None


def _check(staging: Path, keyring: Keyring, src: Path) -> tuple[int, int]:
    """Integrity of both copies, and that the key opens every sealed value; returns (actors, sealed values)."""
    for name in DATABASES:
        conn = sqlite3.connect(str(staging / name))
        try:
            problems = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
        except sqlite3.DatabaseError as exc:
            problems = [str(exc)]
        finally:
            conn.close()
        if problems != ["ok"]:
            raise RestoreRefused(f"{src / name} is damaged (integrity check: {'; '.join(problems[:3])}). "
                                 "Nothing was changed.")
    advice = ("Set SYMBIOSE_VAULT_KEY to the key in use when the backup was made (and SYMBIOSE_VAULT_OLD_KEYS to "
              "any older one). Nothing was changed.")
    try:
        try:
            store = Store.open(staging, keyring, create=True)
        except VaultLocked:
            raise RestoreRefused(f"The configured vault key does not open the backup in {src}. {advice}") from None
        with store:
            try:
                sealed = open_all(store, keyring)
            except VaultLocked as exc:
                raise RestoreRefused(f"The backup in {src} does not open entirely: {exc} {advice}") from None
            actors = store.public.execute("SELECT count(*) FROM actor").fetchone()[0]
    except sqlite3.Error as exc:
        raise RestoreRefused(f"The backup in {src} cannot be opened: {exc}. Nothing was changed.") from None
    return actors, sealed


def _swap(data_dir: Path, staging: Path, present: list[str], stamp: str) -> Path | None:
    """Move the current databases aside and the checked copies in; undo on failure."""
    aside = data_dir / f"before-restore-{stamp}" if present else None
    moved: list[tuple[Path, Path]] = []
    placed: list[Path] = []
    try:
        if aside is not None:
            aside.mkdir()
            for name in present:
                _checkpoint(data_dir / name)
                for suffix in ("", "-wal", "-shm"):
                    live = data_dir / (name + suffix)
                    if live.exists():
                        live.replace(aside / live.name)
                        moved.append((aside / live.name, live))
        for name in DATABASES:
            (staging / name).replace(data_dir / name)
            placed.append(data_dir / name)
    except (OSError, sqlite3.Error) as exc:
        for path in placed:
            path.unlink(missing_ok=True)
        for kept, live in reversed(moved):
            kept.replace(live)
        raise RestoreRefused(f"Could not put the backup in place in {data_dir}: {exc}. "
                             "The previous databases were left (or put back) where they were.") from None
    return aside


def _checkpoint(path: Path) -> None:
    """Write the WAL into the database file so that the file kept aside is complete by itself."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
