"""The enrolment photo in a real browser against the real server and models: a camera with no
face is asked again with the reason, a face at a webcam is enrolled with its box shown, and the
interviewer (only) then finds the photo on the server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, Playwright, expect

from tests.conftest import require
from tests.e2e.conftest import FACE_IMAGE, launch
from tests.e2e.rooms import CANDIDATE_VIEWPORT
from tests.e2e.support import AXE_JS, Server, accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.slow]
NO_FACE_IMAGE = "images/noface_livingroom.jpg"


def up_to_enrolment(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.get_by_text("Identity is checked")).to_be_visible()
    page.get_by_label("I understand and agree to be recorded and analyzed.").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Start the session").click(timeout=15_000)
    expect(page.get_by_role("heading", name="Your photo")).to_be_visible()


def test_no_face_is_asked_again_and_a_face_is_enrolled(
    playwright: Playwright,
    clips: Callable[[str], Path],
    server: Server,
    analysis: None,
    artifacts: Path,
) -> None:
    session = server.post_json("/start-session", {"name": "Ada"})
    for image, accepted in ((NO_FACE_IMAGE, False), (FACE_IMAGE, True)):
        browser = launch(playwright, clips(image))
        try:
            page = browser.new_context(viewport=CANDIDATE_VIEWPORT).new_page()  # type: ignore[arg-type]
            up_to_enrolment(page, session["candidate_url"])
            page.get_by_role("button", name="Take my photo").click()
            if not accepted:
                expect(page.get_by_role("alert")).to_contain_text(
                    "No face was found", timeout=60_000
                )
                expect(page.get_by_role("button", name="Try again")).to_be_visible()
                continue
            expect(page.get_by_role("status")).to_contain_text("photo is taken", timeout=60_000)
            expect(page.locator(".face-box")).to_be_visible()
            page.screenshot(path=str(artifacts / "e2e-candidate-enrolment.png"), full_page=True)
            require(AXE_JS.is_file(), f"{AXE_JS} missing (make -C web build installs it)")
            assert accessibility_violations(page) == []
            page.get_by_role("button", name="Continue to the session").click()
            expect(page.get_by_text("Server").first).to_be_visible()
        finally:
            browser.close()

    sid, token = session["session_id"], session["interviewer_token"]
    state = server.get_json(f"/sessions/{sid}/identity", token)
    assert state["enrolment"] is not None and state["status"] in ("pending", "verified")
    assert "embedding" not in str(state)
    status, _, _ = server.request(
        "GET", f"/sessions/{sid}/identity", token=session["candidate_token"]
    )
    assert status == 403
