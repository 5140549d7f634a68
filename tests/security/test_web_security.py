"""Web security controls, each checked against the real app and real SQLite files:
CSRF on every state-changing route (from the URL map, so new routes are covered), cookie
flags, the Content-Security-Policy and headers on every response, rate limits, personal
links bound to one purpose and expiring, and a session renewed at every sign-in."""
from __future__ import annotations

import hashlib
import re
import sqlite3
import time
from pathlib import Path

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from security_support import csrf_token, facilitator_support

from data import Store, generate_key
from data import decisions as dec
from data.digests import state as digest_state
from data.directory import unknown_resources
from data.synergies import synergy_for
from data.territories import create_territory, get_territory
from interview_bot import create_app
from interview_bot.auth.tokens import PURPOSES, make_token

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
EXPIRED_FORM = ("Ce formulaire a expiré", "Rien n&#39;a été enregistré")
# A form that would change something on any of our routes if its token were accepted.
TEMPTING_FORM = {"text": "csrf", "reason": "csrf", "sharing": "anonymous", "agree": "1", "name": "Csrf",
                 "email": "anim@nord.example", "password": facilitator_support.PASSWORD, "activity": "scierie",
                 "choice": "accept", "action": "unsubscribe", "stage": "study", "node_id": "material",
                 "parent_id": "material", "label_fr": "csrf", "topic": "offers", "confirm": "1", "division": "16",
                 "problems": "csrf", "strengths": "csrf", "days": "10", "value": "1", "tonnes_year": "5"}
CSP_DIRECTIVES = ("default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'",
                  "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'")


