"""CSV exports of a territory: actors, resources, proposals, synergies.

Cells that a spreadsheet would run as a formula (starting with = + - @ or a tab)
are prefixed with an apostrophe: an actor's words never execute on the
facilitator's computer. The actors export carries names and contacts (vault), so
it is audited like any other read of the vault.
"""
from __future__ import annotations

import csv
import io
import json

from flask import Response, abort
from flask_login import current_user, login_required

from data import decisions as dec
from data import synergies as syn
from data.directory import answer_dates, names

from ..db import get_store
from .blueprint import actor_facts, bp, category_of, node_label, taxonomy, territory_or_404, who
from .queue import distance_km, lang

EXPORTS = ("actors", "resources", "proposals", "synergies")


def safe_cell(value) -> object:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(header: list[str], rows: list[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()


def _rows(kind: str, territory: dict) -> tuple[list[str], list[list]]:
    store = get_store()
    tid = territory["id"]
    tax = taxonomy(store)
    language = lang()
    facts = actor_facts(tid)
    ref = lambda a: facts[a].ref if a in facts else (a or "")  # noqa: E731
    if kind == "actors":
        directory = names(store, tid, who=who(), user_id=current_user.id)
        store.audit("export", None, f"export:actors:territory:{tid}", who=who(), user_id=current_user.id)
        rows = list(store.public["actor"].rows_where("territory_id = ?", [tid], order_by="ref"))
        dates = answer_dates(store, [r["id"] for r in rows])
        return (["ref", "name", "email", "commune", "kind", "naf_division", "status", "lat", "lon", "answers_updated"],
                [[r["ref"], directory.get(r["id"], {}).get("name"), directory.get(r["id"], {}).get("email"),
                  directory.get(r["id"], {}).get("commune"), r["kind"], r["naf_division"], r["status"], r["lat"],
                  r["lon"], dates.get(r["id"], "")] for r in rows])
    if kind == "resources":
        rows = store.public.query(
            "SELECT r.*, a.ref FROM resource r JOIN actor a ON a.id = r.actor_id WHERE a.territory_id = ? "
            "ORDER BY a.ref, r.direction, r.id", [tid])
        return (["actor", "direction", "node_id", "label", "category", "status", "head", "quantity_band", "unit",
                 "frequency", "months", "sharing"],
                [[r["ref"], r["direction"], r["node_id"], node_label(tax, r["node_id"], language) if r["node_id"] else "",
                  category_of(r["node_id"]), r["status"], r["head"], r["quantity_band"], r["unit"], r["frequency"],
                  " ".join(str(m) for m in json.loads(r["months"] or "[]")), r["sharing"]] for r in rows])
    if kind == "proposals":
        rows = store.public["proposal"].rows_where("territory_id = ?", [tid], order_by="score DESC, id")
        return (["id", "kind", "status", "quick_win", "score", "node_id", "label", "supplier", "receiver", "members",
                 "km", "introduction", "caveats"],
                [[r["id"], r["kind"], r["status"], r["quick_win"], r["score"], r["node_id"],
                  node_label(tax, r["node_id"], language), ref(r["supplier_id"]), ref(r["receiver_id"]),
                  " ".join(ref(m) for m in json.loads(r["members"] or "[]")), distance_km(r),
                  dec.introduction_state(dec.introductions(store, r["id"])),
                  " ".join(json.loads(r.get("caveats") or "[]"))] for r in rows])
    if kind == "synergies":
        rows = syn.list_synergies(store, tid)
        return (["id", "title", "stage", "reason", "proposal_id", "node_id", "parties", "tonnes_year", "mwh_year",
                 "eur_year", "t_co2e_year", "created_at", "realised_at"],
                [[s["id"], s["title"], s["stage"], s["reason"], s["proposal_id"], s["node_id"],
                  " ".join(ref(a) for a in dec.parties(s)), s["tonnes_year"], s["mwh_year"], s["eur_year"],
                  syn.co2e(s["node_id"], s["tonnes_year"], s["mwh_year"]), s["created_at"], s["realised_at"]]
                 for s in rows])
    abort(404)


@bp.get("/t/<slug>/export/<kind>.csv")
@login_required
def export(slug: str, kind: str):
    territory = territory_or_404(slug)
    if kind not in EXPORTS:
        abort(404)
    header, rows = _rows(kind, territory)
    return Response(to_csv(header, rows), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{territory["slug"]}-{kind}.csv"'})
