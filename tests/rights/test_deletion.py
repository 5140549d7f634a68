"""An actor deletes their account: erased from both partitions and from the database files, proposals
withdrawn, introductions closed, the facilitator told without the actor's name, the old link refused."""
from __future__ import annotations

import json

from rights_support import raw_bytes, sealed_values

from data import decisions as dec
from data.actors import delete_actor
from data.db import flush_deleted


def _delete_through_the_page(browser, actor_id: str):
    browser.open_link(actor_id)
    page = browser.get("/me/delete")
    assert page.status_code == 200 and 'name="confirm"' in page.get_data(as_text=True)
    return browser.post("/me/delete", {"confirm": "1"})


def test_deleting_the_account_leaves_no_trace_in_either_database_file(browser, world, rstore, data_dir):
    mill, farm = world["mill"], world["farm"]
    sealed = sealed_values(rstore, mill.actor_id)
    assert len(sealed) >= 14  # identity fields and fingerprint, answer, figures, detail, note, email
    # Before: the public words are on disk and the sealed values are in the vault (the scan sees them).
    flush_deleted(rstore.public)
    flush_deleted(rstore.vault)
    public, vault = raw_bytes(data_dir, "public.db"), raw_bytes(data_dir, "vault.db")
    assert all(v.encode() in public for v in mill.public.values())
    assert all(s in vault for s in sealed)

    response = _delete_through_the_page(browser, mill.actor_id)
    assert response.status_code == 302 and response.headers["Location"].endswith("/me/deleted")
    assert "Votre compte a été supprimé" in browser.get("/me/deleted").get_data(as_text=True)

    public, vault = raw_bytes(data_dir, "public.db"), raw_bytes(data_dir, "vault.db")
    left = [v for v in mill.canaries.values() if v.encode() in public or v.encode() in vault]
    assert not left, f"plaintext of the erased actor still in the files: {left}"
    assert not [s for s in sealed if s in vault], "sealed values of the erased actor still in vault.db"
    assert mill.actor_id.encode() not in public
    assert all(v.encode() in public for v in farm.public.values())  # the other actor is untouched
    for table in ("identity", "answer", "exact_quantity", "resource_detail", "note", "outbox"):
        assert rstore.vault.execute(f"SELECT count(*) FROM {table} WHERE actor_id = ?", [mill.actor_id]).fetchone()[0] == 0
    assert rstore.vault["digest_state"].count_where("recipient = ?", [f"actor:{mill.actor_id}"]) == 0
    assert [a["action"] for a in rstore.vault["audit"].rows_where("actor_id = ?", [mill.actor_id])][-1] == "delete"


def test_their_proposals_are_withdrawn_introductions_closed_and_synergy_abandoned(browser, world, rstore):
    mill, farm, pid = world["mill"], world["farm"], world["proposal"]
    theirs = {r["id"] for r in rstore.public["resource"].rows_where("actor_id = ?", [mill.actor_id])}
    assert theirs & set(json.loads(dec.get_proposal(rstore, pid)["resources"]))
    _delete_through_the_page(browser, mill.actor_id)
    proposal = dec.get_proposal(rstore, pid)
    assert proposal["status"] == "withdrawn" and mill.actor_id not in (proposal["supplier_id"], proposal["receiver_id"])
    assert not theirs & set(json.loads(proposal["resources"]))
    assert [i["actor_id"] for i in dec.introductions(rstore, pid)] == [farm.actor_id]
    assert rstore.public["introduction"].count_where("actor_id = ?", [mill.actor_id]) == 0
    synergy = rstore.public["synergy"].rows_where("proposal_id = ?", [pid])
    assert [(s["stage"], s["reason"]) for s in synergy] == [("abandoned", "a party deleted their account")]
    # The other party's page says the introduction will not happen, without a trace of the mill.
    other = type(browser)(browser.app)
    other.open_link(farm.actor_id)
    page = other.get("/me/introductions/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "aura pas lieu" in html and not [v for v in mill.canaries.values() if v in html]


def test_the_facilitator_is_told_without_the_actor_being_named(browser, world, inbox):
    mill = world["mill"]
    _delete_through_the_page(browser, mill.actor_id)
    [text] = inbox.text_to("anim@nord.example")
    assert "a supprimé son compte" in text and "propositions qui le concernaient, désormais retirées : 1" in text
    assert "https://symbiose.test/t/nord/queue" in text
    assert not [v for v in mill.canaries.values() if v in text] and mill.actor_id not in text
    assert inbox.text_to("anim@sud.example") == []  # another territory's facilitator hears nothing


def test_afterwards_the_session_is_gone_and_the_old_link_says_the_account_no_longer_exists(browser, world):
    mill = world["mill"]
    _delete_through_the_page(browser, mill.actor_id)
    for path in ("/me", "/me/data.json", "/me/delete", "/me/interview/"):
        response = browser.get(path)
        assert response.status_code == 401, path
    old_link = browser.get(browser.link)
    assert old_link.status_code == 410
    assert "compte qui n&#39;existe plus" in old_link.get_data(as_text=True)


def test_nothing_is_deleted_without_the_ticked_box_or_without_the_form_token(browser, world, rstore):
    mill = world["mill"]
    browser.open_link(mill.actor_id)
    browser.get("/me/delete")
    unticked = browser.post("/me/delete", {})
    assert unticked.status_code == 400 and "Cochez la case" in unticked.get_data(as_text=True)
    forged = browser.client.post("/me/delete", data={"confirm": "1"})
    assert forged.status_code == 400
    assert rstore.public["actor"].count_where("id = ?", [mill.actor_id]) == 1
    assert rstore.vault["identity"].count_where("actor_id = ?", [mill.actor_id]) == 1


def test_deleting_twice_is_harmless(world, rstore):
    mill = world["mill"]
    first = delete_actor(rstore, mill.actor_id, who="test")
    again = delete_actor(rstore, mill.actor_id, who="test")
    assert (first.proposals_withdrawn, first.introductions_closed, first.synergies_abandoned) == (1, 1, 1)
    assert first.messages_dropped == 1
    assert (again.territory_id, again.proposals_withdrawn) == (None, 0)
