"""Counterparty confidentiality: until every party accepts an introduction, nothing an actor
receives names the other side.

The story, played once for the module on the world of access_world.py (canaries in every
stored field) through the real app, a real SMTP server on loopback and the real digest run:

1. In territory "alpha", the matcher proposes A (sawmill) → B (farm). A third actor, E,
   offers the same sawdust but keeps it "for the facilitator only": E → B is proposed too.
   In territory "beta", D (sawmill) → C (farm), and three care homes P, Q, R that all need
   their biowaste collected are proposed as a pooling group.
2. The facilitator tries to accept E → B without E's agreement (refused), then accepts
   A → B; the other facilitator accepts D → C and the pooling group: every party is asked
   by email. B asks for a new personal link; the nightly digest goes out.        ("asked")
3. A accepts, C accepts, D declines, P and Q accept.                    ("not everyone yet")
4. B accepts, R accepts.                                                ("everyone answered")

At each step, everything A, B, C and D can see is collected: every page of their own space
(as the url map lists them, including their data export), every email they received and
every page its links open. The tests then say what may and may not be in it.
"""
from __future__ import annotations

import email
import re
from datetime import datetime, timedelta, timezone
from email import policy

import pytest
from access_world import (
    BASE_URL, FIELDS, PLACE, add_actor, build_world, canary, comment, found, leaks, make_app, opened, principal,
    proposal_between, response_text, secrets_of, smtp_server,
)

from interview_bot.digest import send_digests
from interview_bot.matching import refresh
from interview_bot.web import limiter

# What the parties see of each other once all accepted (the introductions page lists them).
AGREED_CONTACTS = ("name", "contact", "email", "phone")
REVEALED = (*AGREED_CONTACTS, "ref")  # the pseudonym in the proposal's sentence
LINK_RE = re.compile(re.escape(BASE_URL) + r"(/[^\s<>\"')]*)")
COLLECTION = "service.waste_collection.biowaste"
POOL = ("P", "Q", "R")
# Who is asked about whom: the exchange pairs, the declined pair, the pooling group.
INTRODUCED = [("A", "B"), ("B", "A"), *((x, y) for x in POOL for y in POOL if x != y)]
DECLINED = [("C", "D"), ("D", "C")]
READERS = ("A", "B", "C", "D", *POOL)
STEPS = ("asked", "not everyone yet", "everyone answered")


def counterparty_secrets(owner: str, *, revealed: tuple[str, ...] = ()) -> list[str]:
    """Everything of `owner` another actor must not see, but `revealed` fields; with the public
    partition's rounded coordinates, which would place the site within a kilometre."""
    hidden = tuple(f for f in FIELDS[owner] if f not in revealed)
    lat, lon = PLACE[owner]
    return secrets_of(owner, (*hidden, "exact")) + [f"{lat:.2f}", f"{lon:.2f}"]


def email_text(raw: str) -> str:
    """Every header and every text part of a message, decoded as its reader sees it."""
    message = email.message_from_string(raw, policy=policy.default)
    parts = [f"{k}: {v}" for k, v in message.items()]
    parts += [part.get_content() for part in message.walk() if part.get_content_maintype() == "text"]
    return "\n".join(parts)


def later(minutes: int) -> str:
    return (datetime.now(timezone.utc) + timedelta(minutes=minutes)).isoformat(timespec="seconds")


