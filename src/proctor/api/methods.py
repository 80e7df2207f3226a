"""405 answers that tell the truth: a path of the API asked with a method it does not take gets
405 (not the web app's 404), and ``Allow`` lists every method the path takes, however many
routes serve them. The methods come from the OpenAPI description, so the two always agree.
"""

from __future__ import annotations

import re

from fastapi import FastAPI
from starlette.routing import compile_path

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class AllowedMethods:
    """The methods each documented path takes, read once from the app's OpenAPI description."""

    def __init__(self, api: FastAPI) -> None:
        self.api = api
        self._paths: list[tuple[re.Pattern[str], frozenset[str]]] | None = None

    def __call__(self, path: str) -> list[str]:
        """The methods ``path`` takes, sorted; empty when it is no path of the API."""
        if self._paths is None:
            self._paths = [
                (compile_path(template)[0], frozenset(m.upper() for m in item if m in HTTP_METHODS))
                for template, item in self.api.openapi()["paths"].items()
            ]
        found: set[str] = set()
        for regex, methods in self._paths:
            if regex.match(path):
                found |= methods
        return sorted(found)
