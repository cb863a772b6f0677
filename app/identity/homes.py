"""Where each role starts: the page a person lands on after login, and the header's own links."""
from __future__ import annotations

from fastapi import FastAPI

from app.identity.models import Role, User

HOMES = {
    Role.applicant_person: "/me/applications",
    Role.applicant_enterprise: "/enterprise",
    Role.reviewer: "/review",
    Role.evaluator: "/evaluation",
    Role.admin: "/admin",
}
WINDOW_DESK = "/window"
WINDOW_ROLE_PAGE = "/staff/window-officer"


def _has_route(app: FastAPI, path: str) -> bool:
    return any(getattr(r, "path", None) == path for r in app.routes)


def role_home(user: User, app: FastAPI) -> str:
    """The first page of this person's own work."""
    if user.role == Role.window_officer:
        return WINDOW_DESK if _has_route(app, WINDOW_DESK) else WINDOW_ROLE_PAGE
    return HOMES[user.role]
