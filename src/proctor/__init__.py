"""Proctor: remote proctoring with live video, on-CPU vision analysis, events and reports."""

__version__ = "0.1.0"