class Story:
    """The app, the world, the actors' sessions and what each actor saw at each step."""

    def __init__(self, app, inbox, ids):
        self.app, self.inbox, self.ids = app, inbox, ids
        self.sessions = {o: principal(app, o, actor_id=ids["actor"][o]) for o in (*READERS, "E")}
        self.seen: dict[str, dict[str, dict[str, str]]] = {}  # step → actor → {what: text}
        self.mails_read: dict[str, int] = {}

    def pages(self, owner: str) -> dict[str, str]:
        """Every page of the actor's own space, as the url map lists them, and their own answers."""
        session, app = self.sessions[owner], self.app
        urls = ["/", "/healthz"]
        for rule in app.url_map.iter_rules():
            if "GET" in rule.methods and rule.rule.startswith("/me") and rule.arguments <= set(rule.defaults or ()):
                urls.append(rule.rule)
        with opened(app) as store:
            answers = [r["id"] for r in store.vault["answer"].rows_where("actor_id = ?", [self.ids["actor"][owner]])]
        urls += [f"/me/interview/answer/{a}{suffix}" for a in answers for suffix in ("", "/edit")]
        out = {}
        for url in urls:
            response = session.client(app).get(url, follow_redirects=True)
            assert response.status_code < 500, url
            out[url] = response_text(response, app)
        return out

    def mails(self, owner: str) -> dict[str, str]:
        """The emails the actor received since the last look, and the pages their links open."""
        messages = self.inbox.to(f"{canary(owner, 'email').lower()}@example.org")
        fresh = messages[self.mails_read.get(owner, 0):]
        self.mails_read[owner] = len(messages)
        out = {}
        for n, message in enumerate(fresh):
            text = email_text(message["raw"])
            out[f"email {n}: {text.split('Subject: ', 1)[-1].splitlines()[0]}"] = text
            for path in LINK_RE.findall(text):
                response = self.sessions[owner].client(self.app).get(path, follow_redirects=True)
                out[f"link {path[:40]}"] = response_text(response, self.app)
        return out

    def look(self, step: str) -> None:
        limiter.reset()  # every actor's requests come from the same test address
        self.seen[step] = {o: {**self.pages(o), **self.mails(o)} for o in READERS}

    def respond(self, owner: str, proposal_id: str, choice: str) -> None:
        response = self.sessions[owner].post(self.app, f"/me/introductions/{proposal_id}", {"choice": choice})
        assert response.status_code == 302


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    with smtp_server() as inbox:
        app = make_app(tmp_path_factory.mktemp("counterparty") / "instance", inbox.port)
        with opened(app, create=True) as store:
            ids = build_world(store, accept=False)
            e, _answer = add_actor(store, "alpha", "E", "16.10A", "offers", "material.wood.sawdust_untreated",
                                   "offer", "sciure", sharing="facilitator")
            ids["actor"]["E"] = e.id
            refresh(store, "alpha")
            ids["hidden"] = proposal_between(store, ids["territory"][1], e.id, ids["actor"]["B"])
            for owner in POOL:
                home, _answer = add_actor(store, "beta", owner, "87.10A", "needs", COLLECTION, "need", "collecte")
                ids["actor"][owner] = home.id
            refresh(store, "beta")
            ids["pool"] = store.public.execute("SELECT id FROM proposal WHERE kind = 'pooling' AND node_id = ?",
                                               [COLLECTION]).fetchone()[0]
        story = Story(app, inbox, ids)
        facilitators = {n: principal(app, f"fac{n}", email=ids["user"][f"fac{n}"]["email"]) for n in (1, 2)}
        hidden = facilitators[1].post(app, f"/t/alpha/queue/{ids['hidden']}/accept")
        story.hidden_refused = hidden.status_code == 302 and not _introductions(app, ids["hidden"])
        for n, slug, proposal_id in ((1, "alpha", ids["proposal"][1]), (2, "beta", ids["proposal"][2]),
                                     (2, "beta", ids["pool"])):
            assert facilitators[n].post(app, f"/t/{slug}/queue/{proposal_id}/accept").status_code == 302
        for n in (1, 2):
            with opened(app) as store:
                comment(store, ids, n)
        story.sessions["B"].post(app, "/link", {"email": f"{canary('B', 'email').lower()}@example.org"})
        with opened(app) as store:
            story.digests = send_digests(store, until=later(1))
        story.look("asked")
        for owner, proposal_id, choice in (("A", ids["proposal"][1], "accept"), ("C", ids["proposal"][2], "accept"),
                                           ("D", ids["proposal"][2], "decline"), ("P", ids["pool"], "accept"),
                                           ("Q", ids["pool"], "accept")):
            story.respond(owner, proposal_id, choice)
        story.look("not everyone yet")
        story.respond("B", ids["proposal"][1], "accept")
        story.respond("R", ids["pool"], "accept")
        with opened(app) as store:
            send_digests(store, until=later(2))
        story.look("everyone answered")
        yield story


def _introductions(app, proposal_id: str) -> list:
    with opened(app) as store:
        return list(store.public["introduction"].rows_where("proposal_id = ?", [proposal_id]))


