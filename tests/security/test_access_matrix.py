"""Who may open what: every route of the app × seven principals, and what each response may contain.

The world (access_world.py): territory 1 "alpha" with actors A and B and a proposal
A → B (accepted by its facilitator, introductions pending, commented); territory 2
"beta" with actor C (and D, not a principal) and their own proposal. Every stored
value carries a canary naming its owner; MAY_SEE in access_world says whose
canaries each principal may read. Every response below — allowed or refused,
headers and body — is searched for the canaries its principal may not see.

URLs name the objects of territory 1 and actor A. Placeholders:
  {link} {intro} {unsub}  A's personal, introduction and unsubscribe links (signed tokens)
  {answer}                A's answer about what they offer
  {A}                     actor A
  {proposal} {synergy}    the A → B proposal and its synergy
  {unknown}               an unrecognised resource of territory 1

Cells: the expected status code, or `login` for a redirect to the sign-in page.
Refusals are `login`, 401, 403 and 404. A POST is sent with a valid form token of
the principal's own session; a refused POST must change nothing in either database
(and read nothing: no audit record), an allowed one is replayed on a copy of the world.

Besides the canaries, a response must not carry a working signed link of another
actor (holding one is being them), and the session cookie is read like the body
(Flask signs it, it does not encrypt it). Further checks below: objects of the
other territory reached through one's own URLs (CROSS), the same workspace for
territory 2, forms without their session's token, and an erased actor's session.
"""
from __future__ import annotations

import pytest
from access_matrix_table import BODIES, CROSS_ROWS, ERROR_PAGE, REFUSALS, ROWS
from access_world import (
    MAY_SEE, PRINCIPALS, audit_count, build_world, changed_tables, copy_app, foreign_links, found, leaks, links,
    make_app, opened, principals, response_text, secrets_of, smtp_server, snapshot,
)

from data.actors import delete_actor
from interview_bot.web import limiter

@pytest.fixture(scope="module")
def inbox():
    with smtp_server() as server:
        yield server


@pytest.fixture(scope="module")
def world(tmp_path_factory, inbox):
    """(app, ids, principals): built once for the module; tests that change data use a copy."""
    app = make_app(tmp_path_factory.mktemp("matrix") / "instance", inbox.port)
    with opened(app, create=True) as store:
        ids = build_world(store)
    return app, ids, principals(app, ids)


@pytest.fixture(scope="module")
def values(world) -> dict:
    app, ids, _principals = world
    return {**links(app, ids["actor"]["A"], ids["proposal"][1]),
            "answer": ids["answer"]["A"], "answer2": ids["answer"]["C"],
            "A": ids["actor"]["A"], "B": ids["actor"]["B"], "C": ids["actor"]["C"],
            "proposal": ids["proposal"][1], "proposal2": ids["proposal"][2],
            "synergy": ids["synergy"][1], "synergy2": ids["synergy"][2],
            "unknown": ids["unknown"][1], "unknown2": ids["unknown"][2], "fac2": ids["user"]["fac2"]["id"]}


def outcome(response) -> str:
    """The response as a matrix cell: its status, or `login` for the sign-in page's refusal (a
    redirect to it that asks to come back: signing out also ends on the sign-in page, as a 302)."""
    location = response.headers.get("Location", "") if response.status_code == 302 else ""
    if location.split("?")[0].endswith("/login") and "next=" in location:
        return "login"
    return str(response.status_code)


def send(principal, app, method: str, template: str, values: dict):
    url = template.format(**values)
    if method == "GET":
        return principal.get(app, url)
    return principal.post(app, url, {k: v.format(**values) for k, v in BODIES.get(template, {}).items()})


def exposed(app, principal, response) -> list[str]:
    """What the response shows that its principal may not see: others' canaries, others' working links."""
    text = response_text(response, app)
    return leaks(text, principal.name) + foreign_links(app, text, principal.actor_id)


def row_id(row) -> str:
    return f"{row[0]} {row[1]}"


