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
    Role.window_officer: "/window",  # the window desk (app/services/window_pages)
}
WINDOW_DESK = HOMES[Role.window_officer]
WINDOW_ROLE_PAGE = "/staff/window-officer"  # what the role can do, linked from the desk's header


def role_home(user: User, app: FastAPI | None = None) -> str:
    """The first page of this person's own work."""
    return HOMES[user.role]
