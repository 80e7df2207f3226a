"""REST API: one router per resource, shared dependencies in ``deps``."""
