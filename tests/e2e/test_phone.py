"""A phone in front of the candidate's camera shows up live in the interviewer's events panel.
(The face-only counterpart, no phone event, is in test_rooms.py.)"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, expect

from tests.e2e.conftest import PHONE_IMAGE, launch
from tests.e2e.rooms import event_item, open_rooms
from tests.e2e.support import Server

pytestmark = [pytest.mark.browser, pytest.mark.models, pytest.mark.slow]


@pytest.fixture(scope="module")
def browser(playwright: Playwright, clips: Callable[[str], Path]) -> Iterator[Browser]:
    b = launch(playwright, clips(PHONE_IMAGE))
    yield b
    b.close()


def test_phone_on_camera_appears_in_the_interviewers_panel(
    browser: Browser, server: Server, analysis: None, artifacts: Path
) -> None:
    rooms = open_rooms(browser, server, "Alan Turing")
    try:
        item = event_item(rooms.interviewer, "object_detected", "cell_phone")
        expect(item.first).to_be_visible(timeout=30_000)
        expect(item.first).to_contain_text("Phone")
        # The evidence picture was fetched with the token and shows the frame.
        thumb = item.first.locator("img")
        expect(thumb).to_be_visible(timeout=10_000)
        assert thumb.evaluate("img => img.naturalWidth") > 0
        # Counted per type, and the score went down.
        expect(
            rooms.interviewer.locator(".count-chip[data-type='object_detected']")
        ).to_be_visible()
        score = rooms.interviewer.locator(".score-value").inner_text()
        assert score.isdigit() and int(score) < 100, score
        rooms.interviewer.screenshot(
            path=str(artifacts / "e2e-interviewer-phone.png"), full_page=True
        )
    finally:
        rooms.close()
