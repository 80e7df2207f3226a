"""Webhook signatures: HMAC-SHA256 over ``timestamp.body`` with the shared secret.

The receiver recomputes it, compares in constant time, and refuses a timestamp too far from its
own clock (a replayed post). ``docs/ALERTS.md`` shows the check in a few lines.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Proctor-Signature"
TIMESTAMP_HEADER = "X-Proctor-Timestamp"
ALERT_ID_HEADER = "X-Proctor-Alert-Id"
DEFAULT_TOLERANCE_S = 300


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of the HMAC-SHA256 of ``timestamp`` + ``.`` + ``body``."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def sign(secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    """The headers that sign ``body`` now."""
    timestamp = str(int(time.time() if now is None else now))
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature(secret, timestamp, body)}


def verify(
    secret: str,
    body: bytes,
    timestamp: str,
    signed: str,
    *,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
    now: float | None = None,
) -> bool:
    """Whether ``signed`` is the signature of ``body`` at ``timestamp``, made recently."""
    try:
        age = abs((time.time() if now is None else now) - int(timestamp))
    except ValueError:
        return False
    if age > tolerance_s:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), signed)
