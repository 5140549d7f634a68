"""Domain errors become clear pages, never a 500 with a stack trace."""
from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from data import SymbioseError, UnknownActor, UnknownTerritory, VaultLocked


def init_app(app: Flask) -> None:
    @app.errorhandler(UnknownTerritory)
    @app.errorhandler(UnknownActor)
    def not_found(exc: SymbioseError):
        return render_template("error.html", title=_("Not found"), message=str(exc)), 404

    @app.errorhandler(VaultLocked)
    def vault_locked(exc: VaultLocked):
        app.logger.error("vault locked: %s", exc)
        return render_template(
            "error.html", title=_("Service unavailable"),
            message=_("The confidential data store cannot be opened. The administrator has been told."),
        ), 503

    @app.errorhandler(SymbioseError)
    def domain_error(exc: SymbioseError):
        return render_template("error.html", title=_("Request refused"), message=str(exc)), 400

    @app.errorhandler(CSRFError)
    def form_expired(_exc: CSRFError):
        return render_template(
            "error.html", title=_("This form has expired"),
            message=_("The page was open too long or was sent from elsewhere. Nothing was saved from it: "
                      "go back, reload the page and send it again."),
        ), 400

    @app.errorhandler(429)
    def too_many(_exc):
        return render_template("error.html", title=_("Too many requests"),
                               message=_("You have asked too often. Please wait a while and try again.")), 429

    @app.errorhandler(404)
    def page_not_found(_exc):
        return render_template("error.html", title=_("Not found"), message=_("This page does not exist.")), 404

    @app.errorhandler(405)
    def wrong_method(exc):
        headers = {"Allow": ", ".join(exc.valid_methods)} if getattr(exc, "valid_methods", None) else {}
        return render_template("error.html", title=_("Not possible from here"),
                               message=_("This address only answers the form of its own page. Nothing was saved: "
                                         "open the page and use its button.")), 405, headers

    @app.errorhandler(413)
    def too_large(_exc):
        return render_template("error.html", title=_("Too large"),
                               message=_("What you sent is too large, so nothing was saved. Shorten the text or "
                                         "send a smaller file.")), 413
