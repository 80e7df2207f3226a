"""Scoring the detectors against labelled evaluation sets."""
