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
    return sqlite_utils.Database(conn)


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
        conn.execute("COMMIT")
