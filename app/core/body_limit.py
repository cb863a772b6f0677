"""Request bodies are capped before anything spools them (pure ASGI, no buffering).

A declared Content-Length over the cap is answered 413 without reading a byte; a body sent
without one (chunked) is counted as it streams and cut off as soon as it passes the cap. Upload
routes get the upload limit plus room for the multipart envelope; every other request gets the
small general cap. The 413 itself is rendered by the app (JSON for /api, the error page otherwise).
"""
from __future__ import annotations

import re
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response

from app.core.config import get_settings
from app.core.i18n import gettext as _

# Routes that take a file (multipart). A new upload route must be listed here or it gets the small cap.
UPLOAD_PATHS = re.compile(
    r"^(/api/v1)?/(applications/[^/]+/materials/[^/]+|bundle-applications/[^/]+/materials|verify)/?$")
# A declared body over the cap but at most this long is read and discarded before the 413, so the
# client (still sending) gets the answer rather than a reset; anything longer is refused unread.
DRAIN_LIMIT = 16 * 1024 * 1024
# Multipart boundaries, part headers and the small form fields that travel beside the file.
MULTIPART_OVERHEAD = 64 * 1024


class BodyTooLarge(Exception):
    """Raised into the app from receive() once the body passes the cap."""


def body_cap(path: str) -> int:
    settings = get_settings()
    if UPLOAD_PATHS.match(path):
        return settings.max_upload_bytes + MULTIPART_OVERHEAD
    return settings.max_request_bytes


async def _drain(receive) -> None:
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


def _declared_length(scope) -> int | None:
    for k, v in scope.get("headers", []):
        if k == b"content-length":
            try:
                return int(v)
            except ValueError:
                return None
    return None


def too_large_detail(cap: int) -> str:
    if cap >= 1024 * 1024:
        return _("请求内容超过{size}MB上限", size=cap // (1024 * 1024))
    return _("请求内容超过{size}KB上限", size=max(1, cap // 1024))


class BodyLimitMiddleware:
    """`respond(request, detail)` builds the 413 answer (the app's own error rendering)."""

    def __init__(self, app, respond: Callable[[Request, str], Response]):
        self.app = app
        self.respond = respond

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        cap = body_cap(scope["path"])
        declared = _declared_length(scope)
        if declared is not None and declared > cap:
            if declared <= DRAIN_LIMIT:
                # Read the rest and drop it: a client that is still sending would otherwise meet a
                # connection reset instead of this answer. Nothing is kept.
                await _drain(receive)
                return await self._refuse(scope, cap, send, close=False)
            return await self._refuse(scope, cap, send)

        received = 0
        exceeded = False
        started = False

        async def limited_receive():
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    exceeded = True
                    raise BodyTooLarge()
            return message

        async def guarded_send(message):
            nonlocal started
            if exceeded:
                return  # whatever the app makes of the cut-off body, the answer is our 413
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            await self._refuse(scope, cap, send)

    async def _refuse(self, scope, cap: int, send, close: bool = True) -> None:
        async def no_body():
            return {"type": "http.disconnect"}

        response = self.respond(Request(scope, no_body), too_large_detail(cap))
        if close:
            response.headers["connection"] = "close"  # the rest of the body is never read
        await response(scope, no_body, send)
