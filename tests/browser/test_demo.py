"""The README's first command: `symbiose demo` serves a page a real browser renders."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, {"width": 375, "height": 740}], ids=["desktop", "phone"])
def test_demo_landing_page_renders(browser, demo_server, artifacts, viewport):
    base_url, _data_dir = demo_server
    page = browser.new_page(viewport=viewport, locale="fr-FR")  # French first; English browsers get English
    response = page.goto(base_url + "/")
    assert response is not None and response.status == 200
    heading = page.get_by_role("heading", level=1)
    assert "voisin" in heading.inner_text()
    # Nothing overflows a phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.screenshot(path=str(artifacts / f"demo-landing-{viewport['width']}.png"), full_page=True)
    health = page.goto(base_url + "/healthz")
    assert health is not None and health.json() == {"status": "ok", "vault": True}
    page.close()
