"""Synergy pipeline, yearly impact, the dashboard's SVG charts, exports and the printable report."""
from __future__ import annotations

import csv
import json
import io
import re

from facilitator_support import CANARY, login, post

from data.answers import save_answer
from data.db import transaction
from data.synergies import co2e
from interview_bot.matching import refresh, territory_history


def _accepted_synergy(client, first_proposal) -> tuple[str, int]:
    pid = first_proposal()
    login(client, "anim@nord.example")
    post(client, f"/t/nord/queue/{pid}/accept", page=f"/t/nord/queue/{pid}")
    synergy_id = int(re.search(r"/t/nord/synergies/(\d+)", client.get("/t/nord/synergies").get_data(as_text=True)).group(1))
    return pid, synergy_id


def test_pipeline_moves_stage_by_stage_and_abandoning_needs_a_reason(client, world, read, first_proposal):
    _pid, sid = _accepted_synergy(client, first_proposal)
    url = f"/t/nord/synergies/{sid}"
    post(client, url + "/stage", {"stage": "realised"}, page=url)  # cannot skip stages
    assert 'class="status stage-idea"' in client.get(url).get_data(as_text=True)
    post(client, url + "/stage", {"stage": "abandoned"}, page=url)  # no reason
    assert 'class="status stage-idea"' in client.get(url).get_data(as_text=True)
    for stage in ("study", "in_progress", "realised"):
        post(client, url + "/stage", {"stage": stage}, page=url)
    page = client.get(url).get_data(as_text=True)
    assert 'class="status stage-realised"' in page
    post(client, url + "/note", {"text": "réunion du groupe de travail le 3"}, page=url)
    assert "réunion du groupe de travail le 3" in client.get(url).get_data(as_text=True)
    events = read(lambda store: [e["stage_to"] for e in store.public["synergy_event"].rows_where(
        "synergy_id = ?", [sid], order_by="id")])
    assert events == ["idea", "study", "in_progress", "realised"]


def test_dashboard_shows_realised_impact_with_factors_as_svg(client, world, read, first_proposal):
    _pid, sid = _accepted_synergy(client, first_proposal)
    url = f"/t/nord/synergies/{sid}"
    for stage in ("study", "in_progress", "realised"):
        post(client, url + "/stage", {"stage": stage}, page=url)
    post(client, url + "/impact", {"tonnes_year": "120", "mwh_year": "", "eur_year": "9 500"}, page=url)
    html = client.get("/t/nord/").get_data(as_text=True)
    expected = co2e("material.wood.sawdust_untreated", 120.0, None)
    assert expected == 36.0  # 0.3 t CO2e per tonne of wood, as documented
    assert "<strong>120.0</strong>" in html and "<strong>36.0</strong>" in html and "<strong>9500 €</strong>" in html
    assert "material.wood" in html and "0.3 t CO2e / t" in html  # the factor is shown next to the figures
    assert html.count("<svg") >= 6 and " style=" not in html
    # Funnel: 2 proposals, 1 accepted, 0 introduced, 1 in progress or beyond, 1 realised.
    assert re.search(r">[^<]*: 1 \(100 %\)</text>", html)
    # Network: one circle per located actor (two in this territory) and a synergy line.
    network = html[html.index("class=\"chart-svg network\""):]
    network = network[:network.index("</svg>")]
    assert network.count("<circle") == 2 and 'class="link synergy"' in network
    # SWOT from the interviews
    assert "swot-strengths" in html and "Sciure" in html


def test_exports_are_csv_and_defuse_formulas(client, world, read, first_proposal):
    def plant(store):
        with transaction(store.public):
            store.public.execute("UPDATE resource SET head = '=HYPERLINK(\"http://x\")' WHERE head = 'sciure'")
    read(plant)
    login(client, "anim@nord.example")
    for kind in ("actors", "resources", "proposals", "synergies"):
        response = client.get(f"/t/nord/export/{kind}.csv")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(client.get("/t/nord/export/resources.csv").get_data(as_text=True))))
    assert "'=HYPERLINK(\"http://x\")" in [r["head"] for r in rows]
    actors = list(csv.DictReader(io.StringIO(client.get("/t/nord/export/actors.csv").get_data(as_text=True))))
    assert {a["name"] for a in actors} == {f"Scierie {CANARY}N", f"Ferme {CANARY}N"}
    proposals = list(csv.DictReader(io.StringIO(client.get("/t/nord/export/proposals.csv").get_data(as_text=True))))
    assert {(p["supplier"], p["receiver"]) for p in proposals} >= {("nord-mill", "nord-farm")}
    assert client.get("/t/nord/export/secrets.csv").status_code == 404
    exports = read(lambda store: store.vault.execute("SELECT count(*) FROM audit WHERE action = 'export'").fetchone()[0])
    assert exports == 2  # the two exports of the actors, each audited


def test_printable_report(client, world, read, first_proposal):
    _accepted_synergy(client, first_proposal)
    html = client.get("/t/nord/report").get_data(as_text=True)
    assert "<svg" in html and "swot" in html and "Sciure" in html


def test_a_realised_synergy_raises_the_same_pair_in_later_matching(client, world, read, first_proposal):
    pid, sid = _accepted_synergy(client, first_proposal)
    url = f"/t/nord/synergies/{sid}"

    def history_part(store) -> float:
        refresh(store, "nord")
        parts = json.loads(store.public["proposal"].get(pid)["parts"])
        return next(p["value"] for p in parts if p["name"] == "history")
    before = read(history_part)
    for stage in ("study", "in_progress", "realised"):
        post(client, url + "/stage", {"stage": stage}, page=url)
    tid = read(lambda s: s.public["proposal"].get(pid)["territory_id"])
    pairs = read(lambda s: territory_history(s, tid).realised_node_pairs)
    assert pairs == {("material.wood.sawdust_untreated", "material.input.animal_bedding"): 1}
    assert read(history_part) > before


def test_swot_gathers_what_actors_told_in_the_interview(client, world, read):
    farm = world["nord"]["farm"].id
    read(lambda s: save_answer(s, farm, "strengths", "un réseau de 20 fermes voisines très soudé"))
    read(lambda s: save_answer(s, farm, "constraints", "la route est fermée aux camions l'hiver"))
    login(client, "anim@nord.example")
    html = client.get("/t/nord/").get_data(as_text=True)
    swot = html[html.index('id="swot"'):]
    strengths = swot[swot.index("swot-strengths"):swot.index("swot-weaknesses")]
    threats = swot[swot.index("swot-threats"):]
    assert "un réseau de 20 fermes voisines très soudé" in strengths
    assert "la route est fermée aux camions l&#39;hiver" in threats and "statut de déchet" in threats
    audited = read(lambda s: s.vault["audit"].count_where("action = 'read_answers' AND record LIKE 'answers:territory:%'"))
    assert audited == 1
