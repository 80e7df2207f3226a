"""Real browser, real server: helpers shared by the end-to-end tests and bench/web_latency.py.

The candidate's fake camera plays a .y4m made with ffmpeg from an evaluation image, so the
server's detectors see a real photo through the whole chain (camera → canvas → JPEG → server).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
WEB_DIST = PROJECT_ROOT / "web" / "dist" / "proctor" / "browser"
CHROMIUM = Path(os.environ.get("PROCTOR_CHROMIUM", "/usr/bin/chromium"))
PROCTOR_BIN = PROJECT_ROOT / ".venv" / "bin" / "proctor"


def chromium_args(y4m: Path) -> list[str]:
    """The flags of DESIGN.md "Browser tests here"; one --disable-features (the last one wins)."""
    return [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={y4m}",
        "--autoplay-policy=no-user-gesture-required",
        # Playwright passes its own --disable-features; merged here because only the last counts.
        "--disable-features=WebRtcHideLocalIpsWithMdns,Translate,MediaRouter,"
        "OptimizationHints,DialMediaRouteProvider",
    ]


def make_clip(images: list[Path], out: Path, seconds_each: float = 3.0, fps: int = 10) -> Path:
    """A 640x480 .y4m of the images in turn (scaled, padded, aspect kept); Chromium loops it."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise RuntimeError("ffmpeg is not installed")
    cmd: list[str] = [ffmpeg, "-v", "error", "-y"]
    for image in images:
        cmd += ["-loop", "1", "-framerate", str(fps), "-t", str(seconds_each), "-i", str(image)]
    scale = (
        "scale=640:480:force_original_aspect_ratio=decrease,"
        "pad=640:480:(ow-iw)/2:(oh-ih)/2,setsar=1,format=yuv420p"
    )
    parts = "".join(f"[{i}:v]{scale}[v{i}];" for i in range(len(images)))
    joined = "".join(f"[v{i}]" for i in range(len(images)))
    graph = f"{parts}{joined}concat=n={len(images)}:v=1:a=0[out]"
    cmd += [
        "-filter_complex",
        graph,
        "-map",
        "[out]",
        "-r",
        str(fps),
        "-pix_fmt",
        "yuv420p",
        str(out),
    ]
    subprocess.run(cmd, check=True, timeout=120)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    base_url: str
    data_dir: Path
    log_path: Path

    def get_json(self, path: str, token: str | None = None) -> Any:
        return json.loads(self.request("GET", path, token=token)[1])

    def post_json(self, path: str, body: dict[str, Any], token: str | None = None) -> Any:
        return json.loads(self.request("POST", path, body=body, token=token)[1])

    def request(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        token: str | None = None,
    ) -> tuple[int, bytes, dict[str, str]]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            self.base_url + path, data=data, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, resp.read(), dict(resp.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(), dict(exc.headers)

    def health(self) -> dict[str, Any]:
        status, body, _ = self.request("GET", "/healthz")
        return dict(json.loads(body)) if body else {"status": f"http {status}"}

    def wait_analysis(self, timeout: float = 60) -> str:
        """'ok' once the analysis workers run, else the server's reason (e.g. models missing)."""
        deadline = time.monotonic() + timeout
        state = "starting"
        while time.monotonic() < deadline:
            state = str(self.health().get("analysis", "unknown"))
            if state != "starting":
                return state
            time.sleep(0.5)
        return state


@contextmanager
def run_server(data_dir: Path, env: dict[str, str] | None = None) -> Iterator[Server]:
    """`proctor serve` on a free port with its own data dir; stopped (and waited for) afterwards."""
    port = free_port()
    log_path = data_dir / "server.log"
    full_env = {**os.environ, "PROCTOR_DATA_DIR": str(data_dir), **(env or {})}
    full_env.pop("DATABASE_URL", None)  # a SQLite file in the temp dir, whatever the shell has
    full_env.pop("REDIS_URL", None)
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [str(PROCTOR_BIN), "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=PROJECT_ROOT,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        server = Server(f"http://127.0.0.1:{port}", data_dir, log_path)
        try:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"server exited: {log_path.read_text()[-2000:]}")
                try:
                    server.health()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError("server did not start in 60 s") from None
                    time.sleep(0.2)
            yield server
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


# In-page probes, run with page.evaluate.
VIDEO_PROGRESS_JS = """
async (selector) => {
  const v = document.querySelector(selector);
  if (!v || !v.videoWidth) return null;
  const t0 = v.currentTime;
  const f0 = v.getVideoPlaybackQuality ? v.getVideoPlaybackQuality().totalVideoFrames : 0;
  await new Promise((r) => setTimeout(r, 1500));
  const f1 = v.getVideoPlaybackQuality ? v.getVideoPlaybackQuality().totalVideoFrames : 0;
  return {width: v.videoWidth, height: v.videoHeight, t0, t1: v.currentTime, f0, f1};
}
"""


AXE_JS = PROJECT_ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"


def accessibility_violations(page: Any) -> list[str]:
    """Serious and critical WCAG 2.1 A/AA violations axe-core finds on the page, one line each."""
    # Evaluated through the DevTools protocol: the page's CSP forbids an injected <script>.
    page.evaluate(AXE_JS.read_text() + "\n;void 0")
    result = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag',"
        " values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
