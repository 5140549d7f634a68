"""The facilitator's day in a real Chromium, against `symbiose demo`:
log in, review the queue, accept a proposal, both actors accept the introduction
from their side, and the synergy appears on the dashboard. Pages pass axe."""
from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from axe_playwright_python.sync_playwright import Axe

from data import Keyring, Store
from data.outbox import iter_messages

pytestmark = pytest.mark.browser

EMAIL = "browser-test@demo.symbiose.example"
PASSWORD = "a long browser test password"


def _create_facilitator(data_dir) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYMBIOSE_")}
    env["SYMBIOSE_DATA_DIR"] = str(data_dir)
    result = subprocess.run([sys.executable, "-m", "interview_bot.cli", "user", "create", "--email", EMAIL,
                             "--territory", "demo", "--password", PASSWORD], env=env, capture_output=True, text=True)
    assert result.returncode == 0 or "already exists" in result.stderr, result.stderr


def _introduction_links(data_dir) -> dict[str, str]:
    keyring = Keyring.from_text((data_dir / "vault.key").read_text().strip())
    with Store.open(data_dir, keyring) as store:
        return {m.actor_id: re.search(r"(/me/introductions/t/\S+)", m.text).group(1)
                for m in iter_messages(store) if m.kind == "introduction"}


def _no_axe_violations(page, what: str) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, f"{what}:\n{results.generate_report()}"


def test_facilitator_accepts_and_both_actors_agree(browser, demo_server, artifacts):
    base_url, data_dir = demo_server
    _create_facilitator(data_dir)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(base_url + "/t/demo/queue")
    assert "/login" in page.url  # signed-out facilitators are sent to the login page
    page.get_by_label(re.compile("Email|Adresse", re.I)).fill(EMAIL)
    page.get_by_label(re.compile("Password|Mot de passe", re.I)).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in|Se connecter", re.I)).click()
    page.wait_for_url(re.compile(r"/t/demo/queue$"))
    rows = page.locator("table.queue tbody tr")
    assert rows.count() >= 1
    _no_axe_violations(page, "queue")
    page.screenshot(path=str(artifacts / "facilitator-queue.png"), full_page=True)

    rows.first.locator("a").first.click()
    page.wait_for_url(re.compile(r"/t/demo/queue/p_"))
    assert page.locator(".explanation").inner_text().strip()
    assert page.locator("table.parts tbody tr").count() >= 3
    _no_axe_violations(page, "proposal detail")
    page.get_by_role("button", name=re.compile("Accept|Accepter", re.I)).click()
    page.wait_for_load_state()
    assert page.locator(".flash").count() == 1

    links = _introduction_links(data_dir)
    assert len(links) >= 2
    for actor_id, link in links.items():
        actor = browser.new_context(viewport={"width": 375, "height": 740})
        actor_page = actor.new_page()
        actor_page.goto(base_url + link)
        assert "/me/introductions" in actor_page.url
        _no_axe_violations(actor_page, "actor's introduction page")
        actor_page.get_by_role("button", name=re.compile("Yes|Oui", re.I)).click()
        actor_page.wait_for_load_state()
        assert actor_page.evaluate("document.documentElement.scrollWidth") <= 375
        actor.close()
    # The last one to accept sees the contacts; the dashboard counts the introduction and the synergy.
    page.goto(base_url + "/t/demo/")
    funnel = page.locator("figure.chart svg").filter(has_text=re.compile("Introduced|Mise en relation")).text_content()
    assert re.search(r"(Introduced|Mise en relation)[^:]*: 1", funnel), funnel
    assert page.locator(".chart-svg.network circle").count() >= 2
    _no_axe_violations(page, "dashboard")
    page.screenshot(path=str(artifacts / "facilitator-dashboard.png"), full_page=True)
    page.goto(base_url + "/t/demo/synergies")
    assert page.locator(".stage-idea li a").count() == 1
    context.close()
