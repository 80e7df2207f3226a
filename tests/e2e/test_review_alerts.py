"""The review page in a real browser shows each alert's delivery: one sent, one given up with
the reason, both for a critical event logged by the interviewer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Playwright, expect

from tests.alerts.receivers import HttpReceiver, wait_until
from tests.e2e.conftest import FACE_IMAGE, launch
from tests.e2e.support import run_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser(playwright: Playwright, clips: Callable[[str], Path]) -> Iterator[Browser]:
    b = launch(playwright, clips(FACE_IMAGE))
    yield b
    b.close()


def test_the_review_page_shows_sent_and_failed_alerts(
    browser: Browser, browser_tools: None, tmp_path: Path, artifacts: Path
) -> None:
    ok, down = HttpReceiver().start(), HttpReceiver(fail_first=100).start()
    env = {
        "PROCTOR_ANALYSIS_WORKERS": "0",
        "PROCTOR_ALERT_URLS": ok.url("json"),
        "PROCTOR_WEBHOOK_URL": down.url(),
        "PROCTOR_WEBHOOK_SECRET": "review-test",
        "PROCTOR_ALERT_EVENTS": "manual",
        "PROCTOR_ALERT_MAX_ATTEMPTS": "2",
        "PROCTOR_ALERT_RETRY_SECONDS": "0.2",
        "PROCTOR_ALERT_POLL_SECONDS": "0.2",
    }
    try:
        with run_server(tmp_path, env) as server, httpx.Client(base_url=server.base_url) as http:
            s = http.post("/start-session", json={"name": "Grace Hopper"}).json()
            auth = {"Authorization": f"Bearer {s['interviewer_token']}"}
            body = {"session_id": s["session_id"], "type": "manual", "detail": "a phone rang"}
            event = http.post("/log", json=body, headers=auth).json()
            url = f"/sessions/{s['session_id']}/alerts"

            def settled() -> bool:
                states = {a["status"] for a in http.get(url, headers=auth).json()}
                return states == {"sent", "failed"}

            wait_until(settled, what="one alert sent and one given up")

            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            # As an alert links it: the review page at the event (here without a recording)
            page.goto(
                f"{server.base_url}/review/{s['session_id']}?event={event['id']}"
                f"#token={s['interviewer_token']}"
            )
            section = page.get_by_role("region", name="Alerts")
            expect(section).to_be_visible(timeout=15_000)
            expect(section.get_by_text("Proctors:")).to_be_visible()
            expect(section.get_by_text("sent", exact=True)).to_be_visible()
            expect(section.get_by_text("failed after 2 attempts")).to_contain_text("HTTP 500")
            page.screenshot(path=str(artifacts / "e2e-review-alerts.png"), full_page=True)
    finally:
        ok.stop()
        down.stop()