def _found_in(documents: dict[str, str], secrets: list[str]) -> dict[str, list[str]]:
    return {what: hits for what, text in documents.items() if (hits := found(text, secrets))}


def test_the_story_reached_every_channel(story):
    """Each actor was asked by email, got a digest, and reads the proposal on their pages."""
    assert story.digests.delivery.sent >= len(READERS), story.digests
    for owner in READERS:
        subjects = [what for what in story.seen["asked"][owner] if what.startswith("email")]
        assert len(subjects) >= 2 and any("Symbiose" in s for s in subjects), (owner, subjects)  # request, digest
        assert "km" in story.seen["asked"][owner]["/me/introductions/"], owner  # the proposal, in words
    assert "Litière pour animaux" in story.seen["asked"]["A"]["/me/introductions/"]
    assert "Animal bedding" in story.seen["asked"]["B"]["/me/introductions/"]  # B reads English
    assert any(what.startswith("email") for what in story.seen["asked"]["B"] if "link" in what.lower())
    assert {"/me/interview/offers", "/me/interview/summary", "/me/data.json"} <= set(story.seen["asked"]["A"])


@pytest.mark.parametrize("step", STEPS[:2])
@pytest.mark.parametrize("reader, other", INTRODUCED + DECLINED)
def test_before_every_party_accepts_nothing_names_the_counterparty(story, step, reader, other):
    leaked = _found_in(story.seen[step][reader], counterparty_secrets(other))
    assert not leaked, f"{reader} sees {other}'s data ({step}): {leaked}"


@pytest.mark.parametrize("reader, other", INTRODUCED)
def test_once_every_party_accepted_the_agreed_contacts_appear(story, reader, other):
    page = story.seen["everyone answered"][reader]["/me/introductions/"]
    assert found(page, secrets_of(other, AGREED_CONTACTS)) == secrets_of(other, AGREED_CONTACTS)


@pytest.mark.parametrize("reader, other", INTRODUCED)
def test_once_every_party_accepted_words_figures_and_places_stay_hidden(story, reader, other):
    leaked = _found_in(story.seen["everyone answered"][reader], counterparty_secrets(other, revealed=REVEALED))
    assert not leaked, f"{reader} sees more of {other} than the agreed contacts: {leaked}"


@pytest.mark.parametrize("step", STEPS)
def test_emails_name_nobody_even_after_everyone_accepted(story, step):
    """Mail is forwarded and kept: digests and introduction requests never name the other party."""
    for reader, other in INTRODUCED + DECLINED:
        mails = {what: text for what, text in story.seen[step][reader].items() if what.startswith("email")}
        leaked = _found_in(mails, counterparty_secrets(other))
        assert not leaked, f"an email to {reader} names {other}: {leaked}"


def test_a_declined_introduction_reveals_nobody(story):
    for reader, other in DECLINED:
        leaked = _found_in(story.seen["everyone answered"][reader], counterparty_secrets(other))
        assert not leaked, f"{reader} sees {other} although D declined"
    assert "n'aura pas lieu" in story.seen["everyone answered"]["C"]["/me/introductions/"]


@pytest.mark.parametrize("step", STEPS)
def test_facilitators_notes_never_reach_an_actor(story, step):
    for reader in READERS:
        leaked = _found_in(story.seen[step][reader], secrets_of("N1") + secrets_of("N2"))
        assert not leaked, f"{reader} reads a facilitator's note: {leaked}"


@pytest.mark.parametrize("step", STEPS)
def test_a_resource_kept_for_the_facilitator_never_reaches_the_other_party(story, step):
    """E keeps its sawdust for the facilitator only: B never hears of E → B, not even anonymously."""
    assert story.hidden_refused, "the facilitator could ask B about E's resource without E's agreement"
    leaked = _found_in(story.seen[step]["B"], [story.ids["hidden"], *counterparty_secrets("E")])
    assert not leaked, f"B hears of E's facilitator-only resource: {leaked}"
    assert _introductions(story.app, story.ids["hidden"]) == []




def test_each_facilitator_digest_stays_in_its_territory(story):
    for n in (1, 2):
        mails = story.inbox.to(story.ids["user"][f"fac{n}"]["email"])
        assert mails, f"the facilitator of territory {n} got no digest"
        for message in mails:
            assert not leaks(email_text(message["raw"]), f"fac{n}")
