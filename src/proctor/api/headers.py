"""Security headers on every HTTP answer: pages, files and API.

The Content-Security-Policy allows scripts from the server only. The built web app's
index.html has inline code of its own (Angular inlines critical CSS and loads the rest with an
``onload`` attribute): those exact snippets are allowed by their SHA-256 hashes, read from the
file, so nothing else inline can run. Styles may be inline (Angular adds component styles as
``<style>`` elements at run time). Media and images may be ``blob:`` URLs (recordings and
evidence fetched with the token), and the page connects to its own origin only (Socket.IO).
"""

from __future__ import annotations

import base64
import hashlib
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The interactive API docs load Swagger UI / ReDoc from their CDN with an inline bootstrap.
DOCS_PATHS = ("/docs", "/docs/oauth2-redirect", "/redoc")
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "frame-ancestors 'none'"
)
PERMISSIONS_POLICY = (
    "camera=(self), microphone=(self), fullscreen=(self), display-capture=(), "
    "geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), interest-cohort=()"
)


class _InlineCode(HTMLParser):
    """Collects inline ``<script>`` bodies and ``on*`` attribute handlers of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[str] = []
        self.handlers: list[str] = []
        self._in_script = False
        self._script = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handlers += [v for k, v in attrs if k.startswith("on") and v]
        if tag == "script" and not any(k == "src" for k, _ in attrs):
            self._in_script, self._script = True, ""

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self._script += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._in_script:
            self._in_script = False
            if self._script.strip():
                self.scripts.append(self._script)


def _sha256(code: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(code.encode()).digest()).decode() + "'"


def script_sources(index_html: str) -> list[str]:
    """CSP sources that allow exactly the inline code of ``index_html``."""
    found = _InlineCode()
    found.feed(index_html)
    sources = [_sha256(code) for code in dict.fromkeys(found.scripts)]
    if found.handlers:
        sources += ["'unsafe-hashes'", *(_sha256(code) for code in dict.fromkeys(found.handlers))]
    return sources


def content_security_policy(index_html: str | None, public_url: str | None = None) -> str:
    scripts = " ".join(["'self'", *script_sources(index_html or "")])
    # 'self' covers ws:/wss: to the page's own host; a public URL (behind a proxy) is added.
    connect = ["'self'"]
    if public_url:
        parts = urlsplit(public_url)
        if parts.scheme in ("http", "https") and parts.netloc:
            ws = "wss" if parts.scheme == "https" else "ws"
            connect += [f"{parts.scheme}://{parts.netloc}", f"{ws}://{parts.netloc}"]
    return (
        f"default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' blob: data:; media-src 'self' blob:; font-src 'self' data:; "
        f"connect-src {' '.join(connect)}; worker-src 'self' blob:; manifest-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )


class SecurityHeaders:
    """ASGI middleware adding the headers to every HTTP response that lacks them."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        index_html: Path,
        public_url: str | None = None,
        hsts_seconds: int = 0,
    ) -> None:
        self.app = app
        self.index_html = index_html
        self.public_url = public_url
        self.hsts_seconds = hsts_seconds
        self._csp: tuple[float, str] | None = None

    def policy(self) -> str:
        """The app's CSP, made again when index.html changes (the web app was rebuilt)."""
        try:
            mtime = self.index_html.stat().st_mtime
            text: str | None = None
            if self._csp is None or self._csp[0] != mtime:
                text = self.index_html.read_text("utf-8", "replace")
        except OSError:
            mtime, text = -1.0, ""
        if text is not None:
            self._csp = (mtime, content_security_policy(text, self.public_url))
        assert self._csp is not None
        return self._csp[1]

    def headers_for(self, scope: Scope) -> list[tuple[bytes, bytes]]:
        path = scope.get("path", "")
        csp = DOCS_CSP if path in DOCS_PATHS else self.policy()
        headers = [
            (b"content-security-policy", csp.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"x-frame-options", b"DENY"),
            (b"permissions-policy", PERMISSIONS_POLICY.encode()),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]
        if self.hsts_seconds > 0 and scope.get("scheme") == "https":
            value = f"max-age={self.hsts_seconds}; includeSubDomains"
            headers.append((b"strict-transport-security", value.encode()))
        return headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.headers_for(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                added = [(k, v) for k, v in extra if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *added]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
