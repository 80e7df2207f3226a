"""Webhook signatures: the receiver's check passes on the signed body and time only."""

from __future__ import annotations

from proctor.alerts.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, verify

BODY = b'{"kind":"alert","event":{"type":"object_detected","detail":"cell_phone"}}'


def test_a_signed_body_verifies_and_a_changed_one_does_not() -> None:
    headers = sign("secret", BODY, now=1_800_000_000)
    ts, sig = headers[TIMESTAMP_HEADER], headers[SIGNATURE_HEADER]
    assert ts == "1800000000" and sig.startswith("sha256=") and len(sig) == 7 + 64
    assert verify("secret", BODY, ts, sig, now=1_800_000_010)
    assert not verify("other", BODY, ts, sig, now=1_800_000_010)
    assert not verify("secret", BODY.replace(b"phone", b"phono"), ts, sig, now=1_800_000_010)
    assert not verify("secret", BODY, "1800000001", sig, now=1_800_000_010)  # time is signed


def test_an_old_signature_is_a_replay() -> None:
    headers = sign("secret", BODY, now=1_800_000_000)
    ts, sig = headers[TIMESTAMP_HEADER], headers[SIGNATURE_HEADER]
    assert not verify("secret", BODY, ts, sig, now=1_800_000_000 + 301)
    assert not verify("secret", BODY, "not a number", sig)
