"""Counterparty confidentiality: until every party accepts an introduction, nothing an actor
receives names the other side.

The story, played once for the module on the world of access_world.py (canaries in every
stored field) through the real app, a real SMTP server on loopback and the real digest run:

1. In territory "alpha", the matcher proposes A (sawmill) → B (farm). A third actor, E,
   offers the same sawdust but keeps it "for the facilitator only": E → B is proposed too.
2. The facilitator tries to accept E → B without E's agreement (refused), then accepts
   A → B: both are asked by email. A B-side user asks for a new personal link; the nightly
   digest goes out.
3. A accepts; then B accepts. In territory "beta", C accepts and D declines.

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
    BASE_URL, PLACE, add_actor, build_world, canary, comment, found, make_app, opened, principal,
    proposal_between, secrets_of, smtp_server,
)

from interview_bot.digest import send_digests
from interview_bot.matching import refresh
from interview_bot.web import limiter

# What both sides see of each other once both accepted (the introductions page lists them).
AGREED_CONTACTS = ("name", "contact", "email", "phone")
REVEALED = (*AGREED_CONTACTS, "ref")  # the pseudonym in the proposal's sentence
LINK_RE = re.compile(re.escape(BASE_URL) + r"(/[^\s<>\"')]*)")


def counterparty_secrets(owner: str, *, revealed: tuple[str, ...] = ()) -> list[str]:
    """Everything of `owner` another actor must not see, but `revealed` fields; with the public
    partition's rounded coordinates, which would place the site within a kilometre."""
    hidden = tuple(f for f in secrets_fields(owner) if f not in revealed)
    lat, lon = PLACE[owner]
    return secrets_of(owner, (*hidden, "exact")) + [f"{lat:.2f}", f"{lon:.2f}"]


def secrets_fields(owner: str) -> tuple[str, ...]:
    from access_world import FIELDS

    return FIELDS[owner]


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
        self.sessions = {o: principal(app, o, actor_id=ids["actor"][o]) for o in ("A", "B", "C", "D", "E")}
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
            out[url] = "\n".join(f"{k}: {v}" for k, v in response.headers.items()) + "\n\n" + \
                response.get_data(as_text=True)
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
                out[f"link {path[:40]}"] = response.get_data(as_text=True)
        return out

    def look(self, step: str, owners=("A", "B", "C", "D")) -> None:
        limiter.reset()  # every actor's requests come from the same test address
        self.seen[step] = {o: {**self.pages(o), **self.mails(o)} for o in owners}

    def respond(self, owner: str, n: int, choice: str) -> None:
        response = self.sessions[owner].post(self.app, f"/me/introductions/{self.ids['proposal'][n]}",
                                             {"choice": choice})
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
        story = Story(app, inbox, ids)
        facilitators = {n: principal(app, f"fac{n}", email=ids["user"][f"fac{n}"]["email"]) for n in (1, 2)}
        hidden = facilitators[1].post(app, f"/t/alpha/queue/{ids['hidden']}/accept")
        story.hidden_refused = hidden.status_code == 302 and not _introductions(app, ids["hidden"])
        for n, slug in ((1, "alpha"), (2, "beta")):
            assert facilitators[n].post(app, f"/t/{slug}/queue/{ids['proposal'][n]}/accept").status_code == 302
            with opened(app) as store:
                comment(store, ids, n)
        story.sessions["B"].post(app, "/link", {"email": f"{canary('B', 'email').lower()}@example.org"})
        with opened(app) as store:
            story.digests = send_digests(store, until=later(1))
        story.look("asked")
        story.respond("A", 1, "accept")
        story.respond("C", 2, "accept")
        story.respond("D", 2, "decline")
        story.look("one accepted")
        story.respond("B", 1, "accept")
        with opened(app) as store:
            send_digests(store, until=later(2))
        story.look("both accepted")
        yield story


def _introductions(app, proposal_id: str) -> list:
    with opened(app) as store:
        return list(store.public["introduction"].rows_where("proposal_id = ?", [proposal_id]))


