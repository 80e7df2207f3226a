"""CPU and memory of server processes (with their analysis workers), sampled with psutil."""

from __future__ import annotations

import contextlib
import threading
import time

import psutil

INTERVAL = 1.0


def _tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def cpu_seconds(pids: list[int]) -> float:
    """CPU seconds (user and system) of ``pids`` and their children so far."""
    total = 0.0
    for pid in pids:
        for proc in _tree(pid):
            with contextlib.suppress(psutil.Error):
                t = proc.cpu_times()
                total += t.user + t.system
    return total


def _rss(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        for proc in _tree(pid):
            with contextlib.suppress(psutil.Error):
                total += proc.memory_info().rss
    return total


class ProcessSampler:
    """Mean CPU (percent of one core) and peak resident memory of ``pids`` and their children."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._peak_rss = 0
        self._start_cpu = 0.0
        self._start = 0.0

    def start(self) -> None:
        if not self.pids:
            return
        self._start_cpu, self._start = cpu_seconds(self.pids), time.monotonic()
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(INTERVAL):
            self._peak_rss = max(self._peak_rss, _rss(self.pids))

    def stop(self) -> dict[str, float]:
        if not self.pids:
            return {}
        self._stop.set()
        self._thread.join()
        elapsed = max(1e-6, time.monotonic() - self._start)
        cpu = 100 * (cpu_seconds(self.pids) - self._start_cpu) / elapsed
        rss = max(self._peak_rss, _rss(self.pids))
        return {"cpu_percent": round(cpu, 1), "peak_rss_mb": round(rss / 1e6, 1)}
