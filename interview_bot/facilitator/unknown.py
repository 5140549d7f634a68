"""Unrecognised answers: pick the taxonomy node, keep the phrase as a synonym, or propose a new node."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from data.db import transaction
from data.directory import answer_text, unknown_resources
from data.store import now

from ..db import get_store
from ..matching import refresh_actor
from .blueprint import bp, taxonomy, territory_or_404, who
from .queue import lang


def _resource_or_404(territory: dict, resource_id: str) -> dict:
    rows = [r for r in unknown_resources(get_store(), territory["id"]) if r["id"] == resource_id]
    if not rows:
        abort(404)
    return rows[0]


@bp.get("/t/<slug>/unrecognised")
@login_required
def unrecognised(slug: str):
    territory = territory_or_404(slug)
    store = get_store()
    items = unknown_resources(store, territory["id"])
    texts = {}
    for item in items:  # the raw answer gives the context; each read is audited
        if item["answer_id"] and item["answer_id"] not in texts:
            texts[item["answer_id"]] = answer_text(store, item["answer_id"], who=who(), user_id=current_user.id)
    tax = taxonomy(store)
    language = lang()
    nodes = sorted(((n.id, n.label(language)) for n in tax if not n.deprecated), key=lambda x: x[0])
    pending = list(store.public["node_proposal"].rows_where("territory_id = ?", [territory["id"]], order_by="id DESC"))
    return render_template("facilitator/unrecognised.html", territory=territory, items=items, texts=texts,
                           nodes=nodes, pending=pending)


@bp.post("/t/<slug>/unrecognised/<resource_id>/assign")
@login_required
def assign_node(slug: str, resource_id: str):
    """Give the resource a node; optionally keep its phrase as a synonym for every later answer."""
    territory = territory_or_404(slug)
    store = get_store()
    item = _resource_or_404(territory, resource_id)
    node_id = (request.form.get("node_id") or "").strip().split(" ")[0]
    tax = taxonomy(store)
    if node_id not in tax:
        flash(_("Unknown taxonomy node %(node)s: pick one from the list.", node=node_id), "error")
        return redirect(url_for("facilitator.unrecognised", slug=slug))
    with transaction(store.public):
        store.public["resource"].update(resource_id, {"node_id": node_id, "status": "confirmed", "confidence": 1.0,
                                                      "updated_at": now()})
        phrase = (item["head"] or "").strip()
        if request.form.get("synonym") and phrase:
            store.public.execute(
                "INSERT OR IGNORE INTO synonym (node_id, lang, phrase, territory_id, created_by, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)", [node_id, item["lang"] or "fr", phrase, territory["id"], current_user.id, now()])
    refresh_actor(store, item["actor_id"])
    flash(_("“%(phrase)s” is now %(label)s; proposals updated.", phrase=item["head"],
            label=tax[node_id].label(lang())))
    return redirect(url_for("facilitator.unrecognised", slug=slug))


@bp.post("/t/<slug>/unrecognised/<resource_id>/propose")
@login_required
def propose_node(slug: str, resource_id: str):
    """Suggest a node the taxonomy lacks; the taxonomy maintainers review the suggestions."""
    territory = territory_or_404(slug)
    store = get_store()
    item = _resource_or_404(territory, resource_id)
    parent = (request.form.get("parent_id") or "").strip().split(" ")[0]
    label_fr = (request.form.get("label_fr") or "").strip()[:120]
    label_en = (request.form.get("label_en") or "").strip()[:120]
    if parent not in taxonomy(store) or not (label_fr or label_en):
        flash(_("A new node needs a parent from the taxonomy and a label."), "error")
        return redirect(url_for("facilitator.unrecognised", slug=slug))
    with transaction(store.public):
        store.public["node_proposal"].insert({
            "territory_id": territory["id"], "resource_id": resource_id, "parent_id": parent, "label_fr": label_fr,
            "label_en": label_en, "phrase": item["head"], "lang": item["lang"], "status": "open",
            "created_by": current_user.id, "created_at": now()})
    flash(_("New node suggested under %(parent)s; it is listed in the taxonomy export for review.", parent=parent))
    return redirect(url_for("facilitator.unrecognised", slug=slug))
