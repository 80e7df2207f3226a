"""Opening both rooms of one session in two browser contexts, as the two people would."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.support import Server

REMOTE_VIDEO = "video[aria-label='Candidate’s live video']"
CANDIDATE_VIEWPORT = {"width": 1280, "height": 800}
INTERVIEWER_VIEWPORT = {"width": 1366, "height": 900}


@dataclass
class Rooms:
    session: dict[str, Any]
    candidate_context: BrowserContext
    interviewer_context: BrowserContext
    candidate: Page
    interviewer: Page

    @property
    def session_id(self) -> str:
        return str(self.session["session_id"])

    @property
    def interviewer_token(self) -> str:
        return str(self.session["interviewer_token"])

    def close(self) -> None:
        self.candidate_context.close()
        self.interviewer_context.close()


def open_interviewer(browser: Browser, url: str) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport=INTERVIEWER_VIEWPORT)  # type: ignore[arg-type]
    page = context.new_page()
    page.goto(url)
    return context, page


def open_candidate(
    browser: Browser, url: str, init_script: str | None = None
) -> tuple[BrowserContext, Page]:
    """Opens the candidate link and goes through consent and the device check."""
    context = browser.new_context(viewport=CANDIDATE_VIEWPORT)  # type: ignore[arg-type]
    if init_script:
        context.add_init_script(init_script)
    page = context.new_page()
    page.goto(url)
    enter_session(page)
    return context, page


def enter_session(page: Page) -> None:
    """Consent, the device check and the enrolment photo, up to the running session (also
    after a reload)."""
    page.get_by_label("I understand and agree to be recorded and analyzed.").check()
    page.get_by_role("button", name="Continue").click()
    start = page.get_by_role("button", name="Start the session")
    expect(start).to_be_visible(timeout=15_000)
    page.get_by_role("button", name="Start the session").click()
    enrol(page)
    expect(page.get_by_text("Server").first).to_be_visible()


def enrol(page: Page) -> None:
    """Take the enrolment photo and go on; a camera whose picture is refused (a phone held up
    over the face, say) tries until the page offers to go on without a photo."""
    # Once the camera shows a picture (right after the device check it may not yet).
    page.wait_for_function(
        "() => [...document.querySelectorAll('video')].some((v) => v.readyState >= 2)"
    )
    for _ in range(3):
        page.get_by_role("button", name="Take my photo").click()
        accepted = page.get_by_role("button", name="Continue to the session")
        refused = page.get_by_role("button", name="Try again")
        expect(accepted.or_(refused)).to_be_visible(timeout=60_000)
        if accepted.is_visible():
            accepted.click()
            return
        without = page.get_by_role("button", name="Continue without a photo")
        if without.is_visible():
            without.click()
            return
        refused.click()
    raise AssertionError("the enrolment step offered no way on")


def open_rooms(browser: Browser, server: Server, name: str) -> Rooms:
    session = server.post_json("/start-session", {"name": name})
    i_ctx, interviewer = open_interviewer(browser, session["interviewer_url"])
    c_ctx, candidate = open_candidate(browser, session["candidate_url"])
    return Rooms(session, c_ctx, i_ctx, candidate, interviewer)


def event_item(page: Page, type_: str, detail: str | None = None) -> Any:
    selector = f".event-item[data-type='{type_}']"
    if detail is not None:
        selector += f"[data-detail='{detail}']"
    return page.locator(selector)
