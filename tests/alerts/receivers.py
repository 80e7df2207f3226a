"""Real receivers for alert tests: an HTTP server that records every request (and may fail or
stall on purpose), and an SMTP server (aiosmtpd) that keeps every mail it is given."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int = 0

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class HttpReceiver:
    """Records each POST. The first ``fail_first`` get HTTP 500; while ``stall`` is set, each
    request waits (up to ``stall_seconds``) before it is answered."""

    fail_first: int = 0
    stall_seconds: float = 0.0
    requests: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    def start(self) -> HttpReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                req = Request(self.path, dict(self.headers.items()), self.rfile.read(length))
                with receiver.lock:
                    receiver.requests.append(req)
                    n = len(receiver.requests)
                if receiver.stall_seconds:
                    time.sleep(receiver.stall_seconds)
                status = 500 if n <= receiver.fail_first else 200
                req.answered = status
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.server_address[1])

    def url(self, scheme: str = "http", path: str = "/hook") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def delivered(self) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.answered == 200]

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


class _Mailbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


class SmtpReceiver:
    """aiosmtpd on a free loopback port, plain SMTP (no TLS, no login)."""

    def __init__(self) -> None:
        self.mailbox = _Mailbox()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self._port = int(s.getsockname()[1])
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self._port)

    def start(self) -> SmtpReceiver:
        self.controller.start()
        return self

    @property
    def port(self) -> int:
        return self._port

    def url(self, to: str = "ada.reviewer@example.com") -> str:
        return (
            f"mailto://127.0.0.1:{self.port}?mode=insecure&from=proctor@example.com"
            f"&to={to}&smtp=127.0.0.1"
        )

    @property
    def messages(self) -> list[EmailMessage]:
        return self.mailbox.messages

    def stop(self) -> None:
        self.controller.stop()


def wait_until(check: Callable[[], bool], timeout: float = 30.0, what: str = "it") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen in {timeout} s")
        time.sleep(0.05)