def test_the_matrix_covers_every_route_and_method(world, values):
    """A route added without a row here fails: the matrix stays complete."""
    app = world[0]
    adapter = app.url_map.bind("symbiose.test")
    declared = set()
    for method, template, _cells in ROWS:
        rule, _args = adapter.match(template.format(**values).split("?")[0], method=method, return_rule=True)
        declared.add((rule.rule, method))
    routes = {(rule.rule, method) for rule in app.url_map.iter_rules()
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes - declared == set(), "routes without a row in MATRIX"
    assert len({(m, u) for m, u, _c in ROWS}) == len(ROWS), "a row is declared twice"


@pytest.mark.parametrize("row", [r for r in ROWS if r[0] == "GET"], ids=row_id)
def test_pages(world, values, row):
    app, _ids, people = world
    method, template, expected = row
    wrong, leaked = {}, {}
    for name in PRINCIPALS:
        response = send(people[name], app, method, template, values)
        if outcome(response) != expected[name]:
            wrong[name] = f"{outcome(response)} (expected {expected[name]})"
        elif response.status_code in (401, 404) and ERROR_PAGE not in response.get_data(as_text=True):
            wrong[name] = f"{response.status_code} without the app's page saying what to do"
        if shown := exposed(app, people[name], response):
            leaked[name] = shown
    assert not wrong, f"{method} {template}: {wrong}"
    assert not leaked, f"{method} {template}: canaries the principal may not see: {leaked}"


def test_territory_2_workspace_mirrors_it_and_shows_nothing_of_territory_1(world, values):
    """The workspace rows again, for territory 2 and its objects: its facilitator and the other swap."""
    app, ids, people = world
    mirrored = {**values, "A": ids["actor"]["C"], "proposal": values["proposal2"], "synergy": values["synergy2"],
                "unknown": values["unknown2"]}
    wrong, leaked = {}, {}
    for method, template, expected in ROWS:
        if method != "GET" or not template.startswith("/t/alpha/"):
            continue
        template = template.replace("/t/alpha/", "/t/beta/")
        swapped = {**expected, "fac1": expected["fac2"], "fac2": expected["fac1"]}
        for name in ("fac1", "fac2", "admin"):
            response = send(people[name], app, method, template, mirrored)
            if outcome(response) != swapped[name]:
                wrong[f"{name} {template}"] = f"{outcome(response)} (expected {swapped[name]})"
            if shown := exposed(app, people[name], response):
                leaked[f"{name} {template}"] = shown
    assert not wrong and not leaked, (wrong, leaked)


@pytest.mark.parametrize("row", [r for r in ROWS if r[0] == "POST" and set(r[2].values()) & REFUSALS], ids=row_id)
def test_refused_posts_change_nothing(world, values, inbox, row):
    app, _ids, people = world
    method, template, expected = row
    refused = [name for name in PRINCIPALS if expected[name] in REFUSALS]
    before, audited, mails = snapshot(app), audit_count(app), len(inbox.messages)
    for name in refused:
        response = send(people[name], app, method, template, values)
        assert outcome(response) == expected[name], f"{name}: {response.status_code}"
        assert not exposed(app, people[name], response), name
        assert changed_tables(before, snapshot(app)) == [], f"{name}'s refused request changed the data"
        assert audit_count(app) == audited, f"{name}'s refused request read confidential data"
    assert len(inbox.messages) == mails, "a refused request sent an email"


@pytest.mark.parametrize("row", [r for r in ROWS if r[0] == "POST"], ids=row_id)
def test_every_form_needs_the_token_of_its_own_session(world, values, inbox, row):
    """A form sent from another site (no token), or with a token lifted from someone else's session,
    is refused (400) even from a principal allowed to send it, and changes nothing."""
    app, _ids, people = world
    method, template, expected = row
    name = next((n for n in PRINCIPALS[1:] if expected[n] not in REFUSALS), "anon")
    other = people["fac2" if name != "fac2" else "fac1"]
    url = template.format(**values)
    body = {k: v.format(**values) for k, v in BODIES.get(template, {}).items()}
    before, mails = snapshot(app), len(inbox.messages)
    for token in (None, other.csrf):
        response = people[name].client(app).post(url, data={**body, **({"csrf_token": token} if token else {})})
        assert response.status_code == 400, (name, token is not None, response.status_code)
    assert changed_tables(before, snapshot(app)) == [] and len(inbox.messages) == mails


@pytest.mark.parametrize("row", [r for r in ROWS if r[0] == "POST"], ids=row_id)
def test_allowed_posts(world, values, inbox, tmp_path, row):
    """The allowed principals get their status (on a copy of the world): the URL of each row is
    right, so the refusals above are refusals of a working form, not of a broken link."""
    app, _ids, people = world
    method, template, expected = row
    for name in PRINCIPALS:
        if expected[name] in REFUSALS:
            continue
        copy = copy_app(app, tmp_path / name, inbox.port)  # each principal meets the same world
        limiter.reset()  # every principal's request comes from the same test address
        response = send(people[name], copy, method, template, values)
        assert outcome(response) == expected[name], f"{name}: {response.status_code}"
        assert not exposed(copy, people[name], response), name


@pytest.mark.parametrize("row", CROSS_ROWS, ids=lambda r: f"{r[0]} {r[1]} {r[2]}")
def test_objects_of_others_through_ones_own_urls(world, values, inbox, row):
    app, _ids, people = world
    name, method, template, expected = row
    before, audited = snapshot(app), audit_count(app)
    response = send(people[name], app, method, template, values)
    assert outcome(response) == expected
    assert not exposed(app, people[name], response)
    assert changed_tables(before, snapshot(app)) == [] and audit_count(app) == audited


def test_the_canaries_are_where_they_belong(world, values):
    """The search for canaries finds them where they may be: a test that could not fail otherwise."""
    app, _ids, people = world
    own = people["A"].get(app, "/me/interview/summary").get_data(as_text=True)
    assert found(own, secrets_of("A", ("name", "offer", "exact")))
    workspace = people["fac1"].get(app, f"/t/alpha/queue/{values['proposal']}").get_data(as_text=True)
    assert found(workspace, secrets_of("B", ("name",))) and found(workspace, secrets_of("N1", ("comment",)))
    export = people["admin"].get(app, "/t/alpha/export/actors.csv").get_data(as_text=True)
    assert found(export, secrets_of("A", ("name", "email"))) and leaks(export, "fac2")
    assert MAY_SEE["admin"] >= MAY_SEE["fac1"] | MAY_SEE["fac2"]
    assert "session: {'csrf_token'" in response_text(app.test_client().get("/"), app)  # cookies are read too


def test_an_erased_actors_session_gets_what_a_stranger_gets(world, values, inbox, tmp_path):
    """A browser still signed in as an actor whose account was erased (from another device, or by
    the retention rule) gets the anonymous column of the matrix in the actor's space; the erased
    actor's links no longer open anything (410)."""
    app, ids, people = world
    copy = copy_app(app, tmp_path / "erased", inbox.port)
    with opened(copy) as store:
        delete_actor(store, ids["actor"]["A"], who="test")
    wrong = {}
    for method, template, expected in ROWS:
        if not template.startswith(("/me", "/a/")):
            continue
        want = "410" if template in ("/a/{link}", "/me/introductions/t/{intro}") else expected["anon"]
        response = send(people["A"], copy, method, template, values)
        if outcome(response) != want:
            wrong[f"{method} {template}"] = f"{outcome(response)} (expected {want})"
        assert not exposed(copy, people["A"], response), template
    assert not wrong, wrong


def test_the_link_check_recognises_a_working_link(world, values):
    """The search for others' links finds one where it is: a test that could not fail otherwise."""
    app, _ids, people = world
    page = f"<a href=\"https://symbiose.test/a/{values['link']}\">" + values["unsub"]
    assert sorted(foreign_links(app, page, None)) == [f"interview link of {values['A']}",
                                                      f"unsubscribe link of actor:{values['A']}"]
    assert foreign_links(app, page, values["A"]) == []


def test_once_the_other_party_left_an_introduction_takes_no_answer(world, values, inbox, tmp_path):
    """A erased their account while B's answer was pending: B's "yes" records nothing and B is not
    told that everyone accepted (nor counted by the facilitator as introduced)."""
    app, ids, people = world
    copy = copy_app(app, tmp_path / "left", inbox.port)
    with opened(copy) as store:
        delete_actor(store, ids["actor"]["A"], who="test")
    before = snapshot(copy)
    response = people["B"].client(copy).post(f"/me/introductions/{values['proposal']}", follow_redirects=True,
                                             data={"choice": "accept", "csrf_token": people["B"].csrf})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "This introduction will not happen." in page
    assert "Everyone accepted" not in page
    assert changed_tables(before, snapshot(copy)) == []
