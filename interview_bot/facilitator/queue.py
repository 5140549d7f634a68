"""The proposal queue: sorted and filtered list, detail with both sides, and the decisions."""
from __future__ import annotations

import json
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from data import SymbioseError
from data import decisions as dec
from data.actors import read_identity
from data.answers import list_resources
from data.proposals import load_proposal
from data.synergies import synergy_for
from matcher import explain
from matcher.sectors import describe

from ..db import get_store
from .blueprint import actor_facts, bp, category_of, node_label, taxonomy, territory_or_404, who
from .emails import send_introduction_request

STATUSES = ("open", "new", "snoozed", "accepted", "rejected", "withdrawn", "all")
KINDS = ("exchange", "sharing", "pooling")
SORTS = ("score", "distance", "recent")
PAGE = 50


def lang() -> str:
    return str(get_locale() or "fr")


def distance_km(row: dict) -> float | None:
    for part in json.loads(row["parts"] or "[]"):
        if part.get("name") == "distance":
            facts = part.get("facts") or {}
            return facts.get("km") if facts.get("known") else facts.get("spread_km")
    return None


def is_open(row: dict, today: str | None = None) -> bool:
    """New proposals, and snoozed ones whose pause is over."""
    today = today or date.today().isoformat()
    return row["status"] == "new" or (row["status"] == "snoozed" and (row.get("snoozed_until") or "") <= today)


def summarise(row: dict, tax, facts: dict, language: str) -> dict:
    p_parties = dec.parties(row)
    return {
        "row": row,
        "label": node_label(tax, row["node_id"], language),
        "category": category_of(row["node_id"]),
        "km": distance_km(row),
        "parties": [(a, facts[a].ref if a in facts else a) for a in p_parties],
    }


def filtered(rows: list[dict], args, tax, facts: dict, language: str) -> list[dict]:
    status = args.get("status", "open")
    kind, category, actor = args.get("kind", ""), args.get("category", ""), args.get("actor", "")
    try:
        max_km = float(args["max_km"]) if args.get("max_km") else None
    except ValueError:
        max_km = None
    out = []
    for row in rows:
        if status == "open" and not is_open(row):
            continue
        if status not in ("open", "all") and row["status"] != status:
            continue
        if kind and row["kind"] != kind:
            continue
        if category and category_of(row["node_id"]) != category and not (row["node_id"] or "").startswith(category + "."):
            continue
        if actor and actor not in dec.parties(row):
            continue
        if args.get("quick_win") and not row["quick_win"]:
            continue
        item = summarise(row, tax, facts, language)
        if max_km is not None and (item["km"] is None or item["km"] > max_km):
            continue
        out.append(item)
    sort = args.get("sort", "score")
    if sort == "distance":
        out.sort(key=lambda i: (i["km"] is None, i["km"] or 0.0, -i["row"]["score"]))
    elif sort == "recent":
        out.sort(key=lambda i: i["row"]["updated_at"] or "", reverse=True)
    return out


def proposal_or_404(territory: dict, proposal_id: str) -> dict:
    try:
        return dec.get_proposal(get_store(), proposal_id, territory["id"])
    except dec.UnknownProposal:
        abort(404)


