"""Help for residents: the 12345 hotline, service centres, accessibility, privacy (PIPL), site map."""
from __future__ import annotations

from fastapi import APIRouter, Request

from app.core.templating import render
from app.identity.deps import OptionalUser

router = APIRouter(include_in_schema=False)


@router.get("/help")
def help_page(request: Request, user: OptionalUser):
    return render(request, "help.html")
