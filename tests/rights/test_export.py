"""An actor downloads everything Symbiose holds about them; a facilitator can export it for them (audited)."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone

from data import decisions as dec
from data.db import transaction


def _download(browser, actor_id: str):
    browser.open_link(actor_id)
    return browser.get("/me/data.json")


def test_the_export_holds_every_field_of_the_actor_and_nothing_of_the_other(browser, world):
    mill, farm = world["mill"], world["farm"]
    home = browser.open_link(mill.actor_id)
    home = browser.get(home.headers["Location"]).get_data(as_text=True)
    assert "/me/data.json" in home and "/me/delete" in home
    response = browser.get("/me/data.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    day = datetime.now(timezone.utc).date().isoformat()
    assert response.headers["Content-Disposition"] == f'attachment; filename="symbiose-my-data-{day}.json"'
    text = response.get_data(as_text=True)
    missing = {name: value for name, value in mill.canaries.items() if value not in text}
    assert not missing, f"the export lacks the actor's own values: {missing}"
    leaked = {name: value for name, value in farm.canaries.items() if value in text}
    assert not leaked, f"the export carries another actor's values: {leaked}"
    assert farm.actor_id not in text  # not even the other actor's pseudonym

    data = json.loads(text)
    [resource] = data["resources"]
    assert resource["node"]["id"] == "material.wood.sawdust_untreated" and resource["node"]["label"]
    assert resource["sharing"] == "named" and resource["exact_quantity"]["value"] == 200.0
    assert data["interview"]["default_sharing"] == "named" and data["interview"]["completed_at"] is None
    [proposal] = data["proposals"]
    assert proposal["id"] == world["proposal"] and proposal["your_role"] == "supplier"
    assert proposal["counterparty_revealed"] is False and "km" in proposal["description"]
    [intro] = data["introductions"]
    assert (intro["your_answer"], intro["state"]) == ("accepted", "pending")
    assert [d["action"] for d in data["decisions"]] == ["actor_accept"]


def test_once_both_accepted_the_counterparty_is_named_as_on_the_page_but_their_data_stays_out(browser, world, rstore):
    mill, farm = world["mill"], world["farm"]
    dec.respond(rstore, world["proposal"], farm.actor_id, True)
    data = _download(browser, mill.actor_id).get_json()
    [proposal] = data["proposals"]
    assert proposal["counterparty_revealed"] is True
    assert farm.ref in proposal["description"]  # revealed by reference, as on the introductions page
    text = json.dumps(data, ensure_ascii=False)
    leaked = {n: v for n, v in farm.canaries.items() if v in text and n != "ref"}
    assert not leaked, f"contacts and words of the other actor must stay on their side: {leaked}"


def test_a_proposal_the_other_party_keeps_for_the_facilitator_is_not_exported(browser, world, rstore):
    with transaction(rstore.public):
        rstore.public.execute("UPDATE resource SET sharing = 'facilitator' WHERE actor_id = ?",
                              [world["farm"].actor_id])
    data = _download(browser, world["mill"].actor_id).get_json()
    assert data["proposals"] == []


def test_the_actor_own_export_and_other_reads_show_in_their_access_log(browser, world, rstore):
    mill = world["mill"]
    data = _download(browser, mill.actor_id).get_json()
    assert {"who": "you", "action": "export"} in [{k: e[k] for k in ("who", "action")} for e in data["access_log"]]
    assert rstore.vault["audit"].count_where("actor_id = ? AND action = 'export' AND who = ?",
                                             [mill.actor_id, f"actor:{mill.actor_id}"]) == 1


def test_without_a_personal_link_there_is_no_export(rapp):
    response = rapp.test_client().get("/me/data.json")
    assert response.status_code == 401 and "lien personnel" in response.get_data(as_text=True)


def test_a_facilitator_exports_an_actor_of_their_territory_and_the_read_is_audited(rapp, browser, world, rstore):
    mill, farm = world["mill"], world["farm"]
    browser.login("anim@nord.example")
    page = browser.get(f"/t/nord/actors/{mill.actor_id}").get_data(as_text=True)
    url = f"/t/nord/actors/{mill.actor_id}/export.json"
    assert url in page
    response = browser.get(url)
    assert response.status_code == 200
    assert re.fullmatch(rf'attachment; filename="symbiose-{mill.actor_id}-\d{{4}}-\d\d-\d\d\.json"',
                        response.headers["Content-Disposition"])
    text = response.get_data(as_text=True)
    assert all(v in text for v in mill.canaries.values())
    assert not [v for v in farm.canaries.values() if v in text]
    audit = list(rstore.vault["audit"].rows_where("actor_id = ? AND action = 'export'", [mill.actor_id]))
    assert [(a["who"], a["user_id"]) for a in audit] == [(f"user:{world['facilitator']['id']}",
                                                          world["facilitator"]["id"])]
    # Another territory's facilitator, or nobody signed in, gets nothing.
    other = type(browser)(rapp)
    other.login("anim@sud.example")
    assert other.get(url).status_code == 404
    assert rapp.test_client().get(url).status_code == 302
    assert rstore.vault["audit"].count_where("action = 'export'") == 1
