"""One pure-ASGI middleware, the outermost layer of the app: request id, locale, session cookie,
security headers, access log, and the fast path.

The app passes in what belongs to the domains: the session cookie's name and the fast path
(a function answering cached GETs without routing: (body, ETag) or None). The fast path runs
before FastAPI's own middleware and routing; its answers carry the same headers as any other
(security headers, request id), an ETag, and a 304 when the client already holds those bytes."""
from __future__ import annotations

import json
import os
import time
from collections.abc import Callable

from starlette.requests import cookie_parser

from app.core.config import get_settings
from app.core.i18n import normalise, set_locale
from app.core.logging import access_log, request_id_var

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'")
DOCS_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self' 'unsafe-inline'; frame-ancestors 'none'; object-src 'none'")
LANG_COOKIE = "lang"
NUL_REFUSAL = json.dumps({"error": "bad_request", "detail": "请求包含非法字符 / the request contains a NUL character"},
                         ensure_ascii=False).encode()
# The headers every answer carries, built once (x-request-id and what depends on the answer are added).
SECURITY_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
                    (b"x-frame-options", b"DENY"),
                    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()")]
HSTS = (b"strict-transport-security", b"max-age=31536000")
CSP_HEADER = (b"content-security-policy", CSP.encode())
DOCS_CSP_HEADER = (b"content-security-policy", DOCS_CSP.encode())


def _cookies(raw: bytes | None) -> dict[str, str]:
    if not raw:
        return {}
    try:
        return cookie_parser(raw.decode("latin-1"))
    except Exception:  # malformed cookie header: ignore it
        return {}


def _query_lang(scope) -> str | None:
    qs = scope.get("query_string", b"")
    if b"lang=" not in qs:
        return None
    for part in qs.decode("latin-1").split("&"):
        if part.startswith("lang="):
            return part[5:]
    return None


def _etag_matches(if_none_match: bytes, etag: bytes) -> bool:
    if if_none_match.strip() == b"*":
        return True
    return any(tag.strip().removeprefix(b"W/") == etag for tag in if_none_match.split(b","))


class PortalMiddleware:
    def __init__(self, app, *, session_cookie: str,
                 fast_path: Callable[[str, bytes, str], tuple[bytes, bytes] | None] | None = None):
        self.app = app
        self.session_cookie = session_cookie
        self.fast_path = fast_path
        self.secure = get_settings().base_url.startswith("https")
        self.fixed = SECURITY_HEADERS + ([HSTS] if self.secure else [])

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if b"%00" in scope.get("query_string", b""):
            # PostgreSQL text cannot hold NUL: drop it from query strings (search words and filters).
            scope["query_string"] = scope["query_string"].replace(b"%00", b"")
        path = scope["path"]
        if "\x00" in path:
            # No resource id contains a NUL byte.
            await send({"type": "http.response.start", "status": 400,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body",
                        "body": NUL_REFUSAL})
            return
        rid = cookie = accept_language = if_none_match = None
        for k, v in scope.get("headers", ()):
            if k == b"cookie":
                cookie = v
            elif k == b"x-request-id":
                if 0 < len(v) <= 64:
                    rid = v.decode("latin-1")
            elif k == b"accept-language":
                accept_language = v
            elif k == b"if-none-match":
                if_none_match = v
        rid = rid or os.urandom(8).hex()
        request_id_var.set(rid)
        lang = _query_lang(scope)
        if not lang and cookie is not None and b"lang=" in cookie:
            lang = _cookies(cookie).get(LANG_COOKIE)
        if not lang and accept_language is not None and path.startswith("/api/"):
            lang = accept_language.decode("latin-1").split(",")[0]
        locale = normalise(lang)
        set_locale(locale)
        start = time.perf_counter()
        method = scope.get("method")

        if method == "GET" and self.fast_path is not None:
            # e.g. the catalogue: a cached answer goes out without routing or validation
            # (only requests that passed validation were ever cached).
            hit = self.fast_path(path, scope.get("query_string", b""), locale)
            if hit is not None:
                body, etag = hit
                headers = [(b"etag", etag), (b"x-request-id", rid.encode("latin-1")), *self.fixed, CSP_HEADER]
                if if_none_match is not None and _etag_matches(if_none_match, etag):
                    status, body = 304, b""
                else:
                    status = 200
                    headers += [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                access_log.request(method, path, status, start, rid)
                return

        state = scope.setdefault("state", {})
        status = None

        async def send_wrapper(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                has_csp = any(k.lower() == b"content-security-policy" for k, _ in headers)
                headers.append((b"x-request-id", rid.encode("latin-1")))
                headers += self.fixed
                if not has_csp:
                    headers.append(DOCS_CSP_HEADER if path.startswith("/docs") else CSP_HEADER)
                raw = state.get("set_session_cookie")
                if raw is not None:
                    cookie = f"{self.session_cookie}={raw}; Path=/; HttpOnly; SameSite=Lax"
                    if raw == "":
                        cookie += "; Max-Age=0"
                    if self.secure:
                        cookie += "; Secure"
                    headers.append((b"set-cookie", cookie.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            if path != "/healthz" and not path.startswith("/static/"):
                access_log.request(method, path, status, start, rid)
