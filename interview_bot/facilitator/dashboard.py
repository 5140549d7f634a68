"""The territory dashboard (tableau de bord) and the printable end-of-programme report."""
from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from data import synergies as syn

from ..db import get_store
from . import charts, stats
from .blueprint import bp, taxonomy, territory_or_404, who
from .queue import lang

STAGE_NAMES = {"idea": _l("Idea"), "study": _l("Study"), "in_progress": _l("In progress"),
               "realised": _l("Realised"), "abandoned": _l("Abandoned")}
STATUS_NAMES = {"new": _l("New"), "snoozed": _l("Snoozed"), "accepted": _l("Accepted"), "rejected": _l("Rejected"),
                "withdrawn": _l("Withdrawn")}
FUNNEL_NAMES = {"proposed": _l("Proposed"), "accepted": _l("Accepted by the facilitator"),
                "introduced": _l("Introduced (both accepted)"), "in_progress": _l("In progress or realised"),
                "realised": _l("Realised")}
CAVEAT_NAMES = {
    "hazardous": _l("hazardous waste"), "waste_status": _l("waste status"), "spreading_plan": _l("spreading plan"),
    "animal_byproduct": _l("animal by-products"), "food_safety": _l("food safety"),
    "treated_wood": _l("treated wood"), "adr_transport": _l("dangerous goods transport"),
    "icpe": _l("classified installation (ICPE)"), "contract_liability": _l("contract and liability"),
    "heat_temperature": _l("heat temperature"),
}


def build(territory: dict) -> dict:
    """Everything the dashboard and the report show."""
    store = get_store()
    tax = taxonomy(store)
    language = lang()
    figures = stats.counts(store, territory["id"], tax, language)
    net = stats.network(store, territory["id"])
    swot = stats.swot(store, territory["id"], tax, language, who=who(), user_id=current_user.id)
    swot["threats"] = [_caveat(t) for t in swot["threats"]]
    return {
        "figures": figures,
        "actors_chart": charts.bars([(_("Invited"), figures["actors"]["invited"]),
                                     (_("Interview started"), figures["actors"]["in_progress"]),
                                     (_("Interviewed"), figures["actors"]["interviewed"])]),
        "resources_chart": charts.stacked([(r["label"], r["offer"], r["need"]) for r in figures["resources"]]),
        "proposals_chart": charts.bars([(str(STATUS_NAMES[s]), v) for s, v in figures["proposals"].items()]),
        "stages_chart": charts.bars([(str(STAGE_NAMES[s]), v) for s, v in figures["stages"].items()]),
        "funnel": charts.funnel([(str(FUNNEL_NAMES[s]), v) for s, v in figures["funnel"]]),
        "network": charts.network(net["actors"], net["links"]),
        "swot": swot,
        "factors": syn.CO2E_FACTORS,
        "disposal_eur": syn.DISPOSAL_EUR_PER_T,
        "realised": syn.list_synergies(store, territory["id"], "realised"),
        "stage_names": STAGE_NAMES,
    }


def _caveat(text: str) -> str:
    name, _sep, rest = text.partition(" (")
    return f"{CAVEAT_NAMES[name]} ({rest}" if name in CAVEAT_NAMES and rest else text


@bp.get("/t/<slug>/")
@login_required
def dashboard(slug: str):
    territory = territory_or_404(slug)
    return render_template("facilitator/dashboard.html", territory=territory, **build(territory))


@bp.get("/t/<slug>/report")
@login_required
def report(slug: str):
    territory = territory_or_404(slug)
    data = build(territory)
    store = get_store()
    data["synergies"] = syn.list_synergies(store, territory["id"])
    data["label"] = lambda node_id: taxonomy(store).get(node_id).label(lang()) if taxonomy(store).get(node_id) else node_id
    return render_template("facilitator/report.html", territory=territory, **data)
