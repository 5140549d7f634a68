"""Facilitator sign-in and sign-out, and the workspace's front door."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from data.territories import check_login, list_territories

from ..db import get_store
from ..web import User, limiter
from .blueprint import bp


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site (never `//host` or `https://…`) is followed after login."""
    # isprintable: a line break would make the Location header invalid (a 500, not a redirect).
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and target.isprintable()):
        return target
    return None


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute; 50 per hour", methods=["POST"])
def login():
    if request.method == "POST":
        row = check_login(get_store(), request.form.get("email", ""), request.form.get("password", ""))
        if row is None:
            flash(_("Unknown email address or wrong password."), "error")
            return render_template("facilitator/login.html", email=request.form.get("email", "")), 401
        lang = session.get("lang")
        session.clear()  # a new session at sign-in: nothing from before carries over
        if lang:
            session["lang"] = lang
        login_user(User.from_row(row))
        return redirect(_safe_next(request.form.get("next")) or url_for("facilitator.home"))
    if current_user.is_authenticated:
        return redirect(url_for("facilitator.home"))
    return render_template("facilitator/login.html", email="", next=_safe_next(request.args.get("next")))


@bp.post("/logout")
def logout():
    logout_user()
    session.clear()
    return redirect(url_for("facilitator.login"))


@bp.get("/facilitator")
@login_required
def home():
    """A facilitator goes straight to their territory; an administrator chooses one."""
    territories = list_territories(get_store())
    if not current_user.is_admin:
        mine = [t for t in territories if t["id"] == current_user.territory_id]
        if not mine:
            abort(404)
        return redirect(url_for("facilitator.dashboard", slug=mine[0]["slug"]))
    return render_template("facilitator/territories.html", territories=territories)
