"""A whole interview in real Chromium, as a new actor would do it: desktop and phone, with and
without JavaScript, one correction, a resume through the personal link on another "device",
screenshots in test-artifacts/, and an axe accessibility audit of the interview pages."""
from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from conftest import free_port, wait_for_port

pytestmark = pytest.mark.browser
LINK = re.compile(r"http://127\.0\.0\.1:\d+/a/[\w.-]+")
CANARY = "<script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned=1\">"
SERIOUS = ("serious", "critical")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`symbiose serve` (gunicorn, 2 workers) on a free port with its own data folder."""
    data_dir = tmp_path_factory.mktemp("interview-data")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYMBIOSE_")}
    env.update(SYMBIOSE_DATA_DIR=str(data_dir), SYMBIOSE_BASE_URL=f"http://127.0.0.1:{port}")
    cli = [sys.executable, "-m", "interview_bot.cli"]
    subprocess.run([*cli, "init"], env=env, check=True, capture_output=True)
    subprocess.run([*cli, "territory", "create", "nievre", "--name", "Nièvre"], env=env, check=True,
                   capture_output=True)
    proc = subprocess.Popen([*cli, "serve", "--port", str(port), "--workers", "2"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for_port(port, proc, timeout=180)
        yield f"http://127.0.0.1:{port}", env, cli
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


def invite(server, email: str) -> str:
    _base, env, cli = server
    out = subprocess.run([*cli, "invite", "--territory", "nievre", "--email", email, "--no-email"], env=env,
                         check=True, capture_output=True, text=True).stdout
    return LINK.search(out).group(0)


def audit(page, name: str) -> None:
    if not page.context.__dict__.get("_js", True):
        return  # axe runs inside the page: it needs JavaScript (the JS cases audit the same pages)
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v.get("impact") in SERIOUS]
    assert not serious, f"{name}: " + "; ".join(f"{v['id']}: {v['help']}" for v in serious)


def submit(page, button_text: str, url_pattern: str) -> None:
    page.get_by_role("button", name=button_text, exact=True).click()
    expect(page).to_have_url(re.compile(url_pattern), timeout=30_000)
    expect(page.locator("h1")).to_be_visible()


CASES = [
    ("desktop", {"width": 1280, "height": 800}, True),
    ("phone", {"width": 375, "height": 740}, True),
    ("desktop-nojs", {"width": 1280, "height": 800}, False),
]


@pytest.mark.parametrize(("name", "viewport", "js"), CASES, ids=[c[0] for c in CASES])
def test_a_new_actor_completes_the_interview_and_resumes_elsewhere(browser, server, artifacts, name, viewport, js):
    base, _env, _cli = server
    link = invite(server, f"{name}@scierie.example")
    context = browser.new_context(viewport=viewport, java_script_enabled=js, locale="fr-FR")
    context._js = js
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    shot = lambda step: page.screenshot(path=str(artifacts / f"interview-{name}-{step}.png"), full_page=True)  # noqa: E731

    page.goto(link)
    expect(page).to_have_url(re.compile(r"/me$"))
    page.get_by_role("link", name="Commencer l'entretien").click()
    expect(page.locator("h1")).to_have_text("Bienvenue et consentement")
    audit(page, "consent")
    page.locator("#agree").check()
    submit(page, "Commencer", r"/me/interview/identity$")

    page.locator("#name").fill("Scierie Martin " + CANARY)
    page.locator("#activity").fill("Scierie, on coupe du chêne et du douglas")
    page.locator("#commune").fill("Prémery")
    page.locator("#postcode").fill("58700")
    shot("1-identity")
    submit(page, "Continuer", r"/identity/sector$")
    expect(page.locator(".bubble.bot").first).to_contain_text("Travail du bois")
    submit(page, "Confirmer", r"/me/interview/offers$")

    page.locator("#text").fill("environ 300 t/an de sciure et des palettes en bois")
    submit(page, "Envoyer", r"/answer/ans_\w+$")
    expect(page.locator("#reply")).to_contain_text("J'ai compris 2 éléments")
    audit(page, "confirm")
    shot("2-confirm")
    # The correction: the first item is something else than the first guess.
    first_item = page.locator("fieldset.item").first
    first_item.locator("input[type=radio]").nth(1).check()
    corrected = first_item.locator("input[type=radio]").nth(1).get_attribute("value")
    page.locator("select[name^=share-]").first.select_option("named")
    submit(page, "Oui, c'est bien ça", r"/me/interview/offers")
    expect(page.locator(".history")).to_contain_text("300 t/an de sciure")
    if js:  # the bot's reply takes the focus so a screen reader reads it
        assert page.evaluate("document.activeElement.classList.contains('bot')")
    submit(page, "Étape suivante", r"/me/interview/needs$")

    page.locator("#text").fill("un chariot élévateur deux jours par mois " + CANARY)
    submit(page, "Envoyer", r"/answer/ans_\w+$")
    submit(page, "Oui, c'est bien ça", r"/me/interview/needs")
    submit(page, "Étape suivante", r"/me/interview/problems$")
    page.locator("#problems").fill("Les écorces coûtent cher à évacuer")
    page.locator("#opportunities").fill("Un broyeur partagé avec les paysagistes")
    submit(page, "Envoyer et continuer", r"/me/interview/swot$")
    page.locator("#strengths").fill("Du bois local")
    submit(page, "Envoyer et continuer", r"/me/interview/summary$")
    expect(page.locator(".progress-count")).to_contain_text("6 étapes faites sur 7")
    audit(page, "summary")
    shot("3-summary")
    page.get_by_role("button", name="Tout est juste : terminer").click()
    expect(page).to_have_url(re.compile(r"/me/interview/done$"))
    shot("4-done")
    context.close()

    # Another device: the same personal link resumes the same interview, which can still be corrected.
    other = browser.new_context(viewport=viewport, java_script_enabled=js, locale="fr-FR")
    page = other.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(link)
    page.get_by_role("link", name="Voir et modifier mes réponses").click()
    expect(page.locator("h1")).to_have_text("Récapitulatif")
    summary = page.locator(".chat").inner_text()
    assert "300 t/an de sciure" in summary and "Du bois local" in summary and "chariot" in summary
    assert corrected  # the corrected meaning is what the summary shows
    page.locator("a", has_text="Modifier").filter(has_text="Du bois local").click()
    page.locator("#text").fill("Du bois local et une équipe stable")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page).to_have_url(re.compile(r"/me/interview/summary$"))
    expect(page.locator(".chat")).to_contain_text("une équipe stable")
    if js:  # evaluate needs JavaScript; the phone case is the one that matters
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    shot("5-resumed")
    if js:
        assert page.evaluate("window.__pwned === undefined")
    assert not dialogs
    other.close()
