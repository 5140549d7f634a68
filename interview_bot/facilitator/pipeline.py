"""The synergy pipeline: idea → study → in progress → realised / abandoned, notes and impact."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from data import decisions as dec
from data import synergies as syn

from ..db import get_store
from .blueprint import actor_facts, bp, node_label, taxonomy, territory_or_404
from .queue import lang


def _synergy_or_404(territory: dict, synergy_id: int) -> dict:
    try:
        return syn.get_synergy(get_store(), synergy_id, territory["id"])
    except syn.StageError:
        abort(404)


@bp.get("/t/<slug>/synergies")
@login_required
def synergies(slug: str):
    territory = territory_or_404(slug)
    store = get_store()
    rows = syn.list_synergies(store, territory["id"])
    intro = {r["proposal_id"]: dec.introduction_state(dec.introductions(store, r["proposal_id"])) for r in rows}
    columns = {stage: [r for r in rows if r["stage"] == stage] for stage in syn.STAGES}
    return render_template("facilitator/synergies.html", territory=territory, columns=columns, stages=syn.STAGES,
                           intro=intro, facts=actor_facts(territory["id"]), parties=dec.parties)


@bp.get("/t/<slug>/synergies/<int:synergy_id>")
@login_required
def synergy(slug: str, synergy_id: int):
    territory = territory_or_404(slug)
    store = get_store()
    row = _synergy_or_404(territory, synergy_id)
    proposal = dec.get_proposal(store, row["proposal_id"])
    factors = [f for f in syn.CO2E_FACTORS if f in (syn.factor_for(proposal["node_id"], "t"),
                                                      syn.factor_for(proposal["node_id"], "MWh"))]
    return render_template(
        "facilitator/synergy.html", territory=territory, s=row, proposal=proposal, events=syn.events(store, synergy_id),
        next_stages=syn.NEXT[row["stage"]], notes=dec.notes(store, row["proposal_id"]),
        intros=dec.introductions(store, row["proposal_id"]), facts=actor_facts(territory["id"]),
        co2e=syn.co2e(proposal["node_id"], row["tonnes_year"], row["mwh_year"]), factors=factors,
        label=node_label(taxonomy(store), proposal["node_id"], lang()),
    )


@bp.post("/t/<slug>/synergies/<int:synergy_id>/stage")
@login_required
def move_synergy(slug: str, synergy_id: int):
    territory = territory_or_404(slug)
    _synergy_or_404(territory, synergy_id)
    try:
        syn.move(get_store(), synergy_id, request.form.get("stage", ""), current_user.id,
                 request.form.get("reason", ""), territory["id"])
        flash(_("Stage updated."))
    except syn.StageError as exc:
        flash(str(exc), "error")
    return redirect(url_for("facilitator.synergy", slug=slug, synergy_id=synergy_id))


def _number(name: str) -> float | None:
    value = (request.form.get(name) or "").strip().replace(",", ".").replace(" ", "")
    return float(value) if value else None


@bp.post("/t/<slug>/synergies/<int:synergy_id>/impact")
@login_required
def synergy_impact(slug: str, synergy_id: int):
    territory = territory_or_404(slug)
    _synergy_or_404(territory, synergy_id)
    try:
        syn.set_impact(get_store(), synergy_id, tonnes_year=_number("tonnes_year"), mwh_year=_number("mwh_year"),
                       eur_year=_number("eur_year"), territory_id=territory["id"])
        flash(_("Impact estimate saved."))
    except ValueError:
        flash(_("Write the figures as numbers, e.g. 12.5"), "error")
    except syn.StageError as exc:
        flash(str(exc), "error")
    return redirect(url_for("facilitator.synergy", slug=slug, synergy_id=synergy_id))


@bp.post("/t/<slug>/synergies/<int:synergy_id>/note")
@login_required
def synergy_note(slug: str, synergy_id: int):
    territory = territory_or_404(slug)
    row = _synergy_or_404(territory, synergy_id)
    try:
        dec.comment(get_store(), row["proposal_id"], current_user.id, request.form.get("text", ""), territory["id"])
        flash(_("Note added."))
    except dec.DecisionRefused as exc:
        flash(str(exc), "error")
    return redirect(url_for("facilitator.synergy", slug=slug, synergy_id=synergy_id))
