"""Applying numbered schema migrations.

Each migration is a function `mNNN_name(db)`; `migrate(db, MIGRATIONS)` applies the
ones not yet recorded in `_migrations`, each in its own `BEGIN IMMEDIATE`
transaction, so two processes starting at once apply each migration exactly once.
Never edit a migration that has shipped: add a new one.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

import sqlite_utils

from ..db import transaction

Migration = Callable[[sqlite_utils.Database], None]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def migrate(db: sqlite_utils.Database, migrations: list[Migration]) -> list[str]:
    """Apply pending migrations in order; return the names applied now."""
    if "_migrations" not in db.table_names():
        with transaction(db):
            db.execute(
                "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
    applied_now = []
    for migration in migrations:
        name = migration.__name__
        with transaction(db):
            done = db.execute("SELECT 1 FROM _migrations WHERE name = ?", [name]).fetchone()
            if done:
                continue
            migration(db)
            db.execute("INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", [name, _now()])
        applied_now.append(name)
    return applied_now
