"""Every setting, declared once with its default and what it is for.

Read from the environment with the `SYMBIOSE_` prefix (e.g. `SYMBIOSE_DATA_DIR`),
then overridden by the `config` mapping given to `create_app` (tests).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from flask import Flask

from data import ConfigurationError, Keyring, VaultLocked, generate_key
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
    "REMINDER_AGE_DAYS": (365, "the yearly reminder invites actors whose answers are older than this many days to update them"),
    "INTERVIEW_RETENTION_DAYS": (180, "an unfinished interview with no activity for this many days is erased "
                                      "(`symbiose purge`, also run nightly by the clock); 0 = never; completed ones are kept"),
    # Email (interview_bot.mail) and nightly digests (interview_bot.digest)
    "SMTP_HOST": ("", "SMTP server that relays Symbiose's emails; empty = email not configured (messages wait in the outbox)"),
    "SMTP_PORT": (None, "SMTP port; default 25 (none), 587 (starttls) or 465 (tls)"),
    "SMTP_SECURITY": ("starttls", "none, starttls or tls (implicit TLS, usually port 465)"),
    "SMTP_USER": ("", "SMTP login; empty = no authentication"),
    "SMTP_PASSWORD": ("", "SMTP password"),
    "SMTP_TIMEOUT": (30, "seconds to wait for the SMTP server before a connection attempt counts as failed"),
    "SMTP_RETRIES": (4, "attempts per message when the server refuses or drops the connection"),
    "SMTP_BACKOFF": (2.0, "seconds before the first retry; doubled at each further retry"),
    "SMTP_CONNECTIONS": (4, "SMTP connections a digest run uses at once (check the relay's limits)"),
    "MAIL_FROM": ("Symbiose <noreply@symbiose.invalid>", "From address of every email, e.g. 'Symbiose <noreply@example.org>'"),
    "DIGEST_TIME": ("06:00", "local time (HH:MM) at which the clock process sends the nightly digests"),
    "DIGEST_TIMEZONE": ("Europe/Paris", "IANA time zone of DIGEST_TIME"),
    "DIGEST_REMINDER_DAYS": (7, "days between two reminders of an unfinished interview in an actor's digest"),
    "DIGEST_STALE_DAYS": (30, "a synergy that has not moved for this many days is flagged in the facilitator digest"),
}

KEY_FORMAT = "expected 32 random bytes in URL-safe base64 (44 characters, as printed by `symbiose keys generate`)"
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
    key_source = "SYMBIOSE_VAULT_KEY"
    if env == "production":
        _require_production_secrets(app)
    else:
        key_source = _development_secrets(app) or key_source
    app.config["KEYRING"] = _keyring(app, key_source)


def _keyring(app: Flask, where: str) -> Keyring:
    """The vault keys, with an error that names the setting at fault (and never shows a key)."""
    try:
        current = parse_key(str(app.config["VAULT_KEY"]))
    except VaultLocked:
        raise ConfigurationError(f"{where} is malformed: {KEY_FORMAT}.") from None
    previous = []
    for n, text in enumerate(str(app.config["VAULT_OLD_KEYS"] or "").replace(",", " ").split(), 1):
        try:
            previous.append(parse_key(text))
        except VaultLocked:
            raise ConfigurationError(f"SYMBIOSE_VAULT_OLD_KEYS: key number {n} is malformed: {KEY_FORMAT} "
                                     "each, separated by spaces.") from None
    return Keyring(current, tuple(previous))


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


def _development_secrets(app: Flask) -> str | None:
    """Generate missing keys into the data folder, once, and say so; return where the vault key comes from."""
    source = None
    data_dir = Path(app.config["DATA_DIR"])
    for name, filename, make in (
        ("SECRET_KEY", "secret_key", lambda: generate_key()),
        ("VAULT_KEY", "vault.key", generate_key),
    ):
        if app.config.get(name):
            continue
        path = data_dir / filename
        if name == "VAULT_KEY" and not path.exists() and (data_dir / "vault.db").exists():
            # A new key would not open the existing vault: say so instead of generating one.
            raise ConfigurationError(
                f"{data_dir / 'vault.db'} exists but its key does not: set SYMBIOSE_VAULT_KEY to the key it was "
                f"written with, or put that key in {path}."
            )
        if name == "VAULT_KEY":
            source = f"the vault key file {path}"
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
