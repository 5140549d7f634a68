"""Actors: invitations (one, many from CSV, resend) over real SMTP, answers read (audited) and edited."""
from __future__ import annotations

import io

import pytest
from facilitator_support import CANARY, decoded, login, post

from data.actors import find_by_email, get_actor


def test_invite_one_sends_a_personal_link(client, world, db, smtp):
    login(client, "anim@nord.example")
    response = post(client, "/t/nord/actors/invite", {"name": "EHPAD Les Tilleuls", "email": "direction@tilleuls.example",
                                                      "naf": "87.10A", "lang": "fr"}, follow_redirects=True)
    assert "EHPAD Les Tilleuls" in response.get_data(as_text=True)
    assert len(smtp) == 1 and smtp[0]["to"] == ["direction@tilleuls.example"]
    text = decoded(smtp[0]["data"])
    assert "/a/" in text and "Territoire nord" in text
    with db() as store:
        [actor_id] = find_by_email(store, "direction@tilleuls.example")
        actor = get_actor(store, actor_id)
        assert actor.status == "invited" and actor.kind == "care_home"
    # The same address again is refused (resend exists for that).
    post(client, "/t/nord/actors/invite", {"name": "Doublon", "email": "Direction@Tilleuls.example", "lang": "fr"})
    assert len(smtp) == 1
    post(client, f"/t/nord/actors/{actor_id}/resend")
    assert len(smtp) == 2 and smtp[1]["to"] == ["direction@tilleuls.example"]


def test_invite_many_from_csv(client, world, db, smtp):
    login(client, "anim@nord.example")
    data = ("name;email;ref;naf;lang\r\nCUMA de la Vallée;cuma@vallee.example;cuma;01.61Z;fr\r\n"
            "Hôpital Nord;achats@hopital.example;hop;86.10Z;en\r\nScierie dupliquée;nord-mill@example.org;;;\r\n")
    response = post(client, "/t/nord/actors/invite-csv",
                    {"file": (io.BytesIO(("\ufeff" + data).encode("utf-8")), "actors.csv")},
                    content_type="multipart/form-data", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "CUMA de la Vallée" in page and "Hôpital Nord" in page
    assert sorted(m["to"][0] for m in smtp) == ["achats@hopital.example", "cuma@vallee.example"]
    english = next(decoded(m["data"]) for m in smtp if m["to"] == ["achats@hopital.example"])
    assert "invites you" in english  # written in the actor's language


@pytest.mark.parametrize("content, message", [
    (b"nom;courriel\nA;a@b.fr\n", "name"),
    (b"name,email\nA,a@b.fr\nB,not-an-address\n", "3"),
    ("name,email\nA,a@b.fr\n".encode("utf-16"), "UTF-8"),
])
def test_csv_errors_say_what_is_expected_and_invite_nobody(client, world, db, content, message):
    login(client, "anim@nord.example")
    response = post(client, "/t/nord/actors/invite-csv", {"file": (io.BytesIO(content), "bad.csv")},
                    content_type="multipart/form-data", follow_redirects=True)
    flash = response.get_data(as_text=True).split('class="flash error"', 1)[1][:300]
    assert message in flash
    with db() as store:
        assert store.public.execute("SELECT count(*) FROM invitation").fetchone()[0] == 0


def test_reading_an_actor_is_audited(client, world, db):
    login(client, "anim@nord.example")
    farm = world["nord"]["farm"].id
    html = client.get(f"/t/nord/actors/{farm}").get_data(as_text=True)
    assert f"de la litière pour les veaux {CANARY}N" in html and f"Ferme {CANARY}N" in html
    with db() as store:
        actions = {r["action"] for r in store.vault["audit"].rows_where("actor_id = ? AND who LIKE 'user:%'", [farm])}
        assert {"read_identity", "read_answers"} <= actions


@pytest.mark.slow
def test_correcting_an_answer_renormalises_and_rematches(client, world, db):
    """Uses the real language pipeline (spaCy and the embedding model)."""
    login(client, "anim@nord.example")
    farm = world["nord"]["farm"].id
    with db() as store:
        answer_id = next(store.vault["answer"].rows_where("actor_id = ? AND topic = 'offers'", [farm]))["id"]
    url = f"/t/nord/actors/{farm}"
    post(client, url + "/answers", {"answer_id": answer_id, "topic": "offers",
                                    "text": "environ 20 tonnes de fumier de bovin par an"}, page=url)
    with db() as store:
        resources = list(store.public["resource"].rows_where("answer_id = ?", [answer_id]))
        assert resources and resources[0]["node_id"] and resources[0]["node_id"].startswith("material.organic")
        assert store.vault["audit"].count_where("action = 'edit_answer' AND actor_id = ?", [farm]) == 1
    assert "fumier de bovin" in client.get(url).get_data(as_text=True)
