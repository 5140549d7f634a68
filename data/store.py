"""The Store: the one owner of both databases and of the vault key.

`public.db` holds what the matcher may read (pseudonymous actors, coarse
location and sector, normalised resources, proposals, decisions, users).
`vault.db` holds identities, raw answers and exact figures, each field sealed
with the vault key (data.crypto). The two are linked only by the random actor id.
"""
from __future__ import annotations

import errno
import secrets
import shutil
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

from .crypto import Keyring
from .db import connect, transaction
from .errors import SymbioseError, VaultLocked
from .migrations import PUBLIC_MIGRATIONS, VAULT_MIGRATIONS, migrate

PUBLIC_DB = "public.db"
VAULT_DB = "vault.db"


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def new_id(prefix: str) -> str:
    """A random identifier that carries no information (e.g. the actor pseudonym)."""
    return f"{prefix}_{secrets.token_hex(8)}"


class Store:
    """Both partitions of one installation.

    `keyring` may be None for processes that only read the public partition
    (the matcher): any vault access then raises VaultLocked.
    """

    def __init__(self, data_dir: str | Path, keyring: Keyring | None = None, *, open_vault: bool = True):
        self.data_dir = Path(data_dir)
        self.keyring = keyring
        self.public: sqlite_utils.Database = connect(self.data_dir / PUBLIC_DB)
        self._vault: sqlite_utils.Database | None = None
        if open_vault and keyring is not None:
            self._vault = connect(self.data_dir / VAULT_DB)

    # -- lifecycle -------------------------------------------------------

    @classmethod
    def open(cls, data_dir: str | Path, keyring: Keyring | None = None, *, create: bool = False) -> Store:
        """Open the databases in `data_dir`, creating and migrating them when `create`."""
        path = Path(data_dir)
        if create:
            path.mkdir(parents=True, exist_ok=True)
        elif not (path / PUBLIC_DB).exists():
            raise SymbioseError(f"No Symbiose databases in {path}. Run `symbiose init` first.")
        store = cls(path, keyring)
        if create:
            store.migrate()
        if store._vault is not None and keyring is not None:
            store._check_key()
        return store

    def migrate(self) -> None:
        migrate(self.public, PUBLIC_MIGRATIONS)
        if self._vault is not None:
            migrate(self.vault, VAULT_MIGRATIONS)
            self._check_key()

    def _check_key(self) -> None:
        """Seal a probe at vault creation; afterwards the probe proves the key is right."""
        assert self.keyring is not None
        if "vault_meta" not in self.vault.table_names():
            return
        row = self.vault.execute("SELECT value FROM vault_meta WHERE key = 'probe'").fetchone()
        if row is None:
            with transaction(self.vault):
                self.vault.execute(
                    "INSERT OR IGNORE INTO vault_meta (key, value) VALUES ('probe', ?)",
                    [self.keyring.seal("symbiose", "vault.probe")],
                )
            return
        try:
            self.keyring.check(row[0])
        except VaultLocked:
            raise VaultLocked(
                f"The configured vault key does not open this vault ({self.data_dir / VAULT_DB}): it was "
                "written with another key. Check SYMBIOSE_VAULT_KEY (or the vault.key file in development); during a key "
                "rotation the previous key goes in SYMBIOSE_VAULT_OLD_KEYS."
            ) from None

    def close(self) -> None:
        self.public.close()
        if self._vault is not None:
            self._vault.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- access ----------------------------------------------------------

    @property
    def vault(self) -> sqlite_utils.Database:
        if self._vault is None:
            raise VaultLocked("This process has no access to the vault (no vault key configured).")
        return self._vault

    @property
    def has_vault(self) -> bool:
        return self._vault is not None

    def seal(self, value: str | None, context: str) -> bytes | None:
        if self.keyring is None:
            raise VaultLocked("No vault key configured.")
        return self.keyring.seal(value, context)

    def unseal(self, sealed: bytes | None, context: str) -> str | None:
        if self.keyring is None:
            raise VaultLocked("No vault key configured.")
        return self.keyring.open(sealed, context)

    def audit(self, action: str, actor_id: str | None, record: str, *, who: str, user_id: int | None = None) -> None:
        """Record a read (or export, or deletion) of vault data."""
        with transaction(self.vault):
            self.vault["audit"].insert(
                {"at": now(), "user_id": user_id, "who": who, "action": action, "actor_id": actor_id, "record": record}
            )

    # -- backup ----------------------------------------------------------

    def backup(self, dest: str | Path) -> list[Path]:
        """Copy both databases with SQLite's online backup API into the folder `dest`.

        Safe while the service runs: each copy is a consistent snapshot. Both copies
        are written under temporary names and renamed only when both are complete, so
        `dest` never holds half a backup. On failure (e.g. disk full) raises
        SymbioseError with a clear message and removes every file it wrote; the live
        databases are only read.
        """
        dest = Path(dest)
        try:
            dest.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SymbioseError(f"Cannot create the backup folder {dest}: {exc.strerror or exc}.") from None
        sources = [(PUBLIC_DB, self.public)] + ([(VAULT_DB, self.vault)] if self.has_vault else [])
        partials = [(dest / (name + ".partial"), dest / name) for name, _db in sources]
        current = ""
        try:
            for (name, db), (partial, _target) in zip(sources, partials):
                current = name
                _remove_database_files(partial)
                out = sqlite3.connect(str(partial))
                try:
                    db.conn.backup(out)
                    # The copy is self-contained: no -wal beside it, readable as a single file.
                    out.execute("PRAGMA journal_mode = DELETE")
                finally:
                    out.close()
            for partial, target in partials:
                _remove_database_files(target, keep_main=True)
                partial.replace(target)
        except (sqlite3.Error, OSError) as exc:
            for partial, _target in partials:
                _remove_database_files(partial)
            raise SymbioseError(_backup_failure(current, dest, exc)) from None
        return [target for _partial, target in partials]


def _remove_database_files(path: Path, *, keep_main: bool = False) -> None:
    """Remove a database file and the journal files SQLite may have left beside it."""
    for suffix in ("-journal", "-wal", "-shm") + (() if keep_main else ("",)):
        Path(str(path) + suffix).unlink(missing_ok=True)


def _backup_failure(name: str, dest: Path, exc: BaseException) -> str:
    full = isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
    full = full or getattr(exc, "sqlite_errorname", "") == "SQLITE_FULL" or "disk is full" in str(exc)
    if getattr(exc, "sqlite_errorname", "") == "SQLITE_IOERR_WRITE":
        # What SQLite reports for EFBIG (a file-size limit) or EDQUOT (a quota): no more room either way.
        return (f"Backup failed: writing {name} to {dest} was refused (a quota or file-size limit, or a failing "
                "disk). Nothing was kept there and the live databases are untouched; check the space there or "
                "choose another DEST.")
    if full:
        try:
            free = f" ({shutil.disk_usage(dest).free // 1024} KB free there)"
        except OSError:
            free = ""
        return (f"Backup failed: {dest} is full{free} while copying {name}. "
                "Nothing was kept there and the live databases are untouched; free some space or choose another DEST.")
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return f"Backup of {name or 'the databases'} to {dest} failed: {reason}. Nothing was kept there; the live databases are untouched."
