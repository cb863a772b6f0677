"""One pure-ASGI middleware: request id, locale, session cookie, security headers, access log.

The app passes in what belongs to the domains: the session cookie's name and the fast path
(a function answering cached GETs without routing)."""
from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from http.cookies import SimpleCookie

from app.core.config import get_settings
from app.core.i18n import get_locale, normalise, set_locale
from app.core.logging import access_log, request_id_var

log = logging.getLogger("portal.access")

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'")
DOCS_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self' 'unsafe-inline'; frame-ancestors 'none'; object-src 'none'")
LANG_COOKIE = "lang"
NUL_REFUSAL = json.dumps({"error": "bad_request", "detail": "请求包含非法字符 / the request contains a NUL character"},
                         ensure_ascii=False).encode()


def _cookies(scope) -> dict[str, str]:
    for k, v in scope.get("headers", []):
        if k == b"cookie":
            c = SimpleCookie()
            try:
                c.load(v.decode("latin-1"))
            except Exception:  # malformed cookie header: ignore it
                return {}
            return {key: m.value for key, m in c.items()}
    return {}


def _query_lang(scope) -> str | None:
    qs = scope.get("query_string", b"").decode("latin-1")
    for part in qs.split("&"):
        if part.startswith("lang="):
            return part[5:]
    return None


class PortalMiddleware:
    def __init__(self, app, *, session_cookie: str,
                 fast_path: Callable[[str, bytes, str], bytes | None] | None = None):
        self.app = app
        self.session_cookie = session_cookie
        self.fast_path = fast_path
        self.secure = get_settings().base_url.startswith("https")

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if b"%00" in scope.get("query_string", b""):
            # PostgreSQL text cannot hold NUL: drop it from query strings (search words and filters).
            scope["query_string"] = scope["query_string"].replace(b"%00", b"")
        if "\x00" in scope["path"]:
            # No resource id contains a NUL byte.
            await send({"type": "http.response.start", "status": 400,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body",
                        "body": NUL_REFUSAL})
            return
        rid = None
        for k, v in scope.get("headers", []):
            if k == b"x-request-id" and 0 < len(v) <= 64:
                rid = v.decode("latin-1")
        rid = rid or os.urandom(8).hex()
        request_id_var.set(rid)
        cookies = _cookies(scope)
        lang = _query_lang(scope) or cookies.get(LANG_COOKIE)
        if not lang:
            for k, v in scope.get("headers", []):
                if k == b"accept-language" and scope["path"].startswith("/api/"):
                    lang = v.decode("latin-1").split(",")[0]
        set_locale(normalise(lang))
        state = scope.setdefault("state", {})
        path = scope["path"]
        start = time.perf_counter()
        status_holder = {}

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                csp = DOCS_CSP if path.startswith("/docs") else CSP
                extra = [(b"x-request-id", rid.encode()),
                         (b"x-content-type-options", b"nosniff"),
                         (b"referrer-policy", b"same-origin"),
                         (b"x-frame-options", b"DENY"),
                         (b"permissions-policy", b"camera=(), microphone=(), geolocation=()")]
                if b"content-security-policy" not in names:
                    extra.append((b"content-security-policy", csp.encode()))
                raw = state.get("set_session_cookie")
                if raw is not None:
                    cookie = f"{self.session_cookie}={raw}; Path=/; HttpOnly; SameSite=Lax"
                    if raw == "":
                        cookie += "; Max-Age=0"
                    if self.secure:
                        cookie += "; Secure"
                    extra.append((b"set-cookie", cookie.encode()))
                if self.secure:
                    extra.append((b"strict-transport-security", b"max-age=31536000"))
                message["headers"] = headers + extra
            await send(message)

        if scope.get("method") == "GET" and self.fast_path is not None:
            # e.g. the catalogue: a cached answer goes out without routing or validation
            # (only requests that passed validation were ever cached).
            body = self.fast_path(path, scope.get("query_string", b""), get_locale())
            if body is not None:
                await send_wrapper({"type": "http.response.start", "status": 200,
                                    "headers": [(b"content-type", b"application/json"),
                                                (b"content-length", str(len(body)).encode())]})
                await send_wrapper({"type": "http.response.body", "body": body})
                self._log(scope, path, status_holder, start, rid)
                return
        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self._log(scope, path, status_holder, start, rid)

    @staticmethod
    def _log(scope, path: str, status_holder: dict, start: float, rid: str) -> None:
        if path != "/healthz" and not path.startswith("/static/") and log.isEnabledFor(logging.INFO):
            access_log.record(scope.get("method"), path, status_holder.get("status"),
                              round((time.perf_counter() - start) * 1000, 1), rid)
