"""The facilitator blueprint object and the helpers every facilitator page uses.

Access rule, in one place: a facilitator sees their own territory only, an
administrator every territory; anything else is a 404 (never a 403 that would
confirm the territory exists).
"""
from __future__ import annotations

from functools import lru_cache

from flask import Blueprint, abort, current_app, url_for
from werkzeug.routing import BuildError
from flask_babel import get_locale
from flask_login import current_user

from data import Store, UnknownTerritory
from data.taxonomy import Taxonomy, load_taxonomy
from data.territories import get_territory
from matcher.wording import UNITS

from ..db import get_store
from ..ingest import extra_synonyms
from ..matching import territory_actors

bp = Blueprint("facilitator", __name__)


@bp.context_processor
def navigation() -> dict:
    return {"digest_url": digest_url, "unit_name": unit_name}


@bp.app_template_filter("plain_number")
def plain_number(value: float | None) -> str:
    """12.0 → "12", 12.5 → "12.5", None → "" (figures typed by people, shown back as they would write them)."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:.10g}"


def unit_name(unit: str | None) -> str:
    """A canonical unit ("t/yr") as people read it in the page's language ("t/an")."""
    return UNITS["en" if str(get_locale() or "fr") == "en" else "fr"].get(unit or "", unit or "")


def digest_url(slug: str) -> str | None:
    """The digest engineer's preview page, when that blueprint is installed."""
    if "digest.preview" not in current_app.view_functions:
        return None
    for values in ({"slug": slug}, {}):
        try:
            return url_for("digest.preview", **values)
        except BuildError:
            continue
    return None


def territory_or_404(slug: str) -> dict:
    """The territory named `slug` if the signed-in user may see it, else a 404."""
    try:
        territory = get_territory(get_store(), slug)
    except UnknownTerritory:
        abort(404)
    if not current_user.is_authenticated or not current_user.may_see(territory["id"]):
        abort(404)
    return territory


def who() -> str:
    """How the signed-in user is named in the audit log."""
    return f"user:{current_user.id}"


def taxonomy(store: Store | None = None) -> Taxonomy:
    """The taxonomy with the synonyms facilitators confirmed."""
    return _with_synonyms(extra_synonyms(store or get_store()))


@lru_cache(maxsize=8)
def _with_synonyms(extra: tuple[tuple[str, str, str], ...]) -> Taxonomy:
    return load_taxonomy().with_synonyms(extra) if extra else load_taxonomy()


def actor_facts(territory_id: int) -> dict:
    return {a.id: a for a in territory_actors(get_store(), territory_id)}


def node_label(tax: Taxonomy, node_id: str | None, lang: str) -> str:
    node = tax.get(node_id)
    return node.label(lang) if node else (node_id or "?")


def category_of(node_id: str | None) -> str:
    """The two top levels of a node id ("material.organic"), the queue's resource category."""
    return ".".join((node_id or "").split(".")[:2])