@bp.get("/t/<slug>/queue")
@login_required
def queue(slug: str):
    territory = territory_or_404(slug)
    store = get_store()
    tax = taxonomy(store)
    facts = actor_facts(territory["id"])
    rows = list(store.public["proposal"].rows_where("territory_id = ?", [territory["id"]], order_by="score DESC, id"))
    items = filtered(rows, request.args, tax, facts, lang())
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    categories = sorted({category_of(r["node_id"]) for r in rows if r["node_id"]})
    return render_template(
        "facilitator/queue.html", territory=territory, items=items[(page - 1) * PAGE: page * PAGE], total=len(items),
        page=page, pages=max(1, -(-len(items) // PAGE)), args=request.args, statuses=STATUSES, kinds=KINDS,
        sorts=SORTS, categories=[(c, node_label(tax, c, lang())) for c in categories],
        actors=sorted(facts.values(), key=lambda a: a.ref),
    )


def _side(store, actor_id: str, resource_ids: list[str], facts: dict, language: str) -> dict:
    fact = facts.get(actor_id)
    identity = read_identity(store, actor_id, who=who(), user_id=current_user.id)
    resources = [r for r in list_resources(store, actor_id=actor_id) if r.id in resource_ids]
    return {"id": actor_id, "ref": fact.ref if fact else actor_id, "name": identity.name, "email": identity.email,
            "phone": identity.phone, "contact": identity.contact,
            "sector": describe(fact.naf_division if fact else None, fact.kind if fact else None, language),
            "resources": resources}


@bp.get("/t/<slug>/queue/<proposal_id>")
@login_required
def proposal(slug: str, proposal_id: str):
    territory = territory_or_404(slug)
    store = get_store()
    row = proposal_or_404(territory, proposal_id)
    tax = taxonomy(store)
    facts = actor_facts(territory["id"])
    language = lang()
    p = load_proposal(row)
    resource_ids = list(p.resources)
    sides = [_side(store, a, resource_ids, facts, language) for a in dec.parties(row) if a in facts]
    intros = {i["actor_id"]: i for i in dec.introductions(store, proposal_id)}
    return render_template(
        "facilitator/proposal.html", territory=territory, row=row, p=p, sides=sides, tax=tax, label=node_label,
        lang=language, explanation=explain(p, tax, facts, lang=language, reveal=set(dec.parties(row))),
        summary=summarise(row, tax, facts, language), intros=intros,
        intro_state=dec.introduction_state(list(intros.values())), notes=dec.notes(store, proposal_id),
        decisions=dec.decisions(store, proposal_id), synergy=synergy_for(store, proposal_id),
    )


def anonymous_description(row: dict, actor_id: str, territory_id: int, language: str) -> str:
    """The proposal as the party `actor_id` may read it: the others by sector and rough distance only."""
    store = get_store()
    facts = actor_facts(territory_id)
    return explain(load_proposal(row), taxonomy(store), facts, lang=language, reveal={actor_id})


@bp.post("/t/<slug>/queue/<proposal_id>/<action>")
@login_required
def decide(slug: str, proposal_id: str, action: str):
    territory = territory_or_404(slug)
    store = get_store()
    row = proposal_or_404(territory, proposal_id)
    form = request.form
    tid = territory["id"]
    try:
        if action == "accept":
            if row.get("visibility") == "facilitator" and not form.get("owner_agreed"):
                # An actor shared a resource of this proposal with the facilitator only: the others
                # may not even hear of it anonymously until its owner has agreed.
                flash(_("A resource of this proposal was shared with the facilitator only: confirm that its "
                        "owner agreed before asking for an introduction."), "error")
                return redirect(url_for("facilitator.proposal", slug=slug, proposal_id=proposal_id))
            title = node_label(taxonomy(store), row["node_id"], lang())
            asked = dec.accept(store, proposal_id, current_user.id, tid, title=title)
            for actor_id in asked:
                actor_lang = store.public["actor"].get(actor_id)["lang"] or "fr"
                send_introduction_request(store, actor_id, proposal_id, territory,
                                          anonymous_description(row, actor_id, tid, actor_lang))
            if asked:
                flash(_("Proposal accepted: both parties are asked whether they want to be introduced."))
            else:
                flash(_("This proposal was already accepted."))
        elif action == "reject":
            dec.reject(store, proposal_id, current_user.id, form.get("reason", ""), tid)
            flash(_("Proposal rejected; the matcher will not propose it again unless the data change."))
        elif action == "snooze":
            try:
                days = int(form.get("days") or dec.SNOOZE_DAYS)
            except ValueError:
                days = 0  # not a number: refused by snooze() with the range expected, not Python's message
            until = dec.snooze(store, proposal_id, current_user.id, days, tid)
            flash(_("Proposal put aside until %(date)s.", date=until))
        elif action == "reopen":
            dec.reopen(store, proposal_id, current_user.id, tid)
            flash(_("Proposal back in the queue."))
        elif action == "quick_win":
            dec.set_quick_win(store, proposal_id, current_user.id, form.get("value") == "1", tid)
            flash(_("Quick win updated."))
        elif action == "comment":
            dec.comment(store, proposal_id, current_user.id, form.get("text", ""), tid)
            flash(_("Comment added."))
        else:
            abort(404)
    except (SymbioseError, ValueError) as exc:
        flash(str(exc), "error")
    return redirect(url_for("facilitator.proposal", slug=slug, proposal_id=proposal_id))
