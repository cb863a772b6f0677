"""Front-desk pages of the service centres (窗口前台): the officer's desk and queue, walk-in intake,
the kiosk and the public display of called numbers, the unified hand-out, appointments and the
staff dashboard. They call the window service and the flows (decisions), so they sit beside the
decision pages, above both."""
from __future__ import annotations

from fastapi import APIRouter

from app.services.window_pages import appointment_pages, desk, handout, intake, kiosk

router = APIRouter(include_in_schema=False)
for _module in (desk, intake, handout, kiosk, appointment_pages):
    router.include_router(_module.router)
