"""Territories and the people who run them (facilitators, administrators)."""
from __future__ import annotations

import re

from werkzeug.security import check_password_hash, generate_password_hash

from .db import transaction
from .errors import SymbioseError, UnknownTerritory
from .store import Store, now

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
ROLES = ("facilitator", "admin")


def create_territory(store: Store, slug: str, name: str | None = None) -> dict:
    """Create a territory, or return it unchanged if the slug exists."""
    if not SLUG_RE.match(slug):
        raise SymbioseError(
            f"Invalid territory slug {slug!r}: use lowercase letters, digits and hyphens (e.g. loire-nievre)."
        )
    with transaction(store.public):
        store.public.execute(
            "INSERT OR IGNORE INTO territory (slug, name, created_at) VALUES (?, ?, ?)",
            [slug, name or slug.replace("-", " ").title(), now()],
        )
    return get_territory(store, slug)


def get_territory(store: Store, slug: str) -> dict:
    rows = list(store.public["territory"].rows_where("slug = ?", [slug]))
    if not rows:
        raise UnknownTerritory(slug)
    return rows[0]


def list_territories(store: Store) -> list[dict]:
    return list(store.public["territory"].rows_where(order_by="slug"))


def create_user(store: Store, email: str, password: str, role: str, territory_slug: str | None) -> dict:
    """Create a facilitator (bound to one territory) or an administrator."""
    email = email.strip().lower()
    if role not in ROLES:
        raise SymbioseError(f"Unknown role {role!r}; expected one of: {', '.join(ROLES)}.")
    if "@" not in email:
        raise SymbioseError(f"{email!r} is not an email address.")
    if role == "facilitator" and not territory_slug:
        raise SymbioseError("A facilitator belongs to a territory: pass --territory SLUG.")
    territory_id = get_territory(store, territory_slug)["id"] if territory_slug else None
    if len(password) < 10:
        raise SymbioseError("Choose a password of at least 10 characters.")
    with transaction(store.public):
        if list(store.public["user"].rows_where("email = ?", [email])):
            raise SymbioseError(f"A user {email} already exists.")
        user_id = store.public["user"].insert(
            {
                "email": email,
                "password_hash": generate_password_hash(password),
                "role": role,
                "territory_id": territory_id,
                "created_at": now(),
            }
        ).last_pk
    return store.public["user"].get(user_id)


def check_login(store: Store, email: str, password: str) -> dict | None:
    rows = list(store.public["user"].rows_where("email = ?", [email.strip().lower()]))
    if rows and check_password_hash(rows[0]["password_hash"], password):
        return rows[0]
    return None
