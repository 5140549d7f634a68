"""Who may open what: a facilitator sees their own territory only, an admin every one, nobody else anything."""
from __future__ import annotations

import re

from facilitator_support import CANARY, PASSWORD, csrf, login


PAGES = ["/t/{slug}/", "/t/{slug}/queue", "/t/{slug}/actors", "/t/{slug}/unrecognised", "/t/{slug}/synergies",
         "/t/{slug}/report", "/t/{slug}/export/actors.csv", "/t/{slug}/export/proposals.csv",
         "/t/{slug}/queue/{proposal}", "/t/{slug}/actors/{actor}"]
ACTIONS = ["/t/{slug}/queue/{proposal}/accept", "/t/{slug}/queue/{proposal}/reject", "/t/{slug}/actors/invite",
           "/t/{slug}/actors/{actor}/resend", "/t/{slug}/actors/{actor}/answers"]


def _urls(world, first_proposal, slug: str, templates: list[str]) -> list[str]:
    proposal = first_proposal(slug)
    return [t.format(slug=slug, proposal=proposal, actor=world[slug]["mill"].id) for t in templates]


def test_anonymous_is_sent_to_login(client, world, read, first_proposal):
    for url in _urls(world, first_proposal, "nord", PAGES):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_other_territory_facilitator_gets_404_everywhere_and_sees_no_data(client, world, read, first_proposal):
    login(client, "anim@sud.example")
    token = csrf(client, "/t/sud/queue")
    for url in _urls(world, first_proposal, "nord", PAGES):
        response = client.get(url)
        assert response.status_code == 404, url
        assert CANARY + "N" not in response.get_data(as_text=True)
    for url in _urls(world, first_proposal, "nord", ACTIONS):
        response = client.post(url, data={"csrf_token": token, "reason": "x", "name": "X", "email": "x@y.org",
                                          "topic": "offers", "text": "x"})
        assert response.status_code == 404, url
    # nothing was decided or created in the other territory
    assert read(lambda store: (store.public.execute("SELECT count(*) FROM decision").fetchone()[0],
                               store.public.execute("SELECT count(*) FROM invitation").fetchone()[0])) == (0, 0)


def test_own_territory_and_admin(client, world, read, first_proposal):
    login(client, "anim@nord.example")
    assert client.get("/facilitator").headers["Location"].endswith("/t/nord/")
    for url in _urls(world, first_proposal, "nord", PAGES):
        assert client.get(url).status_code == 200, url
    client.post("/logout", data={"csrf_token": csrf(client, "/t/nord/")})
    login(client, "admin@symbiose.example")
    home = client.get("/facilitator").get_data(as_text=True)
    assert "/t/nord/" in home and "/t/sud/" in home
    for slug in ("nord", "sud"):
        assert client.get(f"/t/{slug}/queue").status_code == 200


def test_login_renews_session_and_refuses_bad_password_and_foreign_next(client, world):
    client.get("/login")
    before = client.get_cookie("session")
    bad = client.post("/login", data={"email": "anim@nord.example", "password": "wrong password!",
                                      "csrf_token": csrf(client, "/login")})
    assert bad.status_code == 401
    good = client.post("/login", data={"email": "anim@nord.example", "password": PASSWORD, "next": "//evil.example/x",
                                       "csrf_token": csrf(client, "/login")})
    assert good.status_code == 302 and good.headers["Location"] == "/facilitator"
    assert client.get_cookie("session").value != (before.value if before else None)


def test_logout_needs_csrf_and_signs_out(client, world):
    login(client, "anim@nord.example")
    assert client.post("/logout").status_code == 400  # no CSRF token
    client.post("/logout", data={"csrf_token": csrf(client, "/t/nord/")})
    assert client.get("/t/nord/").status_code == 302


def test_login_is_rate_limited(client, world):
    token = csrf(client, "/login")
    statuses = [client.post("/login", data={"email": "anim@nord.example", "password": "nope nope nope",
                                            "csrf_token": token}).status_code for _ in range(11)]
    assert statuses[:10] == [401] * 10 and statuses[10] == 429


def test_pages_have_no_inline_style_or_script(client, world, first_proposal):
    """The Content-Security-Policy forbids inline styles and scripts: no page may rely on them."""
    login(client, "anim@nord.example")
    for url in _urls(world, first_proposal, "nord", [p for p in PAGES if not p.endswith(".csv")]):
        html = client.get(url).get_data(as_text=True)
        assert " style=" not in html and "<style" not in html, url
        assert not re.search(r"<script(?![^>]*\ssrc=)", html) and not re.search(r"\son[a-z]+=", html), url
