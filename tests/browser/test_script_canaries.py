"""Script canaries typed into every free-text field never run, in real Chromium.

An actor types markup into every field of the interview (names, activity, place,
answers, follow-up details, notes, an edit); a territory's seeded actors carry the
same canaries in their names and answers; the facilitator writes them into
comments, a reject reason, a synergy note and an invitation. Every page the actor
and the facilitator then open is checked: `window.__pwned` is still undefined, no
Content-Security-Policy violation was reported (so neither a canary nor one of our
own scripts tried anything inline), and no canary became an element of the page.
"""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from data import Store
from data.actors import create_actor
from data.territories import create_user
from data.types import Identity
from interview_bot import create_app
from interview_bot.auth.tokens import make_token

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "facilitator"))
import facilitator_support  # noqa: E402 - the facilitator tests' small real territory, reused

pytestmark = pytest.mark.browser
CANARY = ("<script>window.__pwned=1</script>\"><img src=x onerror=window.__pwned=1>"
          "'><svg onload=window.__pwned=1>{{7*7191}}")
SHORT_CANARY = "<b>x</b>'\""  # for fields of 10 characters
EMAIL = "canari@symbiose.example"
PASSWORD = "a long canary test password"
WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sourceFile || '')));
"""
INJECTED = ("document.querySelectorAll('img[src=\"x\"], svg[onload], [onerror], [onload], "
            "script:not([src]), script[src]:not([src^=\"/static/\"])').length")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(base: str, proc: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while True:
        assert proc.poll() is None, f"the server exited:\n{proc.stdout.read() if proc.stdout else ''}"
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2).close()
            return
        except OSError:
            assert time.monotonic() < deadline, f"nothing served at {base} after {timeout} s"
            time.sleep(0.2)


@pytest.fixture(scope="module")
def canary_server(tmp_path_factory):
    """`symbiose serve` on a free port over a territory whose actors carry the canaries."""
    data_dir = tmp_path_factory.mktemp("canary-data")
    app = create_app({"DATA_DIR": str(data_dir), "ENV": "development"})
    with Store.open(data_dir, app.config["KEYRING"], create=True) as store:
        facilitator_support.build(store, "canari", CANARY)
        create_user(store, EMAIL, PASSWORD, "facilitator", "canari")
        newcomer = create_actor(store, "canari", None, Identity(name="Nouvel acteur", email="nouvel@example.org"))
    with app.test_request_context():
        link = f"/a/{make_token(newcomer.id, 'interview')}"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYMBIOSE_")}
    env.update(SYMBIOSE_DATA_DIR=str(data_dir), SYMBIOSE_BASE_URL=f"http://127.0.0.1:{port}")
    proc = subprocess.Popen([sys.executable, "-m", "interview_bot.cli", "serve", "--port", str(port), "--workers", "1"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_until_serving(f"http://127.0.0.1:{port}", proc)
        yield f"http://127.0.0.1:{port}", link
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


class Watched:
    """A page whose every load is checked for executed or injected canaries."""

    def __init__(self, context):
        context.add_init_script(WATCH)
        self.page = context.new_page()
        self.console: list[str] = []
        self.page.on("console", lambda m: self.console.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.console.append(str(e)))
        self.page.on("dialog", lambda d: d.accept())  # the "Reject this proposal?" confirmation
        self.checked: list[str] = []

    def check(self) -> None:
        page = self.page
        page.wait_for_load_state()
        where = page.url
        assert page.evaluate("window.__pwned === undefined"), f"a canary ran on {where}"
        assert page.evaluate("window.__csp") == [], f"CSP violation on {where}: {page.evaluate('window.__csp')}"
        assert page.evaluate(INJECTED) == 0, f"a canary became markup on {where}"
        assert "50337" not in page.content(), f"a template expression was evaluated on {where}"
        assert not [m for m in self.console if "Content Security Policy" in m or "Refused to" in m], self.console
        self.checked.append(where)

    def goto(self, url: str) -> None:
        self.page.goto(url)
        self.check()

    def submit(self, form_selector: str, url_pattern: str) -> None:
        self.page.locator(form_selector).locator("button[type=submit]").first.click()
        expect(self.page).to_have_url(re.compile(url_pattern), timeout=60_000)
        self.check()


def test_canaries_in_every_free_text_field_never_run(browser, canary_server):
    base, link = canary_server
    actor = Watched(browser.new_context(locale="fr-FR"))
    page = actor.page
    actor.goto(base + link)
    expect(page).to_have_url(re.compile(r"/me$"))
    actor.goto(base + "/me/interview/consent")
    page.locator("#agree").check()
    actor.submit("form[action$='/consent']", r"/me/interview/identity$")

    page.locator("#name").fill("Ferme " + CANARY)
    page.locator("#activity").fill("élevage de veaux " + CANARY)
    page.locator("#commune").fill("Prémery " + CANARY)  # not found on the map: shown back in a warning
    page.locator("#postcode").fill(SHORT_CANARY)
    actor.submit("form[action$='/identity']", r"/identity/sector$")
    expect(page.locator("main")).to_contain_text("Prémery <script>")  # shown as text, escaped
    actor.submit("form[action$='/identity/sector']", r"/me/interview/offers$")

    for topic, text in (("offers", "du fumier de bovins "), ("needs", "de la sciure pour la litière ")):
        actor.goto(f"{base}/me/interview/{topic}")
        page.locator("#text").fill(text + CANARY)
        actor.submit("form.answer", r"/answer/ans_\w+$")
        follow_ups = page.locator("form.answer input[type=text], form.answer input:not([type])").all()
        assert len(follow_ups) >= 2  # how much, how often, from when, condition…
        for field in follow_ups:
            field.fill(CANARY[:190])
        for item in page.locator("fieldset.item").all():  # a meaning must be chosen when the bot was unsure
            if item.locator("input[type=radio]").count() and not item.locator("input[type=radio]:checked").count():
                item.locator("input[type=radio]").first.check()
        actor.submit("form.answer", rf"/me/interview/{topic}")
        expect(page.locator(".history")).to_contain_text("<script>window.__pwned=1</script>")
    actor.goto(base + "/me/interview/problems")
    page.locator("#problems").fill("trop de cartons " + CANARY)
    page.locator("#opportunities").fill("un broyeur partagé " + CANARY)
    actor.submit("form[action$='/problems']", r"/me/interview/swot$")
    page.locator("#strengths").fill("du savoir-faire " + CANARY)
    page.locator("#constraints").fill("peu de place " + CANARY)
    actor.submit("form[action$='/swot']", r"/me/interview/summary$")
    page.locator("a[href$='/edit']").first.click()
    page.locator("#text").fill("réécrit " + CANARY)
    actor.submit("form[action$='/edit']", r"/me/interview/(summary|answer/ans_\w+)$")
    actor.goto(base + "/me/interview/summary")
    expect(page.locator(".chat")).to_contain_text("réécrit <script>")
    actor.submit("form[action$='/finish']", r"/me/interview/done$")
    actor.goto(base + "/me")

    staff = Watched(browser.new_context(locale="fr-FR"))
    page = staff.page
    staff.goto(base + "/login")
    page.locator("#email").fill(EMAIL)
    page.locator("#password").fill(PASSWORD)
    staff.submit("form[action$='/login']", r"/t/canari/$")
    staff.goto(base + "/t/canari/queue?status=all")
    proposals = sorted({base + h for h in page.eval_on_selector_all("a[href*='/queue/p_']",
                                                                      "els => els.map(e => e.getAttribute('href'))")})
    assert len(proposals) >= 2, "the newcomer's answers and the seeded ones should have been matched"
    for number, url in enumerate(proposals):
        staff.goto(url)
        page.locator("#comment").fill("à voir " + CANARY)
        staff.submit("form[action$='/comment']", re.escape(url) + "$")
        if number == 0:
            staff.submit("form[action$='/accept']", re.escape(url) + "$")
        else:
            page.locator("#reason").fill("trop loin " + CANARY)
            staff.submit("form[action$='/reject']", re.escape(url) + "$")
    staff.goto(base + "/t/canari/synergies")
    synergy = page.locator("a[href*='/synergies/']").first.get_attribute("href")
    staff.goto(base + synergy)
    page.locator("#note").fill("premier contact " + CANARY)
    staff.submit("form[action$='/note']", re.escape(synergy) + "$")
    staff.goto(base + "/t/canari/actors")
    page.locator("#i-name").fill("Invité " + CANARY)
    page.locator("#i-email").fill("invite@example.org")
    page.locator("#i-commune").fill("Nevers " + CANARY[:80])
    staff.submit("form[action$='/actors/invite']", r"/t/canari/actors$")
    actor_pages = sorted({base + h for h in page.eval_on_selector_all(
        "a[href*='/t/canari/actors/a_']", "els => els.map(e => e.getAttribute('href'))")})
    assert len(actor_pages) >= 4
    for url in [*actor_pages, *(base + p for p in ("/t/canari/", "/t/canari/queue", "/t/canari/unrecognised",
                                                   "/t/canari/report", "/t/canari/digest/preview"))]:
        staff.goto(url)
    for preview in page.eval_on_selector_all("a[href*='/digest/preview?']", "els => els.map(e => e.getAttribute('href'))"):
        staff.goto(base + preview)  # every actor's next digest, as the facilitator previews it

    actor.goto(base + "/me/introductions/")  # the introduction the facilitator asked for
    actor.goto(base + "/me/interview/summary")
    assert len(actor.checked) + len(staff.checked) >= 30
