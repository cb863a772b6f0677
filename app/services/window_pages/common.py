"""What the front-desk pages share: who may open them, the officer's window and centre, and how a
service error becomes a message on the page."""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session

from app.core.errors import PortalError
from app.core.i18n import bilingual, pick
from app.identity.deps import require_roles
from app.identity.models import Role, User
from app.services.applications.page_context import china_time  # noqa: F401 (re-exported for the pages)
from app.services.window import service as window_service
from app.services.window.models import ServiceCentre, ServiceWindow

Officer = Annotated[User, Depends(require_roles(Role.window_officer))]
Staff = Annotated[User, Depends(require_roles(Role.window_officer, Role.evaluator, Role.admin))]


def desk_context(session: Session, officer: User) -> dict:
    """The officer's window and its centre (403 for an officer without a window)."""
    window: ServiceWindow = window_service.officer_window(session, officer)
    centre: ServiceCentre = window_service.get_centre(session, window.centre_code)
    return {"window": window, "centre": centre, "window_name": pick(window.name, window.name_en),
            "centre_name": pick(centre.name, centre.name_en)}


def message(e: PortalError) -> str:
    return bilingual(e.message)
