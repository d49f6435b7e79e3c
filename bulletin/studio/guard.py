"""What stands between the studio and anyone but its user.

- Bound to loopback, it answers only requests addressed to a loopback name (``Host``): a web
  page elsewhere cannot reach it by pointing its own domain name at 127.0.0.1 (DNS rebinding).
- A request sent by another site (an ``Origin`` whose scheme, host and port are not the
  studio's; behind an HTTPS reverse proxy the scheme is the one ``X-Forwarded-Proto`` names) is
  refused, and
  ``POST`` bodies must be JSON or a raw upload: a plain HTML form on another site can send
  neither without the browser asking first, and the studio never says yes.
- With a token (required off loopback), every call but the static CSS and JavaScript needs it:
  ``Authorization: Bearer TOKEN``, or ``?token=TOKEN`` for the page and download links.
"""

from __future__ import annotations

import json
import secrets
from urllib.parse import parse_qs, urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from .config import StudioConfig

POST_TYPES = ("application/json", "application/octet-stream")


class Guard:
    """ASGI middleware applying the rules above before any endpoint runs."""

    def __init__(self, app: ASGIApp, config: StudioConfig) -> None:
        self.app = app
        self.config = config
        names = {"127.0.0.1", "localhost", "[::1]", config.host if ":" not in config.host else f"[{config.host}]"}
        self.hosts = {f"{n}:{config.port}" for n in names}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = self.refusal(scope)
        if problem is None:
            await self.app(scope, receive, send)
            return
        status, message = problem
        body = json.dumps({"error": message}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def refusal(self, scope: Scope) -> tuple[int, str] | None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        path: str = scope["path"]
        method: str = scope["method"]
        if self.config.loopback and host.lower() not in self.hosts:
            return 403, f"this studio answers only at http://127.0.0.1:{self.config.port}/ (not {host or 'no host'})"
        origin = headers.get("origin")
        unsafe = method not in ("GET", "HEAD")
        if origin is not None and unsafe and not same_origin(origin, host, _scheme(scope, headers)):
            return 403, f"requests from another site ({origin}) are refused"
        if self.config.token and not path.startswith("/static/") and not self._has_token(headers, scope):
            return 401, "this studio needs its token: open the address 'bulletin studio' printed, token included"
        if method == "POST":
            ctype = headers.get("content-type", "").split(";")[0].strip().lower()
            if ctype not in POST_TYPES:
                return (
                    415,
                    f"send JSON or a file (application/octet-stream), not {ctype or 'nothing'}",
                )
        return None

    def _has_token(self, headers: dict[str, str], scope: Scope) -> bool:
        token = self.config.token or ""
        given = headers.get("authorization", "")
        if given.lower().startswith("bearer ") and secrets.compare_digest(given[7:].strip().encode(), token.encode()):
            return True
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        return any(secrets.compare_digest(t.encode(), token.encode()) for t in query.get("token", []))


DEFAULT_PORTS = {"http": 80, "https": 443}


def _scheme(scope: Scope, headers: dict[str, str]) -> str:
    """The scheme the browser used: the proxy's (first ``X-Forwarded-Proto``), else the socket's."""
    forwarded = headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return forwarded if forwarded in DEFAULT_PORTS else str(scope.get("scheme", "http"))


def _site(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port if port is not None else DEFAULT_PORTS[scheme]


def same_origin(origin: str, host: str, scheme: str) -> bool:
    """Whether ``Origin`` names the site the request was addressed to (scheme, host and port
    compared, default ports filled in: ``https://x`` is ``https://x:443``)."""
    mine = _site(f"{scheme}://{host}")
    theirs = _site(origin.strip())
    return mine is not None and theirs == mine
