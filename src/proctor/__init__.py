"""Proctor: remote proctoring with live video, on-CPU vision analysis, events and reports."""

import os

# numpy's OpenBLAS spreads each matrix product over every core, but the analysis already runs one
# process per core (vision workers, the audio process), so those threads only spin and contend:
# on 2 cores a frame's analysis took 25% more CPU and wall time with them. Set before numpy is
# first imported (this package's modules import it after this line); an explicit value wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
