"""Route lookup by the path's first segment.

FastAPI (0.165) keeps every included router as a whole and matches a request against the routes
of each in turn, twice for the router that holds the match: with 30 routers and some 400 routes an
application page was matched against ~90 routes before its own (≈ 0.4 ms of a page's CPU). This
index keeps, per literal first path segment ("matters", "applications", "api", …), the top-level
routes that can match a path starting with it (those with a parameter there match any), in their
order. A request is then routed by FastAPI's own router code over that shorter list: a route left
out cannot match (its paths start with another segment), so the route found, the 405 for a wrong
method and the redirect of a trailing slash are the ones the full list gives. A router that holds
low-priority (frontend) routes, or router-level middleware, turns the index off (the full list is
used as before).
"""
from __future__ import annotations

import copy
import logging
import time

from fastapi import FastAPI
from fastapi.routing import APIRouter

log = logging.getLogger("portal")

RECHECK_SECONDS = 1.0
ANY = None  # the key of routes whose first segment is a parameter (they stay in every list)


def _first_segment(path: str) -> str | None:
    """The literal first segment of a route's path format, or ANY when it is a parameter."""
    head = path[1:] if path.startswith("/") else path
    segment = head.split("/", 1)[0]
    return ANY if "{" in segment else segment


def _segments(route) -> set[str | None]:
    """The first segments a top-level route can match (ANY when it cannot be told)."""
    contexts = getattr(route, "effective_route_contexts", None)
    if contexts is not None:  # an included router: every route in it, with its prefix
        found: set[str | None] = set()
        for ctx in contexts():
            path = ctx.path_format or getattr(ctx.starlette_route, "path_format", "") or ""
            found.add(_first_segment(path) if path else ANY)
        if getattr(route, "effective_low_priority_routes", lambda: [])():
            raise LookupError("low-priority routes")
        return found or {ANY}
    path = getattr(route, "path_format", None)
    return {_first_segment(path)} if path else {ANY}


class RouteIndex:
    def __init__(self, router: APIRouter):
        self.router = router
        self.version = None
        self.shadows: dict[str, APIRouter] = {}
        self.fallback: APIRouter = router
        self.top = -1
        self.checked = 0.0

    def _build(self) -> None:
        table: list[tuple[object, set[str | None]]] = [(r, _segments(r)) for r in self.router.routes]
        keys = {s for _, segs in table for s in segs if s is not ANY}
        self.shadows = {}
        for key in keys:
            shadow = copy.copy(self.router)
            shadow.routes = [r for r, segs in table if key in segs or ANY in segs]
            self.shadows[key] = shadow
        self.fallback = copy.copy(self.router)
        self.fallback.routes = [r for r, segs in table if ANY in segs]
        self.version = self.router._get_routes_version()
        self.top = len(self.router.routes)
        self.checked = time.monotonic()

    def router_for(self, path: str) -> APIRouter:
        # Routes are added at start-up: the top level is compared on every request, the whole tree
        # (a walk over every included router) at most once every RECHECK_SECONDS.
        now = time.monotonic()
        if len(self.router.routes) != self.top or now - self.checked > RECHECK_SECONDS:
            self.checked = now
            if self.version != self.router._get_routes_version():
                self._build()
        head = path[1:] if path.startswith("/") else path
        return self.shadows.get(head.split("/", 1)[0], self.fallback)


def install(app: FastAPI) -> None:
    """Route the app's HTTP requests through the index (nothing is changed when it cannot apply)."""
    router = app.router
    if router.middleware_stack != router.app or router._low_priority_routes:
        return
    index = RouteIndex(router)
    try:
        index._build()
    except (LookupError, AttributeError) as e:  # another FastAPI than the one this was written for
        log.warning("route index off: %s", e)
        return
    full = router.app

    async def indexed(scope, receive, send):
        if scope["type"] != "http" or scope.get("root_path"):
            return await full(scope, receive, send)
        scope.setdefault("router", router)  # url_for sees every route, not the shortened list
        shadow = index.router_for(scope["path"])
        await APIRouter.app(shadow, scope, receive, send)

    router.middleware_stack = indexed
