"""The candidate's consent and device check in a real browser, including a refused camera."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Playwright, expect

from tests.conftest import require
from tests.e2e.conftest import FACE_IMAGE
from tests.e2e.support import AXE_JS, CHROMIUM, Server, accessibility_violations, chromium_args

pytestmark = pytest.mark.browser


def test_consent_then_a_refused_camera_gets_a_clear_message(
    playwright: Playwright, clips: Callable[[str], Path], server: Server, artifacts: Path
) -> None:
    # Without the fake permission UI, headless Chromium answers the camera request with "denied".
    args = [a for a in chromium_args(clips(FACE_IMAGE)) if a != "--use-fake-ui-for-media-stream"]
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=args
        )
    except Exception as exc:
        require(False, f"Chromium did not start: {exc}")
        raise
    try:
        session = server.post_json("/start-session", {"name": "Ada"})
        page = browser.new_context(viewport={"width": 1024, "height": 768}).new_page()
        page.goto(session["candidate_url"])
        retention = server.get_json("/client-config")["retention_days"]
        expect(page.get_by_text(f"{retention} days")).to_be_visible()
        page.screenshot(path=str(artifacts / "e2e-candidate-consent.png"), full_page=True)
        require(AXE_JS.is_file(), f"{AXE_JS} missing (make -C web build installs it)")
        assert accessibility_violations(page) == []
        continue_button = page.get_by_role("button", name="Continue")
        expect(continue_button).to_be_disabled()
        page.get_by_label("I understand and agree to be recorded and analyzed.").check()
        continue_button.click()

        alert = page.get_by_role("alert")
        expect(alert).to_contain_text("denied", timeout=15_000)
        expect(page.get_by_role("button", name="Try again")).to_be_visible()
        expect(page.get_by_role("button", name="Start the session")).to_have_count(0)
        page.screenshot(path=str(artifacts / "e2e-candidate-denied.png"), full_page=True)
        assert accessibility_violations(page) == []
    finally:
        browser.close()
