"""The home page in a real browser: start a session, get both links, open the interviewer room."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, expect

from tests.conftest import require
from tests.e2e.conftest import FACE_IMAGE, launch
from tests.e2e.support import AXE_JS, Server, accessibility_violations

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser(playwright: Playwright, clips: Callable[[str], Path]) -> Iterator[Browser]:
    b = launch(playwright, clips(FACE_IMAGE))
    yield b
    b.close()


def test_start_a_session_then_resume_it_from_the_interviewer_link(
    browser: Browser, server: Server, artifacts: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(server.base_url + "/")
    # Keyboard only: tab to the name field, type, submit with Enter.
    page.get_by_label("Candidate’s name").focus()
    page.keyboard.type("Grace Hopper")
    page.keyboard.press("Enter")

    candidate_link = page.get_by_label("Candidate link (send it to the candidate)")
    interviewer_link = page.get_by_label("Interviewer link (keep it private)")
    base = re.escape(server.base_url)
    expect(candidate_link).to_have_value(re.compile(rf"^{base}/c/[\w-]+#token=[\w-]+$"))
    expect(interviewer_link).to_have_value(re.compile(rf"^{base}/i/[\w-]+#token=[\w-]+$"))
    first_candidate_url = candidate_link.input_value()
    interviewer_url = interviewer_link.input_value()
    page.screenshot(path=str(artifacts / "e2e-home.png"), full_page=True)
    require(AXE_JS.is_file(), f"{AXE_JS} missing (make -C web build installs it)")
    assert accessibility_violations(page) == []

    page.get_by_role("button", name="Open interviewer room").click()
    expect(page).to_have_url(re.compile(r"/i/[\w-]+$"))  # no token in the address bar
    expect(page.get_by_role("heading", name="Grace Hopper")).to_be_visible()
    expect(page.get_by_text("connected", exact=True).first).to_be_visible(timeout=15_000)

    # Another browser resumes from the pasted interviewer link: a new candidate link.
    other = browser.new_context().new_page()
    other.goto(server.base_url + "/")
    other.get_by_label("Interviewer link").fill(interviewer_url)
    other.get_by_role("button", name="Resume").click()
    expect(other.get_by_text("the old one no longer works")).to_be_visible()
    new_candidate_url = other.get_by_label(
        "Candidate link (send it to the candidate)"
    ).input_value()
    assert new_candidate_url != first_candidate_url
    session_id = first_candidate_url.split("/c/")[1].split("#")[0]
    event = {"session_id": session_id, "type": "copy_paste", "detail": "copy"}

    def log_with(url: str) -> int:
        return server.request("POST", "/log", body=event, token=url.split("#token=")[1])[0]

    assert log_with(first_candidate_url) == 401  # the old candidate link stopped working
    assert log_with(new_candidate_url) == 201
    context.close()
    other.context.close()
