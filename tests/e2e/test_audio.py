"""Live audio in real browsers: two Chromium instances with fake microphones playing files.

- Echo: the interviewer talks (their fake microphone plays a real recording of speech); the
  candidate's page plays that voice and streams its own, silent, microphone to the server. No
  audio event may come of it, and the candidate's microphone was opened with echo cancellation.
  Headless Chromium has no acoustic path from a page's output to its fake microphone, so this
  shows that the page never feeds what it plays into what it sends, not how well the echo
  canceller handles a real room (docs/AUDIO.md).
- The same chain with a candidate who speaks: the event reaches the interviewer's panel with a
  clip that plays.
"""

from __future__ import annotations

import re
import time
import wave
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Browser, Page, Playwright, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from proctor.audio.decode import SAMPLE_RATE, decode
from tests.conftest import EVALSET_DIR, require
from tests.e2e.conftest import FACE_IMAGE
from tests.e2e.rooms import REMOTE_VIDEO, event_item, open_candidate, open_interviewer
from tests.e2e.support import CHROMIUM, Server, chromium_args

pytestmark = [pytest.mark.browser, pytest.mark.models, pytest.mark.slow]

SPEECH = "audio/speakers_diarizationExample.wav"  # people taking turns, 42 s
AUDIO_TYPES = {"speech_detected", "other_voice"}

# The loudness of what the page plays from a stream, measured in the page with Web Audio.
LEVEL_JS = """
async (selector) => {
  const el = document.querySelector(selector);
  if (!el || !el.srcObject) return null;
  const ctx = new AudioContext();
  const analyser = ctx.createAnalyser();
  ctx.createMediaStreamSource(el.srcObject).connect(analyser);
  const data = new Float32Array(analyser.fftSize);
  let peak = 0;
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 100));
    analyser.getFloatTimeDomainData(data);
    for (const v of data) peak = Math.max(peak, Math.abs(v));
  }
  await ctx.close();
  return peak;
}
"""
# What the candidate's page holds of the interviewer's voice, for a failure's message.
PLAYER_STATE_JS = """
(selector) => [...document.querySelectorAll(selector)].map((a) => ({
  paused: a.paused,
  time: a.currentTime,
  ready: a.readyState,
  tracks: (a.srcObject ? a.srcObject.getTracks() : [])
    .map((t) => `${t.kind}:${t.readyState}:${t.muted}`),
}))
"""
MIC_SETTINGS_JS = """
() => [...document.querySelectorAll('video')]
  .map((v) => v.srcObject)
  .filter((s) => s && s.getAudioTracks && s.getAudioTracks().length)
  .map((s) => s.getAudioTracks()[0].getSettings())
"""


def write_wav(path: Path, samples: np.ndarray) -> Path:
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(pcm.tobytes())
    return path


@pytest.fixture(scope="module")
def voices(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    require((EVALSET_DIR / SPEECH).is_file(), f"evaluation set not found at {EVALSET_DIR}")
    folder = tmp_path_factory.mktemp("voices")
    speech = decode(EVALSET_DIR / SPEECH)
    return {
        "speech": write_wav(folder / "speech.wav", speech),
        "silence": write_wav(folder / "silence.wav", np.zeros(10 * SAMPLE_RATE, np.float32)),
    }


@pytest.fixture(scope="module")
def browsers(
    playwright: Playwright, clips: Callable[[str], Path], voices: dict[str, Path]
) -> Iterator[Callable[[str], Browser]]:
    """Chromium whose fake microphone plays ``voices[name]`` (one browser per name)."""
    made: dict[str, Browser] = {}

    def browser(name: str) -> Browser:
        if name not in made:
            args = [
                *chromium_args(clips(FACE_IMAGE)),
                f"--use-file-for-fake-audio-capture={voices[name]}",
            ]
            try:
                made[name] = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), headless=True, args=args
                )
            except Exception as exc:
                require(False, f"Chromium did not start: {exc}")
                raise
        return made[name]

    yield browser
    for b in made.values():
        b.close()


