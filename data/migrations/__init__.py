"""Numbered schema migrations for the two databases (`public`, `vault`), applied by `runner.migrate`."""
from __future__ import annotations

from .public import PUBLIC_MIGRATIONS
from .runner import Migration, migrate
from .vault import VAULT_MIGRATIONS

__all__ = ["PUBLIC_MIGRATIONS", "VAULT_MIGRATIONS", "Migration", "migrate"]
