"""The KPI dashboard (/kpis): the action plan's KPIs measured from the live database, with the same
definitions as the simulator's report (app.simulation.kpis), for evaluators and administrators."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from app.core.db import SessionDep
from app.core.i18n import pick
from app.core.templating import render
from app.identity.deps import require_roles
from app.identity.models import Role, User
from app.simulation import kpis

router = APIRouter(include_in_schema=False)
Watcher = Annotated[User, Depends(require_roles(Role.evaluator, Role.admin))]


@router.get("/kpis")
def dashboard(request: Request, session: SessionDep, user: Watcher):
    measured = kpis.measure(session)
    rows = [{"key": k.key, "name": pick(k.name, k.name_en), "target": k.target, **measured[k.key]}
            for k in kpis.KPIS]
    return render(request, "simulation/kpis.html", {"rows": rows, "user": user})
