"""The built web app in Chromium under the server's Content-Security-Policy: it loads and works
with no violation, and hostile names, chat and event details show as text, never as markup.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.conftest import require
from tests.e2e.support import CHROMIUM, WEB_DIST
from tests.server_fixtures import LiveServer, bearer, make_settings

pytestmark = pytest.mark.browser

NAME = '<img src=x onerror="window.__pwned=1"> Ada'
CHAT = '<script>window.__pwned=2</script><b onmouseover="window.__pwned=3">hi</b>'
DETAIL = '<iframe src="javascript:window.__pwned=4"></iframe>'
WATCH_CSP = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`);
});
"""


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    require(CHROMIUM.is_file(), f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    require((WEB_DIST / "index.html").is_file(), f"web app not built at {WEB_DIST} (make web)")
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'p.db'}", web_dir=WEB_DIST)
    server = LiveServer(settings).start()
    yield server
    server.stop()


@pytest.fixture
def page(live: LiveServer) -> Iterator[Page]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context()
        context.add_init_script(WATCH_CSP)
        yield context.new_page()
        browser.close()


def assert_clean(page: Page) -> None:
    """No CSP violation, no injected code ran, the stylesheet the page loads late applied."""
    assert page.evaluate("window.__csp") == []
    assert page.evaluate("window.__pwned") is None
    assert page.evaluate(
        "[...document.querySelectorAll('link[rel=stylesheet]')].every(l => l.media === 'all')"
    )


def test_app_runs_under_the_csp_and_shows_hostile_text_as_text(
    live: LiveServer, page: Page
) -> None:
    page.goto(live.url + "/")
    expect(page.locator("app-root *").first).to_be_attached()
    assert_clean(page)

    with httpx.Client(base_url=live.url) as http:
        s = http.post("/start-session", json={"name": NAME}).json()
        page.goto(s["interviewer_url"])
        expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
        r = http.post(
            "/log",
            json={"session_id": s["session_id"], "type": "focus_lost", "detail": DETAIL},
            headers=bearer(s["candidate_token"]),
        )
        assert r.status_code == 201
    expect(page.locator(".event-item[data-type='focus_lost']")).to_have_count(1)
    # The chat goes out and comes back over Socket.IO (connect-src 'self' lets it connect).
    page.get_by_role("textbox", name="Message").fill(CHAT)
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".chat-text")).to_have_text([CHAT])
    assert (
        DETAIL in page.locator(".event-item").first.inner_text()
        or page.locator(f".event-item[data-detail='{DETAIL}']").count() == 1
    )
    assert page.locator("img[src='x'], iframe, b[onmouseover]").count() == 0
    assert_clean(page)