def snapshot(data_dir: Path) -> str:
    """Every row of both databases, hashed: equal snapshots mean nothing was written."""
    digest = hashlib.sha256()
    for name in ("public.db", "vault.db"):
        with sqlite3.connect(data_dir / name) as conn:
            for line in conn.iterdump():
                digest.update(line.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


@pytest.fixture
def scene(fuzz_app, fuzz_store, facilitator, actor_session):
    """Everything a route may name: a proposal with a synergy and an introduction, an unrecognised
    answer, an actor with answers, and their personal links."""
    world = fuzz_app.config["WORLD"]
    client, _token = facilitator
    me = actor_session()
    pid = fuzz_store.public.execute("SELECT id FROM proposal WHERE territory_id = ? ORDER BY id",
                                    [get_territory(fuzz_store, "nord")["id"]]).fetchone()[0]
    dec.accept(fuzz_store, pid, None)
    me.client.post("/me/interview/problems", data={"problems": "trop de cartons", "csrf_token": me.token})
    answer_id = fuzz_store.vault.execute("SELECT id FROM answer WHERE actor_id = ?", [me.id]).fetchone()[0]
    with fuzz_app.test_request_context():
        tokens = {purpose: make_token(world["farm"].id if purpose != "unsubscribe" else f"actor:{world['farm'].id}",
                                      purpose, p=pid) for purpose in PURPOSES}
    values = {"slug": "nord", "proposal_id": pid, "action": "comment", "actor_id": world["mill"].id,
              "synergy_id": synergy_for(fuzz_store, pid)["id"], "answer_id": answer_id, "step": "offers",
              "resource_id": unknown_resources(fuzz_store, get_territory(fuzz_store, "nord")["id"])[0]["id"],
              "kind": "actors", "filename": "style.css"}
    return {"facilitator": client, "actor": me, "values": values, "tokens": tokens, "world": world, "pid": pid}


def url_of(app, rule, values: dict, tokens: dict) -> str:
    token_for = {"auth.actor_link": "interview", "introductions.from_email": "introduction",
                 "digest.unsubscribe": "unsubscribe"}
    args = {}
    for name in sorted(rule.arguments - set(rule.defaults or {})):
        if name == "token":
            args[name] = tokens[token_for.get(rule.endpoint, "interview")]
        elif name in values:
            args[name] = values[name]
        else:  # a parameter this test does not know yet: any value reaches the CSRF check
            args[name] = 1 if "int" in type(rule._converters.get(name)).__name__.lower() else "x"
    with app.test_request_context():
        from flask import url_for  # noqa: PLC0415

        return url_for(rule.endpoint, **args)


def state_changing_rules(app):
    return sorted((r for r in app.url_map.iter_rules() if r.methods & STATE_CHANGING), key=lambda r: r.rule)


def test_every_state_changing_route_refuses_a_form_without_its_csrf_token(fuzz_app, scene):
    rules = state_changing_rules(fuzz_app)
    assert len(rules) >= 20, [r.rule for r in rules]
    other_session_token = csrf_token(fuzz_app.test_client(), "/")
    data_dir = Path(fuzz_app.config["DATA_DIR"])
    before = snapshot(data_dir)
    for rule in rules:
        url = url_of(fuzz_app, rule, scene["values"], scene["tokens"])
        for who, client in (("facilitator", scene["facilitator"]), ("actor", scene["actor"].client)):
            for method in sorted(rule.methods & STATE_CHANGING):
                for token in (None, other_session_token, "forged"):
                    form = dict(TEMPTING_FORM, **({"csrf_token": token} if token else {}))
                    response = client.open(url, method=method, data=form)
                    assert response.status_code == 400, (rule.rule, who, token, response.status_code)
                    body = response.get_data(as_text=True)
                    assert all(part in body for part in EXPIRED_FORM), (rule.rule, who)
    assert snapshot(data_dir) == before, "a form without a valid token changed something"
    # Both are still signed in: the refusals above were not "not signed in" in disguise.
    assert scene["facilitator"].get("/t/nord/queue").status_code == 200
    assert scene["actor"].client.get("/me").status_code == 200


def test_the_same_forms_with_their_token_do_change_things(fuzz_app, fuzz_store, scene):
    """The control for the test above: with the session's token the forms go through."""
    client, pid = scene["facilitator"], scene["pid"]
    token = csrf_token(client, f"/t/nord/queue/{pid}")
    assert client.post(f"/t/nord/queue/{pid}/comment", data={"text": "avec jeton", "csrf_token": token}).status_code == 302
    assert [n["text"] for n in dec.notes(fuzz_store, pid)][-1] == "avec jeton"
    me = scene["actor"]
    assert me.client.post("/me/interview/swot", data={"strengths": "avec jeton", "csrf_token": me.token}).status_code == 302


def test_one_click_unsubscribe_is_the_only_tokenless_post_and_needs_a_genuine_link(fuzz_app, fuzz_store, scene):
    """RFC 8058: mail clients post "List-Unsubscribe=One-Click" without cookies; the signed link is the proof."""
    farm = scene["world"]["farm"].id
    client = fuzz_app.test_client()
    forged = client.post("/digest/unsubscribe/not-a-real-token", data={"List-Unsubscribe": "One-Click"})
    assert forged.status_code == 400
    assert digest_state(fuzz_store, f"actor:{farm}").unsubscribed_at is None
    genuine = client.post(f"/digest/unsubscribe/{scene['tokens']['unsubscribe']}", data={"List-Unsubscribe": "One-Click"})
    assert genuine.status_code == 204
    assert digest_state(fuzz_store, f"actor:{farm}").unsubscribed_at is not None
    # The page's own buttons (resubscribe included) still need the form's token.
    again = client.post(f"/digest/unsubscribe/{scene['tokens']['unsubscribe']}", data={"action": "resubscribe"})
    assert again.status_code == 400
    assert digest_state(fuzz_store, f"actor:{farm}").unsubscribed_at is not None


# ------------------------------------------------------------------ headers on every response

def check_headers(response, what: str) -> None:
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    assert all(d in csp for d in CSP_DIRECTIVES), (what, csp)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "*" not in csp, (what, csp)
    assert headers.get("X-Content-Type-Options") == "nosniff", what
    assert headers.get("X-Frame-Options") == "DENY", what
    assert headers.get("Referrer-Policy") == "same-origin", what  # personal links never leak to other sites
    if response.mimetype != "text/css" and response.mimetype != "text/javascript" and response.status_code != 304:
        assert headers.get("Cache-Control") == "no-store", what  # no page with personal data kept by a cache


def test_every_page_error_redirect_download_and_file_carries_the_security_headers(fuzz_app, scene):
    seen = 0
    anonymous = fuzz_app.test_client()
    gets = sorted((r for r in fuzz_app.url_map.iter_rules() if "GET" in r.methods), key=lambda r: r.rule)
    for rule in gets:
        url = url_of(fuzz_app, rule, scene["values"], scene["tokens"])
        clients = [anonymous, scene["facilitator"], scene["actor"].client]
        if rule.arguments & {"token"}:
            clients = [fuzz_app.test_client()]  # a link signs its opener in: keep the others' sessions
        for client in clients:
            response = client.get(url)
            assert response.status_code < 500, (rule.rule, response.status_code)
            check_headers(response, f"GET {url} → {response.status_code}")
            seen += 1
    extra = [
        anonymous.get("/nowhere"),  # 404
        anonymous.post("/link", data={"email": "x@example.org"}),  # 400, no CSRF token
        anonymous.get("/logout"),  # 405
        anonymous.post("/link", data={"email": "x" * (3 * 1024 * 1024)}),  # 413
        anonymous.get("/me"),  # 401
        anonymous.get("/a/expired-or-forged"),  # 400
        anonymous.get("/static/interview.js"),
        anonymous.get("/healthz"),  # JSON
        scene["facilitator"].get("/t/nord/export/proposals.csv"),  # download
    ]
    assert [r.status_code for r in extra] == [404, 400, 405, 413, 401, 400, 200, 200, 200]
    for response in extra:
        check_headers(response, f"{response.request.path} → {response.status_code}")
    assert seen >= 40


def test_hsts_in_production(tmp_path):
    app = production_app(tmp_path)
    response = app.test_client().get("/", base_url="https://symbiose.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    check_headers(response, "production home page")


# ------------------------------------------------------------------ cookies

def production_app(tmp_path):
    dev = create_app({"DATA_DIR": str(tmp_path / "instance"), "ENV": "development"})
    with Store.open(dev.config["DATA_DIR"], dev.config["KEYRING"], create=True) as store:
        create_territory(store, "nord", "Nord")
        facilitator_support.users(store, ["nord"])
    return create_app({"DATA_DIR": str(tmp_path / "instance"), "ENV": "production", "TESTING": True,
                       "SECRET_KEY": generate_key() + generate_key(), "VAULT_KEY": dev.config["VAULT_KEY"]})


def session_cookie_flags(response) -> set[str]:
    """The attributes of the session cookie set by `response`: {"httponly", "secure", "samesite=lax", …}."""
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    return {part.strip().lower() for part in cookie.split(";")[1:]}


@pytest.mark.parametrize("env", ["production", "development"])
def test_session_cookie_is_httponly_samesite_and_secure_in_production(tmp_path, env):
    app = production_app(tmp_path) if env == "production" else create_app(
        {"DATA_DIR": str(tmp_path / "instance"), "ENV": "development", "TESTING": True})
    client = app.test_client()
    https = "https://symbiose.example"
    first = client.get("/login", base_url=https)
    token = re.search(r'name="csrf_token" value="([^"]+)"', first.get_data(as_text=True)).group(1)
    responses = [first]
    if env == "production":
        form = {"email": "anim@nord.example", "password": facilitator_support.PASSWORD, "csrf_token": token}
        # Behind HTTPS, Flask-WTF also wants a same-site Referer: the Referrer-Policy lets browsers send it.
        assert first.headers["Referrer-Policy"] == "same-origin"
        for referer in (None, "https://evil.example/login"):
            refused = client.post("/login", base_url=https, data=form, headers={"Referer": referer} if referer else {})
            assert refused.status_code == 400, referer
        signed_in = client.post("/login", base_url=https, data=form, headers={"Referer": https + "/login"})
        assert signed_in.status_code == 302
        responses.append(signed_in)
    for response in responses:
        flags = session_cookie_flags(response)
        assert "httponly" in flags and "samesite=lax" in flags, flags
        assert ("secure" in flags) == (env == "production"), flags


# ------------------------------------------------------------------ rate limits

@pytest.fixture
def limited_app(data_dir):
    app = create_app({"DATA_DIR": str(data_dir), "ENV": "development", "TESTING": True})
    with Store.open(app.config["DATA_DIR"], app.config["KEYRING"], create=True) as store:
        create_territory(store, "nord", "Nord")
        facilitator_support.users(store, ["nord"])
    return app


def test_facilitator_login_is_rate_limited_per_address_even_with_the_right_password(limited_app):
    client = limited_app.test_client()
    token = csrf_token(client, "/login")
    for _ in range(10):
        response = client.post("/login", data={"email": "anim@nord.example", "password": "guess", "csrf_token": token})
        assert response.status_code == 401
    blocked = client.post("/login", data={"email": "anim@nord.example", "password": facilitator_support.PASSWORD,
                                          "csrf_token": token})
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert "Trop de demandes" in blocked.get_data(as_text=True)
    assert client.get("/t/nord/").status_code == 302  # the right password did not get through
    fresh = limited_app.test_client()  # a new session from the same address does not reset the count
    fresh_token = csrf_token(fresh, "/login")
    assert fresh.post("/login", data={"email": "anim@nord.example", "password": "guess",
                                      "csrf_token": fresh_token}).status_code == 429


def test_new_link_requests_are_rate_limited_per_address(limited_app):
    client = limited_app.test_client()
    token = csrf_token(client, "/")
    statuses = [client.post("/link", data={"email": f"n{i}@example.org", "csrf_token": token}).status_code
                for i in range(6)]
    assert statuses == [302] * 5 + [429]
    page = client.post("/link", data={"email": "n@example.org", "csrf_token": token})
    assert page.status_code == 429 and "Trop de demandes" in page.get_data(as_text=True)
    fresh = limited_app.test_client()
    assert fresh.post("/link", data={"email": "z@example.org", "csrf_token": csrf_token(fresh, "/")}).status_code == 429


# ------------------------------------------------------------------ personal links

LINK_PAGES = {"interview": "/a/{}", "introduction": "/me/introductions/t/{}", "unsubscribe": "/digest/unsubscribe/{}"}


def test_every_link_purpose_has_a_page_and_is_refused_everywhere_else(fuzz_app, fuzz_store, scene):
    assert set(LINK_PAGES) == set(PURPOSES), "a new link purpose needs its row in this test"
    farm = scene["world"]["farm"].id
    for purpose, token in scene["tokens"].items():
        for page, pattern in LINK_PAGES.items():
            client = fuzz_app.test_client()
            response = client.get(pattern.format(token))
            if page == purpose:
                assert response.status_code in (200, 302), (purpose, page)
                continue
            assert response.status_code == 400, (purpose, page, response.status_code)
            assert "pas valide" in response.get_data(as_text=True)
            assert client.get("/me").status_code == 401  # nobody signed in
    assert digest_state(fuzz_store, f"actor:{farm}").unsubscribed_at is None  # a GET changes nothing


def signed_days_ago(app, payload, purpose: str, days: float) -> str:
    class Past(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time() - days * 86_400)

    return URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=f"symbiose-link-{purpose}", signer=Past).dumps(payload)


def test_every_link_expires_after_the_configured_days(fuzz_app, scene):
    farm, pid = scene["world"]["farm"].id, scene["pid"]
    max_days = int(fuzz_app.config["LINK_MAX_AGE_DAYS"])
    for purpose, pattern in LINK_PAGES.items():
        subject = f"actor:{farm}" if purpose == "unsubscribe" else farm
        still = fuzz_app.test_client().get(pattern.format(signed_days_ago(fuzz_app, {"a": subject, "p": pid}, purpose,
                                                                            max_days - 0.5)))
        assert still.status_code in (200, 302), purpose
        client = fuzz_app.test_client()
        old = client.get(pattern.format(signed_days_ago(fuzz_app, {"a": subject, "p": pid}, purpose, max_days + 0.5)))
        assert old.status_code == 410, (purpose, old.status_code)
        assert "expiré" in old.get_data(as_text=True)
        assert client.get("/me").status_code == 401


# ------------------------------------------------------------------ session renewal

def test_facilitator_sign_in_renews_the_session_and_the_old_cookie_grants_nothing(fuzz_app):
    victim = fuzz_app.test_client()
    page = victim.get("/login")
    before = victim.get_cookie("session").value  # what an attacker could have planted or read
    old_token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    assert facilitator_support.login(victim, "anim@nord.example").status_code == 302
    after = victim.get_cookie("session").value
    assert after != before
    assert victim.get("/t/nord/queue").status_code == 200
    attacker = fuzz_app.test_client()
    attacker.set_cookie("session", before)
    assert attacker.get("/t/nord/queue").status_code == 302  # sent to the login page
    assert attacker.get("/facilitator").status_code == 302
    # The CSRF token of the pre-login page died with that session.
    assert victim.post("/logout", data={"csrf_token": old_token}).status_code == 400
    assert victim.get("/t/nord/queue").status_code == 200


def test_actor_link_renews_the_session_and_the_old_cookie_grants_nothing(fuzz_app, scene):
    farm = scene["world"]["farm"].id
    victim = fuzz_app.test_client()
    victim.get("/")
    before = victim.get_cookie("session").value
    assert victim.get(f"/a/{scene['tokens']['interview']}").status_code == 302
    assert victim.get_cookie("session").value != before
    assert victim.get("/me").status_code == 200
    attacker = fuzz_app.test_client()
    attacker.set_cookie("session", before)
    assert attacker.get("/me").status_code == 401
    assert attacker.get("/me/interview/summary").status_code == 401
    # A facilitator signing in on the same browser ends the actor's session, and the other way round.
    facilitator_support.login(victim, "anim@nord.example")
    assert victim.get("/me").status_code == 401
    victim.get(f"/a/{scene['tokens']['interview']}")
    assert victim.get("/t/nord/queue").status_code == 302
    assert farm


# ------------------------------------------------------------------ form ids

def test_a_form_id_copied_from_another_actor_neither_reads_nor_swallows_their_answer(fuzz_store, actor_session):
    """The double-submit id (submission_id) dedupes one actor's forms only."""
    alice, bob = actor_session(), actor_session()
    first = alice.client.post("/me/interview/offers", data={"text": "des palettes", "submission_id": "same-id",
                                                            "csrf_token": alice.token})
    alice_answer = first.headers["Location"].rsplit("/", 1)[1]
    second = bob.client.post("/me/interview/offers", data={"text": "du compost", "submission_id": "same-id",
                                                           "csrf_token": bob.token})
    assert second.status_code == 302 and not second.headers["Location"].endswith(alice_answer)
    bob_answers = [r[0] for r in fuzz_store.vault.execute("SELECT id FROM answer WHERE actor_id = ?", [bob.id])]
    assert len(bob_answers) == 1  # Bob's answer is kept, not swallowed as a "double submit" of Alice's
    assert fuzz_store.vault.execute("SELECT actor_id FROM answer WHERE id = ?", [alice_answer]).fetchone()[0] == alice.id
    assert bob.client.get(second.headers["Location"]).status_code == 200
