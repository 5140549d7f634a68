"""The proposal queue: filters, detail, and every decision with its stored effect."""
from __future__ import annotations

from pathlib import Path

from facilitator_support import CANARY, login, post

from data import outbox
from data.db import transaction
from data.synergies import synergy_for
from interview_bot.matching import refresh, territory_history


def _proposal(read, first_proposal) -> dict:
    pid = first_proposal()
    return read(lambda store: store.public["proposal"].get(pid))


def test_queue_lists_and_filters(client, world, read, first_proposal):
    login(client, "anim@nord.example")
    p = _proposal(read, first_proposal)
    page = client.get("/t/nord/queue").get_data(as_text=True)
    assert f"/t/nord/queue/{p['id']}" in page and "nord-mill" in page and "nord-farm" in page
    assert p["id"] in client.get("/t/nord/queue?kind=exchange&category=material.wood&max_km=20").get_data(as_text=True)
    for query in ("kind=pooling", "category=energy.heat", "max_km=1", "status=rejected", "quick_win=1",
                  f"actor={world['sud']['mill'].id}"):
        assert p["id"] not in client.get(f"/t/nord/queue?{query}").get_data(as_text=True), query
    assert p["id"] in client.get(f"/t/nord/queue?actor={world['nord']['farm'].id}&sort=distance").get_data(as_text=True)


def test_detail_shows_both_sides_explanation_and_score_parts(client, world, read, first_proposal):
    login(client, "anim@nord.example")
    p = _proposal(read, first_proposal)
    html = client.get(f"/t/nord/queue/{p['id']}").get_data(as_text=True)
    assert f"Scierie {CANARY}N" in html and f"Ferme {CANARY}N" in html
    assert "Litière pour animaux" in html and "Sciure" in html
    assert "partbar" in html and "5 km" in html  # score parts drawn, explanation with the distance
    reads = read(lambda s: s.vault.execute(
        "SELECT count(*) FROM audit WHERE action = 'read_identity' AND who LIKE 'user:%'").fetchone()[0])
    assert reads == 2  # both identities read, each audited


def test_accept_asks_both_parties_without_naming_the_other(client, world, read, first_proposal):
    login(client, "anim@nord.example")
    p = _proposal(read, first_proposal)
    response = post(client, f"/t/nord/queue/{p['id']}/accept", page=f"/t/nord/queue/{p['id']}")
    assert response.status_code == 302

    def check(store):
        row = store.public["proposal"].get(p["id"])
        assert row["status"] == "accepted"
        intros = {r["actor_id"]: r["status"] for r in store.public["introduction"].rows_where("proposal_id = ?", [p["id"]])}
        assert intros == {world["nord"]["mill"].id: "pending", world["nord"]["farm"].id: "pending"}
        synergy = synergy_for(store, p["id"])
        assert synergy["stage"] == "idea" and synergy["tonnes_year"] == 173.2  # middle of the 100-300 t/yr band
        messages = [m for m in outbox.iter_messages(store) if m.kind == "introduction"]
        assert {m.actor_id for m in messages} == set(intros)
        for m in messages:
            assert CANARY not in m.text and CANARY not in m.subject  # the counterparty is not named
            assert "/me/introductions/t/" in m.text
    read(check)
    # Accepting twice asks nobody again.
    post(client, f"/t/nord/queue/{p['id']}/accept", page=f"/t/nord/queue/{p['id']}")
    assert read(lambda s: sum(1 for m in outbox.iter_messages(s) if m.kind == "introduction")) == 2


def test_reject_needs_a_reason_and_the_matcher_learns_it(client, world, read, first_proposal):
    login(client, "anim@nord.example")
    p = _proposal(read, first_proposal)
    post(client, f"/t/nord/queue/{p['id']}/reject", {"reason": "  "}, page=f"/t/nord/queue/{p['id']}")
    assert _proposal(read, first_proposal)["status"] == "new"
    post(client, f"/t/nord/queue/{p['id']}/reject", {"reason": "the farm uses straw"}, page=f"/t/nord/queue/{p['id']}")

    def check(store):
        row = store.public["proposal"].get(p["id"])
        assert row["status"] == "rejected"
        decision = next(store.public["decision"].rows_where("action = 'reject'"))
        assert decision["reason"] == "the farm uses straw" and decision["fingerprint"] == p["fingerprint"]
        tid = row["territory_id"]
        assert territory_history(store, tid).rejected == {p["id"]: p["fingerprint"]}
        refresh(store, "nord")  # a new matcher run keeps the rejection
        assert store.public["proposal"].get(p["id"])["status"] == "rejected"
    read(check)
    assert p["id"] not in client.get("/t/nord/queue").get_data(as_text=True)
    post(client, f"/t/nord/queue/{p['id']}/reopen", page=f"/t/nord/queue/{p['id']}")
    assert _proposal(read, first_proposal)["status"] == "new"


def test_snooze_quick_win_and_comment(client, world, read, first_proposal):
    login(client, "anim@nord.example")
    p = _proposal(read, first_proposal)
    url = f"/t/nord/queue/{p['id']}"
    post(client, url + "/snooze", {"days": "10"}, page=url)
    row = _proposal(read, first_proposal)
    assert row["status"] == "snoozed" and row["snoozed_until"] > "2000"
    assert p["id"] not in client.get("/t/nord/queue").get_data(as_text=True)
    assert p["id"] in client.get("/t/nord/queue?status=snoozed").get_data(as_text=True)
    post(client, url + "/quick_win", {"value": "1"}, page=url)
    assert _proposal(read, first_proposal)["quick_win"] == 1
    assert p["id"] in client.get("/t/nord/queue?status=all&quick_win=1").get_data(as_text=True)
    secret = "rappeler M. Dupont-Zq9comment avant jeudi"
    post(client, url + "/comment", {"text": secret}, page=url)
    assert secret in client.get(url).get_data(as_text=True)
    files = [f for f in Path(client.application.config["DATA_DIR"]).iterdir() if ".db" in f.name]
    assert any(f.name.endswith("-wal") for f in files) or files
    for f in files:  # the databases and their write-ahead logs
        assert b"Zq9comment" not in f.read_bytes(), f.name  # sealed at rest


def test_facilitator_only_resources_need_their_owner_agreement_before_an_introduction(client, world, read,
                                                                                        first_proposal):
    pid = first_proposal()

    def make_private(store):
        with transaction(store.public):
            store.public.execute("UPDATE proposal SET visibility = 'facilitator' WHERE id = ?", [pid])
    read(make_private)
    login(client, "anim@nord.example")
    url = f"/t/nord/queue/{pid}"
    post(client, url + "/accept", page=url)
    assert read(lambda s: (s.public["proposal"].get(pid)["status"], s.public["introduction"].count)) == ("new", 0)
    post(client, url + "/accept", {"owner_agreed": "1"}, page=url)
    assert read(lambda s: (s.public["proposal"].get(pid)["status"], s.public["introduction"].count)) == ("accepted", 2)
