"""Cross-cutting web machinery: CSRF, languages, facilitator login, rate limits, security headers.

Every blueprint relies on these being in place:

- `csrf` (Flask-WTF): every POST/PUT/PATCH/DELETE needs the form's `csrf_token`.
- `babel` (Flask-Babel): the locale is, in order, an explicit `?lang=` choice kept
  in the session, the signed-in actor's language, the browser's preference among
  fr/en, then SYMBIOSE_DEFAULT_LOCALE.
- `login_manager` (Flask-Login): facilitators and administrators (`User`). Actors
  never log in with a password: their personal link puts `actor_id` in the session.
- `limiter` (Flask-Limiter): in-memory by default, SYMBIOSE_RATELIMIT_STORAGE_URI in
  production with several workers.
- security headers: a Content-Security-Policy without inline scripts or styles,
  no framing, no sniffing, no referrer leaking personal links to other sites.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, request, session
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, UserMixin
from flask_wtf.csrf import CSRFProtect

LOCALES = ("fr", "en")
TRANSLATION_AREAS = ("common", "interview", "facilitator", "digest")

csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)


@dataclass
class User(UserMixin):
    """A facilitator (bound to one territory) or an administrator."""

    id: int
    email: str
    role: str
    territory_id: int | None

    def get_id(self) -> str:
        return str(self.id)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def may_see(self, territory_id: int) -> bool:
        return self.is_admin or self.territory_id == territory_id

    @classmethod
    def from_row(cls, row: dict) -> User:
        return cls(id=row["id"], email=row["email"], role=row["role"], territory_id=row["territory_id"])


def select_locale() -> str:
    chosen = session.get("lang")
    if chosen in LOCALES:
        return chosen
    actor_lang = session.get("actor_lang")
    if actor_lang in LOCALES:
        return actor_lang
    from flask import current_app  # noqa: PLC0415

    default = current_app.config.get("DEFAULT_LOCALE", "fr")
    return request.accept_languages.best_match(LOCALES, default=default) if request else default


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", app.config.get("DEFAULT_LOCALE", "fr"))
    # One catalogue per area (merged by Flask-Babel): translations/<area>/<lang>/LC_MESSAGES/messages.po
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", ";".join(f"translations/{area}" for area in TRANSLATION_AREAS))
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the token lives as long as the session
    # Flask's own defaults (SameSite None, Secure False) are already in app.config, so setdefault
    # would keep them: these are set unless a test or deployment chose a value.
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    if app.config.get("SESSION_COOKIE_SAMESITE") is None:
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if app.config.get("ENV") == "production":
        app.config["SESSION_COOKIE_SECURE"] = True
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("REMEMBER_COOKIE_SECURE", app.config.get("ENV") == "production")
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # Explicit, because Flask-Limiter keeps the last app's choice on the shared `limiter` otherwise.
    app.config.setdefault("RATELIMIT_ENABLED", True)
    # No form or upload of ours comes near 2 MB (the invitation CSV is capped at 1 MB); without a
    # cap, a multipart body of any size would be spooled to disk before the CSRF check refuses it.
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # Flask's default is None: no cap at all
        app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024

    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    login_manager.login_view = "facilitator.login"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        from .db import get_store  # noqa: PLC0415

        try:
            row = get_store().public["user"].get(int(user_id))
        except Exception:  # noqa: BLE001 - unknown or malformed id: not signed in
            return None
        return User.from_row(row)

    @app.before_request
    def remember_language_choice() -> None:
        lang = request.args.get("lang")
        if lang in LOCALES:
            session["lang"] = lang

    @app.context_processor
    def language_context() -> dict:
        from flask_babel import get_locale  # noqa: PLC0415

        return {"current_lang": str(get_locale() or "fr"), "locales": LOCALES}

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        # same-origin, not no-referrer: personal links still never leave the site in a Referer, and
        # Flask-WTF's HTTPS check, which refuses a form posted without a same-site Referer, can pass.
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config.get("ENV") == "production":
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.endpoint != "static":  # error pages too: they may show a flashed message
            headers.setdefault("Cache-Control", "no-store")
        return response
