"""Both rooms in a real browser against the real server: video, chat, snapshot, browser events,
recording upload and the report. The candidate's camera shows a real face photo."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, expect

from tests.conftest import require
from tests.e2e.conftest import FACE_IMAGE, launch
from tests.e2e.rooms import REMOTE_VIDEO, Rooms, event_item, open_rooms
from tests.e2e.support import AXE_JS, VIDEO_PROGRESS_JS, Server, accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def browser(playwright: Playwright, clips: Callable[[str], Path]) -> Iterator[Browser]:
    b = launch(playwright, clips(FACE_IMAGE))
    yield b
    b.close()


@pytest.fixture(scope="module")
def rooms(browser: Browser, server: Server) -> Iterator[Rooms]:
    r = open_rooms(browser, server, "Ada Lovelace")
    yield r
    r.close()


def test_interviewer_sees_live_video_with_frames_advancing(rooms: Rooms, artifacts: Path) -> None:
    page = rooms.interviewer
    expect(page.get_by_text("in the room")).to_be_visible(timeout=15_000)
    page.wait_for_function(
        "s => { const v = document.querySelector(s); return v && v.videoWidth > 0; }",
        arg=REMOTE_VIDEO,
        timeout=20_000,
    )
    progress = page.evaluate(VIDEO_PROGRESS_JS, REMOTE_VIDEO)
    assert progress is not None
    assert progress["width"] == 640 and progress["height"] == 480, progress
    assert progress["t1"] > progress["t0"], f"remote video is frozen: {progress}"
    assert progress["f1"] > progress["f0"], f"no new frames decoded: {progress}"
    expect(page.get_by_text("live", exact=True)).to_be_visible()
    # The tokens left the address bars (they stay in each tab's memory).
    assert "token" not in page.url and "token" not in rooms.candidate.url
    # The candidate's page says the video link is up too.
    expect(rooms.candidate.get_by_text("live", exact=True)).to_be_visible(timeout=10_000)


def test_chat_both_ways(rooms: Rooms) -> None:
    # Text that would be markup if it were ever rendered as HTML.
    from_candidate = "Hello <b>there</b> & good morning"
    rooms.candidate.get_by_role("textbox", name="Message").fill(from_candidate)
    rooms.candidate.get_by_role("textbox", name="Message").press("Enter")
    interviewer_log = rooms.interviewer.get_by_role("log", name="Chat messages")
    expect(interviewer_log.get_by_text(from_candidate, exact=True)).to_be_visible(timeout=10_000)
    assert interviewer_log.locator("b").count() == 0

    rooms.interviewer.get_by_role("textbox", name="Message").fill("Please share your screen next.")
    rooms.interviewer.get_by_role("button", name="Send").click()
    candidate_log = rooms.candidate.get_by_role("log", name="Chat messages")
    expect(candidate_log.get_by_text("Please share your screen next.")).to_be_visible(
        timeout=10_000
    )


def test_snapshot_arrives(rooms: Rooms) -> None:
    rooms.interviewer.get_by_role("button", name="Take snapshot").click()
    image = rooms.interviewer.get_by_alt_text("Snapshot of the candidate’s camera")
    expect(image).to_be_visible(timeout=15_000)
    size = image.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert size == [640, 480]


def test_switching_away_from_the_candidate_page_reports_focus_lost(rooms: Rooms) -> None:
    # Playwright makes every page believe it has focus; turn that off so switching tabs is real.
    # (Headless Chromium keeps visibilityState "visible" for background tabs, so what changes
    # here is window focus; the tab-hidden path is covered by the unit tests.)
    candidate = rooms.candidate
    rooms.candidate_context.new_cdp_session(candidate).send(
        "Emulation.setFocusEmulationEnabled", {"enabled": False}
    )
    candidate.bring_to_front()
    candidate.wait_for_function("document.hasFocus()", timeout=5000)
    other = rooms.candidate_context.new_page()
    rooms.candidate_context.new_cdp_session(other).send(
        "Emulation.setFocusEmulationEnabled", {"enabled": False}
    )
    try:
        other.bring_to_front()
        candidate.wait_for_function("!document.hasFocus()", timeout=5000)
        item = event_item(rooms.interviewer, "focus_lost")
        expect(item.first).to_be_visible(timeout=15_000)
        expect(item.first).to_contain_text("Left the page")
    finally:
        other.close()
        candidate.bring_to_front()


def test_events_sent_while_offline_arrive_after_reconnecting(rooms: Rooms) -> None:
    candidate = rooms.candidate
    server_badge = candidate.locator("app-status-badge", has_text="Server")
    rooms.candidate_context.set_offline(True)
    try:
        expect(server_badge).to_contain_text("reconnecting", timeout=30_000)
        candidate.get_by_role("textbox", name="Message").press("Control+V")
        expect(candidate.get_by_text("1 activity report(s) waiting")).to_be_visible()
    finally:
        rooms.candidate_context.set_offline(False)
    expect(server_badge).to_contain_text("connected", timeout=30_000)
    item = event_item(rooms.interviewer, "copy_paste")
    expect(item.first).to_be_visible(timeout=15_000)
    expect(item.first).to_contain_text("paste")
    expect(candidate.get_by_text("activity report(s) waiting")).to_have_count(0)
    # The video link survives (or is rebuilt) and plays again.
    expect(rooms.interviewer.get_by_text("live", exact=True)).to_be_visible(timeout=30_000)


def test_both_rooms_pass_an_accessibility_check(rooms: Rooms) -> None:
    require(AXE_JS.is_file(), f"{AXE_JS} missing (make -C web build installs it)")
    for page in (rooms.interviewer, rooms.candidate):
        assert accessibility_violations(page) == [], page.url


def test_screenshots_of_both_rooms(rooms: Rooms, artifacts: Path) -> None:
    rooms.interviewer.wait_for_timeout(1000)  # let the stats line fill in before the picture
    rooms.interviewer.screenshot(path=str(artifacts / "e2e-interviewer-room.png"), full_page=True)
    rooms.candidate.screenshot(path=str(artifacts / "e2e-candidate-room.png"), full_page=True)
    # Phone width: one column, nothing cut off sideways.
    for name, page in (("interviewer", rooms.interviewer), ("candidate", rooms.candidate)):
        size = page.viewport_size
        page.set_viewport_size({"width": 390, "height": 844})
        try:
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{name} room scrolls sideways at phone width ({width}px)"
            page.screenshot(path=str(artifacts / f"e2e-{name}-room-phone.png"), full_page=True)
        finally:
            assert size is not None
            page.set_viewport_size(size)


def test_phone_is_not_reported_for_a_face_only_camera(
    rooms: Rooms, server: Server, analysis: None
) -> None:
    # The camera has streamed the face photo since the first test; give the detectors more frames.
    rooms.interviewer.wait_for_timeout(8000)
    metrics = server.request("GET", "/metrics")[1].decode()
    assert "proctor_frames_received_total" in metrics
    received = next(
        float(line.split()[1])
        for line in metrics.splitlines()
        if line.startswith("proctor_frames_received_total ")
    )
    assert received >= 10, f"too few frames reached the server: {received}"
    events = server.get_json(f"/sessions/{rooms.session_id}/events", token=rooms.interviewer_token)
    assert not [e for e in events if e["type"] == "object_detected" and e["detail"] == "cell_phone"]
    assert event_item(rooms.interviewer, "object_detected", "cell_phone").count() == 0


def test_end_session_stores_a_playable_recording_and_the_report_downloads(
    rooms: Rooms, server: Server, artifacts: Path, tmp_path: Path
) -> None:
    page = rooms.interviewer
    # Let the recorder produce a few chunks before ending.
    page.wait_for_timeout(3000)
    page.get_by_role("button", name="End session").click()
    page.get_by_role("button", name="Yes, end it").click()
    expect(page.get_by_text("ended", exact=True)).to_be_visible(timeout=10_000)
    expect(rooms.candidate.get_by_text("Thank you. You can close this page now.")).to_be_visible(
        timeout=60_000
    )

    status, body, headers = server.request(
        "GET", f"/sessions/{rooms.session_id}/video", token=rooms.interviewer_token
    )
    assert status == 200, body[:200]
    assert headers.get("content-type", "").startswith("video/webm")
    video = tmp_path / "recording.webm"
    video.write_bytes(body)
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(video)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    info = json.loads(probe.stdout)
    kinds = {s["codec_type"] for s in info["streams"]}
    assert {"video", "audio"} <= kinds, info["streams"]
    video_stream = next(s for s in info["streams"] if s["codec_type"] == "video")
    assert (video_stream["width"], video_stream["height"]) == (640, 480)
    # Reading every video frame proves the chunks were joined in order into one playable file.
    count_cmd = ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0"]
    count_cmd += ["-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", str(video)]
    counted = subprocess.run(
        count_cmd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert counted.returncode == 0 and not counted.stderr.strip(), counted.stderr[-2000:]
    assert int(counted.stdout.strip()) >= 20, counted.stdout

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download report (PDF)").click()
    download = download_info.value
    pdf = tmp_path / "report.pdf"
    download.save_as(pdf)
    assert download.suggested_filename.endswith(".pdf")
    assert pdf.read_bytes().startswith(b"%PDF-")

    # The review page plays the recording with the events on its timeline.
    page.get_by_role("link", name="Review recording").click()
    review_video = page.locator("video[aria-label='Session recording']")
    page.wait_for_function(
        "() => { const v = document.querySelector(\"video[aria-label='Session recording']\");"
        " return v && v.readyState >= 1 && isFinite(v.duration) && v.duration > 0; }",
        timeout=20_000,
    )
    assert review_video.evaluate("v => v.videoWidth") == 640
    mark = page.get_by_role("button", name="Left the page at").first
    expect(mark).to_be_visible()
    label = str(mark.get_attribute("aria-label"))
    minutes, seconds = label.rsplit(" ", 1)[1].split(":")
    target = max(0, int(minutes) * 60 + int(seconds) - 2)  # the page seeks 2 s before the event
    mark.click()
    position = review_video.evaluate("v => v.currentTime")
    assert abs(position - target) <= 1.5, (label, position)
    page.screenshot(path=str(artifacts / "e2e-review.png"), full_page=True)
    assert accessibility_violations(page) == []
