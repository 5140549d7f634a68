"""The actor's side of an introduction: anonymous until both accept, then names and contacts."""
from __future__ import annotations

import re

from flask import session as flask_session
from flask_wtf.csrf import generate_csrf
from facilitator_support import CANARY, csrf, login, post

from data import outbox
from data.actors import delete_actor
from interview_bot.auth.tokens import make_token


def _accept_first_proposal(client, read, first_proposal) -> tuple[str, dict]:
    pid = first_proposal()
    login(client, "anim@nord.example")
    post(client, f"/t/nord/queue/{pid}/accept", page=f"/t/nord/queue/{pid}")
    links = read(lambda store: {m.actor_id: re.search(r"(/me/introductions/t/\S+)", m.text).group(1)
                                for m in outbox.iter_messages(store) if m.kind == "introduction"})
    return pid, links


def _parties(app, world, links: dict):
    """A browser session for each party, signed in through the link of their introduction email."""
    clients = []
    for name in ("mill", "farm"):
        client = app.test_client()
        assert client.get(links[world["nord"][name].id]).status_code == 302
        clients.append(client)
    return clients


def _answer(actor_client, pid: str, choice: str):
    """Answer as the page's form does (the CSRF token stays valid for the whole session)."""
    if not hasattr(actor_client, "csrf_token"):
        actor_client.csrf_token = csrf(actor_client, "/me/introductions/")
    token = actor_client.csrf_token
    return actor_client.post(f"/me/introductions/{pid}", data={"choice": choice, "csrf_token": token})


def test_names_revealed_only_when_both_accept(app, world, read, first_proposal):
    facilitator = app.test_client()
    pid, links = _accept_first_proposal(facilitator, read, first_proposal)
    mill_client, farm_client = _parties(app, world, links)  # the email links sign the actors in
    page = mill_client.get("/me/introductions/").get_data(as_text=True)
    assert "exploitation agricole" in page and f"Ferme {CANARY}" not in page and "nord-farm" not in page
    _answer(mill_client, pid, "accept")
    page = mill_client.get("/me/introductions/").get_data(as_text=True)
    assert f"Ferme {CANARY}" not in page and "nord-farm@example.org" not in page
    farm_page = farm_client.get("/me/introductions/").get_data(as_text=True)
    assert f"Scierie {CANARY}" not in farm_page and "nord-mill@example.org" not in farm_page
    _answer(farm_client, pid, "accept")
    assert "nord-mill@example.org" in farm_client.get("/me/introductions/").get_data(as_text=True)
    page = mill_client.get("/me/introductions/").get_data(as_text=True)
    assert f"Ferme {CANARY}N" in page and "nord-farm@example.org" in page
    # The facilitator's dashboard counts the introduction in the funnel.
    dashboard = facilitator.get("/t/nord/").get_data(as_text=True)
    assert "Introduced (both accepted) : 1" in dashboard or "Mise en relation faite (les deux ont accepté) : 1" in dashboard


def test_one_refusal_closes_the_introduction_and_abandons_the_synergy(app, world, read, first_proposal):
    facilitator = app.test_client()
    pid, links = _accept_first_proposal(facilitator, read, first_proposal)
    mill_client, farm_client = _parties(app, world, links)
    _answer(mill_client, pid, "accept")
    _answer(farm_client, pid, "decline")
    _answer(farm_client, pid, "accept")  # too late: a refusal closes it
    page = mill_client.get("/me/introductions/").get_data(as_text=True)
    assert f"Ferme {CANARY}" not in page and "nord-farm@example.org" not in page
    synergy = read(lambda store: next(store.public["synergy"].rows_where("proposal_id = ?", [pid])))
    assert synergy["stage"] == "abandoned" and "declined" in synergy["reason"]


def test_introductions_need_an_actor_session_and_their_own_proposal(app, world, read, first_proposal):
    facilitator = app.test_client()
    pid, links = _accept_first_proposal(facilitator, read, first_proposal)
    stranger = app.test_client()
    assert stranger.get("/me/introductions/").status_code == 401
    assert stranger.get("/me/introductions/t/forged-token").status_code == 400
    # An actor of another territory, signed in through their own link, cannot answer this one.
    other = app.test_client()
    with app.test_request_context():
        token = make_token(world["sud"]["mill"].id, "interview")
    other.get(f"/a/{token}")
    # That actor has no form to copy a CSRF token from: give their session a known one.
    with other.session_transaction() as session:
        session["csrf_token"] = "fixed-for-the-test"
    with app.test_request_context():
        flask_session["csrf_token"] = "fixed-for-the-test"
        other.csrf_token = generate_csrf()
    assert _answer(other, pid, "accept").status_code == 404
    assert pid not in other.get("/me/introductions/").get_data(as_text=True)
    # An interview link is not an introduction link.
    assert other.get(f"/me/introductions/t/{token}").status_code == 400


def test_a_party_erasing_their_account_closes_the_introduction(app, world, read, first_proposal):
    facilitator = app.test_client()
    pid, links = _accept_first_proposal(facilitator, read, first_proposal)
    mill_client, farm_client = _parties(app, world, links)
    _answer(mill_client, pid, "accept")
    _answer(farm_client, pid, "accept")
    farm = world["nord"]["farm"].id
    read(lambda s: delete_actor(s, farm, who=f"actor:{farm}"))
    page = mill_client.get("/me/introductions/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"Ferme {CANARY}" not in html and "nord-farm@example.org" not in html
    assert facilitator.get(f"/t/nord/queue/{pid}").status_code == 200
    assert facilitator.get("/t/nord/synergies").status_code == 200
    assert facilitator.get("/t/nord/").status_code == 200
