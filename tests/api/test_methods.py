"""A method a path does not take gets 405 (not the web app's 404), with an ``Allow`` header
that lists every method the path takes, as the OpenAPI description does."""

from __future__ import annotations

import re

import httpx

from tests.server_fixtures import LiveServer

METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE")


def test_every_path_answers_405_with_its_methods(server: LiveServer, http: httpx.Client) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    for template, item in paths.items():
        path = re.sub(r"\{[^}]+\}", "0", template)
        declared = {method.upper() for method in item}
        for method in set(METHODS) - declared:
            r = http.request(method, path)
            assert r.status_code == 405, (method, path, r.status_code)
            allowed = {m.strip() for m in r.headers["allow"].split(",")}
            assert allowed == declared, (method, path, r.headers["allow"])
            assert r.json() == {"detail": "Method Not Allowed"}


def test_the_cases_found_from_outside(server: LiveServer, http: httpx.Client) -> None:
    r = http.options("/sessions/abc")
    assert r.status_code == 405 and r.headers["allow"] == "DELETE, GET"
    r = http.get("/upload-video")
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    # Paths that are no path of the API are the web app's: GET only, 404 when nothing is there
    assert http.get("/no-such-page.js").status_code == 404
    r = http.post("/no-such-page.js")
    assert r.status_code == 405 and r.headers["allow"] == "GET"