def audio_chunks(server: Server) -> float:
    """The server's count of microphone chunks analysed (from /metrics)."""
    _, body, _ = server.request("GET", "/metrics")
    found = re.search(rb"^proctor_audio_chunks_total (\S+)$", body, re.M)
    return float(found[1]) if found else 0.0


def audio_events(server: Server, session: dict[str, str]) -> list[dict[str, object]]:
    events = server.get_json(
        f"/sessions/{session['session_id']}/events", session["interviewer_token"]
    )
    return [e for e in events if e["type"] in AUDIO_TYPES]


def talk(interviewer: Page) -> None:
    interviewer.get_by_role("button", name="Talk to the candidate").click()
    expect(interviewer.get_by_role("button", name="Stop talking")).to_be_visible(timeout=10_000)


def test_the_interviewers_voice_in_the_candidates_page_is_no_audio_event(
    browsers: Callable[[str], Browser], server: Server
) -> None:
    session = server.post_json("/start-session", {"name": "Grace Hopper", "mode": "exam"})
    i_ctx, interviewer = open_interviewer(browsers("speech"), session["interviewer_url"])
    c_ctx, candidate = open_candidate(browsers("silence"), session["candidate_url"])
    try:
        settings = candidate.evaluate(MIC_SETTINGS_JS)
        assert settings and settings[0]["echoCancellation"] is True, settings
        expect(interviewer.get_by_text("in the room")).to_be_visible(timeout=20_000)
        # The interviewer talks once they see the candidate (the link carries media).
        interviewer.wait_for_function(
            "s => { const v = document.querySelector(s); return v && v.videoWidth > 0; }",
            arg=REMOTE_VIDEO,
            timeout=45_000,
        )
        talk(interviewer)
        # The interviewer's voice arrives and plays in the candidate's page.
        player = "app-remote-audio audio"
        try:
            candidate.wait_for_function(
                f"() => {{ const a = document.querySelector('{player}');"
                " return a && a.srcObject && !a.paused && a.currentTime > 1; }",
                timeout=45_000,
            )
        except PlaywrightTimeout as exc:
            state = candidate.evaluate(PLAYER_STATE_JS, player)
            raise AssertionError(f"the interviewer's voice does not play: {state}") from exc
        assert (candidate.evaluate(LEVEL_JS, player) or 0) > 0.01
        before = audio_chunks(server)
        time.sleep(15)  # 15 s of the interviewer talking, played in the candidate's page
        # The candidate's (silent) microphone went to the server all along ...
        assert audio_chunks(server) - before >= 10
        # ... and none of the interviewer's voice became an event.
        assert audio_events(server, session) == []
        expect(event_item(interviewer, "speech_detected")).to_have_count(0)
    finally:
        c_ctx.close()
        i_ctx.close()


def test_a_candidate_who_speaks_in_an_exam_shows_up_with_a_clip(
    browsers: Callable[[str], Browser], server: Server, artifacts: Path
) -> None:
    session = server.post_json("/start-session", {"name": "Ada Lovelace", "mode": "exam"})
    i_ctx, interviewer = open_interviewer(browsers("silence"), session["interviewer_url"])
    c_ctx, _ = open_candidate(browsers("speech"), session["candidate_url"])
    try:
        item = event_item(interviewer, "speech_detected")
        expect(item.first).to_be_visible(timeout=30_000)
        clip = item.first.locator("audio")
        expect(clip).to_be_attached(timeout=10_000)
        interviewer.wait_for_function(
            "() => { const a = document.querySelector('.event-item audio');"
            " return a && a.readyState >= 1 && a.duration > 0.5; }",
            timeout=15_000,
        )
        interviewer.screenshot(path=str(artifacts / "e2e-interviewer-speech.png"), full_page=True)
    finally:
        c_ctx.close()
        i_ctx.close()
