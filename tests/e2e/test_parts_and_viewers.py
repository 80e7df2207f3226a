"""Two interviewers watching one candidate, and a candidate page reloaded mid-session: the real
browser against its own real server (no live analysis, 1 s recording chunks)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect

from tests.e2e.conftest import FACE_IMAGE, launch
from tests.e2e.rooms import REMOTE_VIDEO, enter_session, open_candidate, open_interviewer
from tests.e2e.support import VIDEO_PROGRESS_JS, Server, run_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def quick_server(browser_tools: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = {"PROCTOR_ANALYSIS_WORKERS": "0", "PROCTOR_CHUNK_INTERVAL_MS": "1000"}
    with run_server(tmp_path_factory.mktemp("parts-server"), env=env) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser(playwright: Playwright, clips: Callable[[str], Path]) -> Iterator[Browser]:
    b = launch(playwright, clips(FACE_IMAGE))
    yield b
    b.close()


def wait_for_live_video(page: Page) -> dict[str, float]:
    page.wait_for_function(
        "s => { const v = document.querySelector(s); return v && v.videoWidth > 0; }",
        arg=REMOTE_VIDEO,
        timeout=30_000,
    )
    progress = page.evaluate(VIDEO_PROGRESS_JS, REMOTE_VIDEO)
    assert progress is not None
    return dict(progress)


def advancing(progress: dict[str, float]) -> bool:
    return progress["t1"] > progress["t0"] and progress["f1"] > progress["f0"]


def test_two_interviewers_both_see_the_live_video(browser: Browser, quick_server: Server) -> None:
    session = quick_server.post_json("/start-session", {"name": "Ada"})
    proctor_ctx, proctor = open_interviewer(browser, session["interviewer_url"])
    supervisor_ctx, supervisor = open_interviewer(browser, session["interviewer_url"])
    candidate_ctx, _ = open_candidate(browser, session["candidate_url"])
    try:
        for page in (proctor, supervisor):
            progress = wait_for_live_video(page)  # (its size may still be ramping up)
            assert advancing(progress), progress
        # The first to open did not lose the video to the second.
        assert advancing(proctor.evaluate(VIDEO_PROGRESS_JS, REMOTE_VIDEO))
        # One leaves: the other keeps watching, and a third one joining gets video too.
        supervisor_ctx.close()
        late_ctx, late = open_interviewer(browser, session["interviewer_url"])
        assert advancing(wait_for_live_video(late))
        assert advancing(proctor.evaluate(VIDEO_PROGRESS_JS, REMOTE_VIDEO))
        late_ctx.close()
    finally:
        for context in (proctor_ctx, candidate_ctx):
            context.close()


def probe_frames(path: Path) -> tuple[dict[str, object], int]:
    info = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    video = next(s for s in json.loads(info.stdout)["streams"] if s["codec_type"] == "video")
    counting = ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0"]
    count = subprocess.run(
        [*counting, "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return video, int(count.stdout.strip())


def test_a_reloaded_candidate_page_leaves_two_playable_parts(
    browser: Browser, quick_server: Server, tmp_path: Path, artifacts: Path
) -> None:
    session = quick_server.post_json("/start-session", {"name": "Ada"})
    sid, token = session["session_id"], session["interviewer_token"]
    interviewer_ctx, interviewer = open_interviewer(browser, session["interviewer_url"])
    candidate_ctx, candidate = open_candidate(browser, session["candidate_url"])
    try:
        recording = candidate.locator("app-status-badge", has_text="Recording")
        expect(recording).to_contain_text("4 of", timeout=30_000)
        candidate.reload()  # the token stays in the tab: the same link goes on
        enter_session(candidate)
        expect(recording).to_contain_text("4 of", timeout=30_000)
        # A browser event in the second part, to find on its timeline.
        candidate.get_by_role("textbox", name="Message").press("Control+V")
        expect(interviewer.locator(".event-item[data-type='copy_paste']").first).to_be_visible(
            timeout=15_000
        )
        expect(recording).to_contain_text("6 of", timeout=30_000)
        interviewer.get_by_role("button", name="End session").click()
        interviewer.get_by_role("button", name="Yes, end it").click()
        expect(candidate.get_by_text("Thank you. You can close this page now.")).to_be_visible(
            timeout=60_000
        )

        parts = quick_server.get_json(f"/sessions/{sid}/videos", token=token)
        assert len(parts) == 2, parts
        second = parts[1]
        start1, start2 = (datetime.fromisoformat(p["started_at"][:-1]) for p in parts)
        assert start2 > start1
        assert second["duration_s"] >= 5, second  # six chunks of 1 s, and more
        for i, part in enumerate(parts):
            status, body, headers = quick_server.request("GET", part["url"], token=token)
            assert status == 200 and headers["content-type"].startswith("video/webm")
            path = tmp_path / f"part{i}.webm"
            path.write_bytes(body)
            video, frames = probe_frames(path)
            assert (video["width"], video["height"]) == (640, 480), video
            assert frames >= 20, (part, frames)  # a few seconds each at the fake camera's rate
        session_info = quick_server.get_json(f"/sessions/{sid}", token=token)
        assert session_info["video_parts"] == 2 and session_info["video_started_at"]

        # The review page offers both parts; the event opens the part that recorded it.
        interviewer.get_by_role("link", name="Review recording").click()
        chooser = interviewer.get_by_label("Recording part")
        expect(chooser.locator("option")).to_have_count(2)
        event = interviewer.locator(".review-event", has_text="paste").first
        expect(event).to_contain_text("part 2,")
        at = str(event.locator(".at").inner_text()).split(", ")[1]
        minutes, seconds = (int(x) for x in at.split(":"))
        event.click()
        expect(chooser).to_have_value(second["part"])
        review_video = interviewer.locator("video[aria-label='Session recording']")
        interviewer.wait_for_function(
            "() => { const v = document.querySelector(\"video[aria-label='Session recording']\");"
            " return v && isFinite(v.duration) && v.duration > 0 && v.currentTime > 0; }",
            timeout=20_000,
        )
        target = max(0, minutes * 60 + seconds - 2)
        assert abs(review_video.evaluate("v => v.currentTime") - target) <= 1.5
        mark = interviewer.get_by_role("button", name="Copy / paste at")
        expect(mark.first).to_be_visible()  # on the chosen part's timeline
        interviewer.screenshot(path=str(artifacts / "e2e-review-parts.png"), full_page=True)
    finally:
        interviewer_ctx.close()
        candidate_ctx.close()
