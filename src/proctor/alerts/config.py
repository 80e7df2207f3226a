"""What counts as critical, and where alerts go: rules per event type, Apprise URL lists, the
allow-list of schemes for the URLs a session brings, and channel names that hold no secret.

Imports nothing of ``proctor.config``, which uses these types.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

import apprise
from pydantic import BaseModel, ConfigDict, Field

# Apprise URLs are separated by spaces or commas (as Apprise itself reads them).
_SEPARATORS = re.compile(r"[\s,]+")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
MAX_SESSION_URLS = 5
MAX_URL_CHARS = 2000


class AlertRule(BaseModel):
    """When an event of one type is critical: its confidence (when the rules measured one) and
    how long it has lasted."""

    model_config = ConfigDict(extra="forbid")

    min_confidence: float = Field(default=0.0, ge=0, le=1)
    min_duration_s: float = Field(default=0.0, ge=0, le=3600)


# Keys: an event type, or ``type:detail`` (object_detected:cell_phone).
DEFAULT_ALERT_EVENTS: dict[str, AlertRule] = {
    "object_detected:cell_phone": AlertRule(),
    "object_detected:extra_person": AlertRule(),
    "multiple_faces_detected": AlertRule(),
    "identity_mismatch": AlertRule(),
    "no_face_detected": AlertRule(min_duration_s=10),
}


def parse_alert_events(value: Any) -> Any:
    """``PROCTOR_ALERT_EVENTS`` as JSON (``{"no_face_detected": {"min_duration_s": 10}}``) or a
    plain list of keys (``object_detected:cell_phone,manual``: each critical at once)."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("{"):
            return json.loads(text)
        return {key: {} for key in split_list(text)}
    if isinstance(value, list | tuple):
        return {str(key): {} for key in value}
    return value


def rule_for(rules: dict[str, AlertRule], type_: str, detail: str) -> AlertRule | None:
    """The rule of ``type:detail``, else of ``type``; None when the event is not critical."""
    return rules.get(f"{type_}:{detail}") or rules.get(type_)


def split_list(value: str) -> list[str]:
    return [part for part in _SEPARATORS.split(value.strip()) if part]


def parse_url_list(value: Any) -> Any:
    """A list from a space- or comma-separated string (or a JSON list)."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return split_list(text)
    return value


def scheme_of(url: str) -> str | None:
    match = _SCHEME.match(url)
    return match.group(1).lower() if match else None


def channel_key(scope: str, url: str) -> str:
    """A stable name for one URL that does not reveal it (URLs may hold passwords)."""
    return f"{scope}:{hashlib.sha256(url.encode('utf-8')).hexdigest()[:16]}"


@dataclass(frozen=True, slots=True)
class Channel:
    """One place an alert goes: ``scope`` is operator, session or webhook."""

    key: str
    scope: str
    url: str


def channels(
    operator_urls: list[str], session_urls: list[str], webhook_url: str | None
) -> list[Channel]:
    """Every channel of a session, each address once."""
    found: dict[str, Channel] = {}
    for scope, urls in (("operator", operator_urls), ("session", session_urls)):
        for url in urls:
            key = channel_key(scope, url)
            found.setdefault(key, Channel(key, scope, url))
    if webhook_url:
        found["webhook"] = Channel("webhook", "webhook", webhook_url)
    return list(found.values())


def session_url_problem(url: str, allowed: list[str]) -> str | None:
    """Why a URL given for one session is refused, or None. The message names the scheme,
    never the URL (it may carry a password)."""
    if len(url) > MAX_URL_CHARS:
        return f"longer than {MAX_URL_CHARS} characters"
    scheme = scheme_of(url)
    if scheme is None:
        return "not a URL (scheme://...)"
    if scheme not in allowed:
        return f"scheme {scheme!r} is not allowed here (allowed: {', '.join(allowed) or 'none'})"
    if apprise.Apprise.instantiate(url) is None:
        return f"not a {scheme}:// address Apprise can send to"
    return None
