"""The guided interview through the Flask test client: a whole conversation, corrections,
several items, unknown items, double submits, bad input, resume."""
from __future__ import annotations

import re

from data.actors import get_actor, read_identity
from data.answers import list_answers, list_resources
from data.interviews import get_progress, read_details, read_quantities
from interview_support import Visitor

RESOURCE_FIELD = re.compile(r'name="node-(r_[0-9a-f]+)" id="[^"]+" value="([^"]+)"')


def consent(v):
    v.get("/me/interview/consent")
    return v.post("/me/interview/consent", {"sharing": "anonymous", "agree": "1"})


def identity(v, **extra):
    v.get("/me/interview/identity")
    data = {"name": "Scierie Martin", "activity": "Scierie : on coupe du chêne et du douglas", "commune": "Prémery",
            "postcode": "58700", "size": "10-49", "submission_id": "sub-identity"}
    data.update(extra)
    return v.post("/me/interview/identity", data)


def answer(v, topic, text, submission_id):
    v.get(f"/me/interview/{topic}")
    return v.post(f"/me/interview/{topic}", {"text": text, "submission_id": submission_id})


def candidates(page: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for rid, value in RESOURCE_FIELD.findall(page):
        out.setdefault(rid, []).append(value)
    return out


def test_a_whole_interview_with_a_correction_an_unknown_item_and_completion(signed_in, istore):
    v = signed_in
    assert consent(v).status_code == 302
    assert get_actor(istore, v.actor_id).status == "in_progress"

    response = identity(v)
    assert response.headers["Location"].endswith("/me/interview/identity/sector")
    page = v.get("/me/interview/identity/sector").get_data(as_text=True)
    assert "Travail du bois" in page  # the sawmill's sector is suggested first, in French by default
    assert 'value="16" checked' in page
    assert v.post("/me/interview/identity/sector", {"division": "16"}).status_code == 302
    ident = read_identity(istore, v.actor_id, who="test")
    assert (ident.name, ident.naf, ident.commune, ident.size) == ("Scierie Martin", "16", "Prémery", "10-49")
    assert abs(ident.lat - 47.17) < 0.01 and abs(ident.lon - 3.33) < 0.01
    public = get_actor(istore, v.actor_id)
    assert (public.naf_division, public.lat, public.lon) == ("16", 47.17, 3.33)  # rounded to ~1 km in public

    response = answer(v, "offers", "environ 300 t/an de sciure et des palettes en bois", "sub-offer-1")
    assert response.status_code == 302, response.get_data(as_text=True)
    # The answer is committed before the reply is shown.
    assert [a.text for a in list_answers(istore, v.actor_id, who="test", topic="offers")] == [
        "environ 300 t/an de sciure et des palettes en bois"]
    page = v.get(response.headers["Location"]).get_data(as_text=True)
    assert "compris 2 éléments" in page or "J&#39;ai compris 2 éléments" in page
    fields = candidates(page)
    assert len(fields) == 2
    resources = {r.id: r for r in list_resources(istore, actor_id=v.actor_id)}
    sawdust = next(rid for rid in fields if resources[rid].quantity_band)
    pallets = next(rid for rid in fields if rid != sawdust)
    assert f'name="qty-{pallets}"' in page and f'name="qty-{sawdust}"' not in page  # asks only what is missing
    # Correction: the actor picks the second meaning for the sawdust and keeps pallets to the facilitator.
    chosen = fields[sawdust][1]
    response = v.post(v.last.request.path, {
        f"node-{sawdust}": chosen, f"share-{sawdust}": "named", f"cond-{sawdust}": "sèche, sans écorce",
        f"node-{pallets}": fields[pallets][0], f"share-{pallets}": "facilitator",
        f"qty-{pallets}": "200", f"when-{pallets}": "par mois", f"avail-{pallets}": "dès janvier",
    })
    assert response.status_code == 302
    resources = {r.id: r for r in list_resources(istore, actor_id=v.actor_id)}
    assert (resources[sawdust].node_id, resources[sawdust].status, resources[sawdust].sharing) == (chosen, "confirmed", "named")
    assert resources[pallets].sharing == "facilitator" and resources[pallets].frequency == "per_month"
    assert resources[pallets].quantity_band is not None
    assert read_quantities(istore, v.actor_id)[pallets].value > 0
    details = read_details(istore, v.actor_id)
    assert details[sawdust]["condition"] == "sèche, sans écorce" and details[pallets]["availability"] == "dès janvier"

    # An unrecognised need is kept as written and flagged for the facilitator.
    response = answer(v, "needs", "du blorptex zwingulé", "sub-need-1")
    page = v.get(response.headers["Location"]).get_data(as_text=True)
    rid = next(iter(candidates(page)), None) or re.search(r'name="share-(r_[0-9a-f]+)"', page).group(1)
    v.post(v.last.request.path, {f"node-{rid}": "keep", f"share-{rid}": "anonymous"})
    unknown = [r for r in list_resources(istore, actor_id=v.actor_id) if r.direction == "need"]
    assert [(r.status, r.node_id) for r in unknown] == [("unknown", None)]
    assert "zwingule" in unknown[0].head  # the words are kept (folded in public, as written in the vault)

    v.post("/me/interview/needs/next")
    v.get("/me/interview/problems")
    v.post("/me/interview/problems", {"problems": "Le coût d'enlèvement des écorces", "opportunities": "",
                                      "submission_id": "sub-notes-1"})
    v.get("/me/interview/swot")
    v.post("/me/interview/swot", {"strengths": "Du bois local", "constraints": "Peu de place",
                                  "submission_id": "sub-notes-2"})
    summary = v.get("/me/interview/summary").get_data(as_text=True)
    for words in ("Scierie Martin", "blorptex", "Du bois local", "Peu de place", "écorces"):
        assert words in summary
    response = v.post("/me/interview/finish")
    assert response.headers["Location"].endswith("/me/interview/done")
    assert get_actor(istore, v.actor_id).status == "completed"
    assert get_progress(istore, v.actor_id).completed_at
    topics = {a.topic for a in list_answers(istore, v.actor_id, who="test")}
    assert topics == {"activity", "offers", "needs", "problems", "strengths", "constraints"}


def test_double_submit_reload_and_two_tabs_store_one_answer(signed_in, istore):
    v = signed_in
    consent(v)
    for _ in range(3):
        response = answer(v, "offers", "des cartons", "sub-same")
        assert response.status_code == 302
    assert len(list_answers(istore, v.actor_id, who="test", topic="offers")) == 1
    assert len(list_resources(istore, actor_id=v.actor_id)) == 1
    identity(v, submission_id="sub-id")
    identity(v, submission_id="sub-id-2")  # the activity answer is replaced, never duplicated
    assert len(list_answers(istore, v.actor_id, who="test", topic="activity")) == 1


def test_bad_answers_get_a_clear_message_and_nothing_is_stored(signed_in, istore):
    v = signed_in
    consent(v)
    response = answer(v, "offers", "   \n ", "sub-empty")
    assert response.status_code == 400 and "vide" in response.get_data(as_text=True)
    long_text = "sciure " * 800
    response = answer(v, "offers", long_text, "sub-long")
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "5000" in body.replace("\u202f", "").replace(" ", "")
    assert "sciure sciure" in body  # what they typed is given back, not lost
    assert list_answers(istore, v.actor_id, who="test", topic="offers") == []
    odd = "pal\u200bettes \u202eRTL\u202c 🪵 e\u0301corces \x00\x07 ﷽ " + "z\u0336" * 30
    response = answer(v, "offers", odd, "sub-odd")
    assert response.status_code == 302
    stored = list_answers(istore, v.actor_id, who="test", topic="offers")[0].text
    assert "\x00" not in stored and "🪵" in stored and "écorces" in stored
    assert v.get(response.headers["Location"]).status_code == 200


def test_resume_on_another_device_continues_where_the_actor_stopped(iapp, signed_in, istore):
    v = signed_in
    consent(v)
    identity(v)
    v.post("/me/interview/identity/sector", {"division": "16"})
    answer(v, "offers", "des copeaux de bois", "sub-c1")
    phone = Visitor(iapp)
    phone.open_link(v.actor_id)
    home = phone.get("/me").get_data(as_text=True)
    assert "2 étapes sur 7" in home and 'href="/me/interview/"' in home
    response = phone.get("/me/interview/")
    assert response.headers["Location"].endswith("/me/interview/offers")
    page = phone.get("/me/interview/offers").get_data(as_text=True)
    assert "des copeaux de bois" in page and "2 étapes faites sur 7, 5 restantes" in page


def test_edit_and_remove_answers_from_the_summary(signed_in, istore):
    v = signed_in
    consent(v)
    response = answer(v, "offers", "des palettes", "sub-p")
    answer_id = response.headers["Location"].rsplit("/", 1)[1]
    before = {r.id for r in list_resources(istore, actor_id=v.actor_id)}
    v.get(f"/me/interview/answer/{answer_id}/edit")
    response = v.post(f"/me/interview/answer/{answer_id}/edit", {"text": "des palettes et de la sciure"})
    assert response.headers["Location"].endswith(f"/answer/{answer_id}")
    after = list_resources(istore, actor_id=v.actor_id)
    assert len(after) == 2 and not before & {r.id for r in after}
    assert [a.text for a in list_answers(istore, v.actor_id, who="test", topic="offers")] == ["des palettes et de la sciure"]
    v.get("/me/interview/summary")
    v.post(f"/me/interview/answer/{answer_id}/delete")
    assert list_answers(istore, v.actor_id, who="test", topic="offers") == []
    assert list_resources(istore, actor_id=v.actor_id) == []


def test_an_actor_cannot_open_another_actors_answer_or_skip_consent(iapp, signed_in, new_actor, istore):
    v = signed_in
    assert v.get("/me/interview/offers").headers["Location"].endswith("/me/interview/consent")
    consent(v)
    answer_id = answer(v, "offers", "des palettes", "sub-a").headers["Location"].rsplit("/", 1)[1]
    other = Visitor(iapp)
    other.open_link(new_actor("b@example.org"))
    assert other.get(f"/me/interview/answer/{answer_id}").status_code == 404
    assert "palettes" not in other.get(f"/me/interview/answer/{answer_id}/edit").get_data(as_text=True)
    other.post(f"/me/interview/answer/{answer_id}/delete")
    assert len(list_answers(istore, v.actor_id, who="test", topic="offers")) == 1
    anonymous = Visitor(iapp)
    assert anonymous.get("/me/interview/summary").status_code == 401
    assert anonymous.get("/me").status_code == 401


def test_english_interview_and_language_switch(signed_in, new_actor, iapp):
    v = signed_in
    page = v.get("/me/interview/consent?lang=en").get_data(as_text=True)
    assert "Shared anonymously" in page and 'lang="en"' in page
    page = v.get("/me/interview/consent?lang=fr").get_data(as_text=True)
    assert "Partagé anonymement" in page
    english = Visitor(iapp)
    english.open_link(new_actor("en@example.org", lang="en"))
    assert "Your interview" in english.get("/me").get_data(as_text=True)


def test_unplaceable_commune_and_browser_position(signed_in, istore):
    v = signed_in
    consent(v)
    response = identity(v, commune="Trifouillis-les-Oies", postcode="58000")
    assert response.status_code == 302
    assert read_identity(istore, v.actor_id, who="test").lat is None
    assert get_actor(istore, v.actor_id).lat is None
    identity(v, commune="Trifouillis-les-Oies", lat="47.2345", lon="3.4567", submission_id="sub-2")
    assert (get_actor(istore, v.actor_id).lat, get_actor(istore, v.actor_id).lon) == (47.23, 3.46)


def test_deleting_the_actor_erases_their_interview_state_in_both_partitions(signed_in, istore):
    from data.actors import delete_actor

    v = signed_in
    consent(v)
    response = answer(v, "offers", "des palettes", "sub-del")
    page = v.get(response.headers["Location"]).get_data(as_text=True)
    rid = next(iter(candidates(page)))
    v.post(v.last.request.path, {f"node-{rid}": candidates(page)[rid][0], f"cond-{rid}": "propres"})
    assert read_details(istore, v.actor_id)
    delete_actor(istore, v.actor_id, who="test")
    for db, table in ((istore.public, "interview"), (istore.public, "interview_item"), (istore.vault, "resource_detail")):
        assert db.execute(f"SELECT COUNT(*) FROM {table} WHERE actor_id = ?", [v.actor_id]).fetchone()[0] == 0