def _found_in(documents: dict[str, str], secrets: list[str]) -> dict[str, list[str]]:
    return {what: hits for what, text in documents.items() if (hits := found(text, secrets))}


def test_the_story_reached_every_channel(story):
    """Each actor was asked by email, got a digest, and reads the proposal on their pages."""
    assert story.digests.delivery.sent >= 4, story.digests
    for owner in ("A", "B"):
        subjects = [what for what in story.seen["asked"][owner] if what.startswith("email")]
        assert any("relation" in s for s in subjects) and any("Symbiose" in s for s in subjects), subjects
        page = story.seen["asked"][owner]["/me/introductions/"]
        assert "km" in page and "« Litière pour animaux »" in page
    assert any(what.startswith("email") for what in story.seen["asked"]["B"] if "lien" in what.lower())
    assert {"/me/interview/offers", "/me/interview/summary"} <= set(story.seen["asked"]["A"])


@pytest.mark.parametrize("step", ["asked", "one accepted"])
@pytest.mark.parametrize("reader, other", [("A", "B"), ("B", "A"), ("C", "D"), ("D", "C")])
def test_before_every_party_accepts_nothing_names_the_counterparty(story, step, reader, other):
    leaked = _found_in(story.seen[step][reader], counterparty_secrets(other))
    assert not leaked, f"{reader} sees {other}'s data ({step}): {leaked}"


def test_once_both_accepted_the_agreed_contacts_appear(story):
    for reader, other in (("A", "B"), ("B", "A")):
        page = story.seen["both accepted"][reader]["/me/introductions/"]
        assert found(page, secrets_of(other, AGREED_CONTACTS)) == secrets_of(other, AGREED_CONTACTS), reader


def test_once_both_accepted_words_figures_and_places_stay_hidden(story):
    for reader, other in (("A", "B"), ("B", "A")):
        leaked = _found_in(story.seen["both accepted"][reader], counterparty_secrets(other, revealed=REVEALED))
        assert not leaked, f"{reader} sees more of {other} than the agreed contacts: {leaked}"


@pytest.mark.parametrize("step", ["asked", "one accepted", "both accepted"])
def test_emails_name_nobody_even_after_both_accepted(story, step):
    """Mail is forwarded and kept: digests and introduction requests never name the other party."""
    for reader, other in (("A", "B"), ("B", "A"), ("C", "D"), ("D", "C")):
        mails = {what: text for what, text in story.seen[step][reader].items() if what.startswith("email")}
        leaked = _found_in(mails, counterparty_secrets(other))
        assert not leaked, f"an email to {reader} names {other}: {leaked}"


def test_a_declined_introduction_reveals_nobody(story):
    for reader, other in (("C", "D"), ("D", "C")):
        leaked = _found_in(story.seen["both accepted"][reader], counterparty_secrets(other))
        assert not leaked, f"{reader} sees {other} although {other if other == 'D' else reader} declined"
    assert "n'aura pas lieu" in story.seen["both accepted"]["C"]["/me/introductions/"]


@pytest.mark.parametrize("step", ["asked", "one accepted", "both accepted"])
def test_facilitators_notes_never_reach_an_actor(story, step):
    for reader in ("A", "B", "C", "D"):
        leaked = _found_in(story.seen[step][reader], secrets_of("N1") + secrets_of("N2"))
        assert not leaked, f"{reader} reads a facilitator's note: {leaked}"


@pytest.mark.parametrize("step", ["asked", "one accepted", "both accepted"])
def test_a_resource_kept_for_the_facilitator_never_reaches_the_other_party(story, step):
    """E keeps its sawdust for the facilitator only: B never hears of E → B, not even anonymously."""
    assert story.hidden_refused, "the facilitator could ask B about E's resource without E's agreement"
    leaked = _found_in(story.seen[step]["B"], [story.ids["hidden"], *counterparty_secrets("E")])
    assert not leaked, f"B hears of E's facilitator-only resource: {leaked}"
    assert _introductions(story.app, story.ids["hidden"]) == []


