"""Every setting, declared once with its default and what it is for.

Read from the environment with the `SYMBIOSE_` prefix (e.g. `SYMBIOSE_DATA_DIR`),
then overridden by the `config` mapping given to `create_app` (tests).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from flask import Flask

from data import ConfigurationError, Keyring, generate_key
from data.crypto import parse_key

SETTINGS: dict[str, tuple[object, str]] = {
    "ENV": ("development", "development or production; production refuses generated or default secrets"),
    "DATA_DIR": ("instance", "folder holding public.db and vault.db (and, in development only, the generated keys)"),
    "SECRET_KEY": (None, "signs sessions, CSRF tokens and actor links; required in production"),
    "VAULT_KEY": (None, "32-byte URL-safe base64 key sealing the vault; required in production, never stored in a database"),
    "VAULT_OLD_KEYS": ("", "previous vault keys (space separated) still accepted during a key rotation"),
    "BASE_URL": ("http://127.0.0.1:8000", "public address of the service, used in links sent by email"),
    "LINK_MAX_AGE_DAYS": (30, "how long an actor's personal link stays valid"),
    "DEFAULT_LOCALE": ("fr", "language of pages and emails when the person has not chosen one"),
    "RATELIMIT_STORAGE_URI": ("memory://", "where rate-limit counters live (e.g. redis://… when several workers serve)"),
    "WORKERS": (2, "gunicorn worker processes for `symbiose serve`"),
}

UNSAFE_SECRETS = {"", "dev", "development", "secret", "changeme", "change-me", "change me", "default", "symbiose", "test"}
MIN_SECRET_LENGTH = 32


def load_settings(app: Flask, config: dict | None) -> None:
    for name, (default, _help) in SETTINGS.items():
        app.config.setdefault(name, default)
    app.config.from_prefixed_env("SYMBIOSE", loads=str)
    if config:
        app.config.update(config)
    app.config["DATA_DIR"] = str(Path(app.config["DATA_DIR"]).expanduser().resolve())
    env = str(app.config["ENV"]).lower()
    if env not in ("development", "production"):
        raise ConfigurationError(f"SYMBIOSE_ENV must be 'development' or 'production', not {env!r}.")
    app.config["ENV"] = env
    if env == "production":
        _require_production_secrets(app)
    else:
        _development_secrets(app)
    app.config["KEYRING"] = Keyring.from_text(str(app.config["VAULT_KEY"]), str(app.config["VAULT_OLD_KEYS"] or ""))


def _require_production_secrets(app: Flask) -> None:
    secret = app.config.get("SECRET_KEY")
    if secret is None or str(secret).strip().lower() in UNSAFE_SECRETS or len(str(secret)) < MIN_SECRET_LENGTH:
        raise ConfigurationError(
            "Production needs a real SYMBIOSE_SECRET_KEY: a random string of at least "
            f"{MIN_SECRET_LENGTH} characters (e.g. `python -c \"import secrets; print(secrets.token_urlsafe(48))\"`)."
        )
    vault_key = app.config.get("VAULT_KEY")
    if not vault_key:
        raise ConfigurationError(
            "Production needs SYMBIOSE_VAULT_KEY, the key that seals the vault. "
            "Generate one with `symbiose keys generate` and keep it outside the data folder and its backups."
        )
    parse_key(str(vault_key))


def _development_secrets(app: Flask) -> None:
    """Generate missing keys into the data folder, once, and say so."""
    data_dir = Path(app.config["DATA_DIR"])
    for name, filename, make in (
        ("SECRET_KEY", "secret_key", lambda: generate_key()),
        ("VAULT_KEY", "vault.key", generate_key),
    ):
        if app.config.get(name):
            continue
        path = data_dir / filename
        if not path.exists():
            data_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(make())
            print(
                f"symbiose: development mode: generated {name.lower().replace('_', ' ')} into {path} "
                "(production requires SYMBIOSE_" + name + ")",
                file=sys.stderr,
            )
        app.config[name] = path.read_text().strip()
