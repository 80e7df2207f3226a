"""Detectors: small plugins behind one interface, found through a registry."""
