"""Fixtures of the browser tests: Chromium, the real server, fake-camera clips, two rooms."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from tests.conftest import EVALSET_DIR, require
from tests.e2e.support import (
    CHROMIUM,
    PROCTOR_BIN,
    PROJECT_ROOT,
    WEB_DIST,
    Server,
    chromium_args,
    make_clip,
    run_server,
)

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
# Paths inside the evaluation set: a face at a webcam, and a phone held up at a webcam.
FACE_IMAGE = "images/single_webcam_woman_dark.jpg"
PHONE_IMAGE = "phones/images/phone_dev_005.jpg"


@pytest.fixture(scope="session")
def browser_tools() -> None:
    require(CHROMIUM.is_file(), f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    require(shutil.which("ffmpeg") is not None, "ffmpeg not found (apt-get install ffmpeg)")
    require(shutil.which("ffprobe") is not None, "ffprobe not found (apt-get install ffmpeg)")
    require(
        (WEB_DIST / "index.html").is_file(), f"web app not built at {WEB_DIST} (make -C web build)"
    )
    require(PROCTOR_BIN.is_file(), f"{PROCTOR_BIN} missing (make install)")


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def server(browser_tools: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with run_server(tmp_path_factory.mktemp("server-data")) as srv:
        yield srv


@pytest.fixture(scope="session")
def analysis(server: Server) -> None:
    """Skips (fails under CI) when the server cannot analyze frames, e.g. models not installed."""
    state = server.wait_analysis()
    require(
        state == "ok", f"the server's frame analysis is not running ({state}); run `make models`"
    )


@pytest.fixture(scope="session")
def clips(browser_tools: None, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """A .y4m of one evaluation image (path inside the set), made once per test run."""
    require((EVALSET_DIR / "images").is_dir(), f"evaluation set not found at {EVALSET_DIR}")
    folder = tmp_path_factory.mktemp("clips")
    made: dict[str, Path] = {}

    def clip(name: str) -> Path:
        if name not in made:
            made[name] = make_clip([EVALSET_DIR / name], folder / f"{Path(name).stem}.y4m")
        return made[name]

    return clip


# Per module, not per session: the sync API keeps an event loop running while it is open, and
# the async tests of the other folders need the main thread without one.
@pytest.fixture(scope="module")
def playwright(browser_tools: None) -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


def launch(pw: Playwright, clip: Path) -> Browser:
    """Chromium with a fake camera playing ``clip``; a start failure skips (fails under CI)."""
    try:
        return pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=chromium_args(clip)
        )
    except Exception as exc:  # Playwright raises its own Error with the browser's output
        require(False, f"Chromium did not start: {exc}")
        raise
