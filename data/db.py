"""Opening SQLite databases the one way Symbiose does it.

Every connection uses WAL (readers never block the writer), a generous busy
timeout, and explicit `BEGIN IMMEDIATE` write transactions: a writer takes the
write lock up front instead of upgrading a read lock, so two gunicorn workers
writing at once wait for each other instead of failing with "database is locked".
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

BUSY_TIMEOUT_MS = 30_000  # how long a writer waits for another process's transaction


def connect(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) the SQLite file at `path`, configured for concurrent use."""
    conn = sqlite3.connect(
        str(path),
        timeout=BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,  # autocommit; transactions are explicit (see `transaction`)
        check_same_thread=False,
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    # Deleted rows are overwritten with zeros instead of lingering in free pages: an
    # erased actor's words must not be recoverable from the file (see `flush_deleted`).
    conn.execute("PRAGMA secure_delete = ON")
    return sqlite_utils.Database(conn)


def flush_deleted(db: sqlite_utils.Database) -> bool:
    """Write the WAL back into the database file and empty it, so erased content leaves the disk files.

    With `secure_delete` the zeroed pages first land in the WAL; until a checkpoint the
    database file (and the WAL's older frames) still hold the old bytes. Waits for
    readers up to the busy timeout; returns False if some frames could not be written
    back yet (they will be at the next checkpoint).
    """
    busy, _log, _done = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return busy == 0


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """A short write transaction: `BEGIN IMMEDIATE` … `COMMIT`, rolled back on error.

    Nested use joins the outer transaction.
    """
    conn = db.conn
    if conn.in_transaction:
        yield db
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        try:
            conn.execute("COMMIT")
        except BaseException:
            # A COMMIT that fails on a full disk may leave the transaction open (and the
            # write lock held) on this long-lived connection: end it.
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
