"""A short description of the machine and software a measurement ran on.

Evaluation and benchmark reports carry it so a reader can judge their numbers: the CPU model,
its cores, the load average when the run ended (other work on the machine slows every step),
and the versions of the runtimes that execute the models.
"""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path

RUNTIME_PACKAGES = ("ai-edge-litert", "onnxruntime", "opencv-python-headless", "numpy")


def cpu_model() -> str:
    """The CPU's model name as the kernel reports it, or the platform's guess."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_average() -> str:
    """The 1, 5 and 15-minute load averages, or "n/a" where the OS has none."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "n/a"
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def versions() -> str:
    found = []
    for name in RUNTIME_PACKAGES:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return ", ".join([f"Python {platform.python_version()}", *found])


def describe() -> str:
    """One line: CPU, cores, load average (1/5/15 min), OS and runtime versions."""
    return (
        f"{cpu_model()}, {os.cpu_count()} cores, load average {load_average()} (1/5/15 min); "
        f"{platform.system()} {platform.release()}; {versions()}"
    )
