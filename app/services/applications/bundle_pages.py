"""Pages of "one thing" (一件事): the bundle guide, the one combined form, the one status page
(uploads once for all matters, one submission)."""
from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from app.core.db import SessionDep
from app.core.errors import PortalError
from app.core.i18n import gettext as _, pick
from app.core.blobs import read_upload
from app.core.templating import render
from app.identity import access
from app.identity.deps import AccessReason, ApplicantUser, CsrfProtected, CurrentUser, OptionalUser, client_ip
from app.identity.models import User
from app.matters import content
from app.matters import service as matter_service
from app.matters.bundle_forms import bundle_fields
from app.services.applications import bundles, idempotency, lifecycle
from app.services.applications import service as svc
from app.services.applications.page_context import (bilingual, errors_from, field_views, parse_posted,
                                                    reason_page)
from app.services.applications.pages import PostedForm, claim_with_wait
from app.services.applications.uploads import check_upload

router = APIRouter(include_in_schema=False)


def _answers(request: Request, guide: dict) -> dict[str, str]:
    params = request.query_params
    return {q["id"]: params[q["id"]] for q in guide.get("questions", [])
            if params.get(q["id"]) in {o["value"] for o in q.get("options", [])}}


@router.get("/bundles/{code}/guide")
def bundle_guide(code: str, request: Request, session: SessionDep, user: OptionalUser):
    bundle, matters = matter_service.get_bundle(session, code)
    guide = content.guide_for(code, [(x.name, x.source) for m in matters for x in m.materials])
    answers = _answers(request, guide)
    checklist = chosen = skipped = None
    errors: dict[str, str] = {}
    if request.query_params.get("answered") == "1":
        errors = {q["id"]: _("请回答：{question}", question=pick(q["text"], q.get("text_en")))
                  for q in guide.get("questions", []) if q["id"] not in answers}
        if not errors:
            chosen, skipped, checklist = bundles.plan(session, code, answers)
    names = {m.code: pick(m.name, m.name_en) for m in matters}
    return render(request, "applications/bundle_guide.html", {
        "b": bundle, "guide": guide, "answers": answers, "errors": errors, "checklist": checklist,
        "chosen": chosen, "skipped": skipped, "names": names,
        "answer_query": "&".join(f"{k}={v}" for k, v in answers.items())})


def _combined_fields(session: Session, user: User, codes: list[str], values: dict[str, Any],
                     errors: dict[str, str]):
    """The combined form's controls: shared fields once, keyed like bundle_forms (code.field otherwise)."""
    views, prefilled = [], 0
    per_matter = svc.prefill_many(session, codes, user, None)
    for key, f, used in bundle_fields(codes):
        code = used[0]
        pre_values, pre_sources = per_matter[code]
        shown = {f.name: pre_values.get(f.name, values.get(key))}
        view = next(v for v in field_views(code, shown, pre_sources, {f.name: errors[key]} if key in errors else {})
                    if v.name == f.name)
        view.name = key
        if len(used) > 1:
            view.help = ((view.help + " · ") if view.help else "") + _("{n}个事项共用", n=len(used))
        elif len(codes) > 1:
            view.label = f"{view.label}（{pick(*_matter_name(session, code))}）"
        prefilled += view.kind == "readonly"
        views.append(view)
    return views, prefilled


def _matter_name(session: Session, code: str) -> tuple[str, str]:
    m = matter_service.get_matter(session, code)
    return m.name, m.name_en


def _apply_page(request, session, user, code, answers, *, token, values=None, errors=None, status_code=200):
    bundle, matters = matter_service.get_bundle(session, code)
    chosen, skipped, _checklist = bundles.plan(session, code, answers)
    views, prefilled = _combined_fields(session, user, chosen, values or {}, errors or {})
    return render(request, "applications/bundle_apply.html", {
        "b": bundle, "fields": views, "prefilled": prefilled, "token": token, "errors": errors or {},
        "answers": answers, "chosen": [m for m in matters if m.code in chosen],
        "skipped": [m for m in matters if m.code in skipped]}, status_code=status_code)


@router.get("/bundles/{code}/apply")
def bundle_apply_page(code: str, request: Request, session: SessionDep, user: ApplicantUser):
    _bundle, matters = matter_service.get_bundle(session, code)
    guide = content.guide_for(code, [(x.name, x.source) for m in matters for x in m.materials])
    return _apply_page(request, session, user, code, _answers(request, guide), token=secrets.token_urlsafe(24))


def _parse_combined(codes: list[str], posted: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for code in codes:
        per = parse_posted(code, {k.split(".", 1)[-1] if k.startswith(code + ".") else k: v
                                  for k, v in posted.items()}, set())
        for key, f, used in bundle_fields(codes):
            if code in used and f.name in per and (key == f.name or key == f"{code}.{f.name}"):
                out[key] = per[f.name]
    return out


@router.post("/bundles/{code}/apply", dependencies=[CsrfProtected])
def bundle_apply(code: str, request: Request, session: SessionDep, user: ApplicantUser, posted: PostedForm):
    """One form → the bundle and a draft per matter (PRG); a replayed token leads to the same bundle."""
    answers = {k[2:]: v for k, v in posted.items() if k.startswith("a_")}
    chosen, _skipped, _c = bundles.plan(session, code, answers)
    form = {k: v for k, v in _parse_combined(chosen, posted).items() if v != ""}
    token = posted.get("form_token", "")[:100] or secrets.token_urlsafe(24)
    claim = claim_with_wait(session, user, f"bundle:{token}", {"bundle": code})
    if claim.is_replay:
        return RedirectResponse(f"/bundle-applications/{claim.replay_body['number']}", status_code=303)
    try:
        ba = bundles.create(session, code, user, form, answers, strict=True)
        idempotency.complete(session, claim, 201, {"number": ba.number}, ba.number)
    except PortalError as e:
        session.rollback()  # no half-created bundle survives a refused form
        idempotency.release(claim)
        if e.status_code == 422 or e.fields:
            return _apply_page(request, session, user, code, answers, token=secrets.token_urlsafe(24),
                               values=form, errors=errors_from(e), status_code=422)
        raise
    return RedirectResponse(f"/bundle-applications/{ba.number}?done=created", status_code=303)


def _status_page(request: Request, session: Session, number: str, user: User, *, notice: str = "",
                 errors: dict[str, str] | None = None, status_code: int = 200, reason: str | None = None):
    ba, apps = bundles.get_for_user(session, number, user, reason=reason, ip=client_ip(request))
    bundle, _matters = matter_service.get_bundle(session, ba.bundle_code)
    rows = []
    for a in apps:
        m = matter_service.get_matter(session, a.matter_code)
        rows.append({"app": a, "name": pick(m.name, m.name_en), "status": pick(*lifecycle.STATUS_LABELS[a.status]),
                     "readiness": svc.readiness(a, m) if a.status.value == "draft" else None, "esign": m.esign})
    return render(request, "applications/bundle_status.html", {
        "ba": ba, "b": bundle, "rows": rows, "overall": bundles.overall_status(apps),
        "pending": bundles.pending_uploads(apps), "notice": notice, "errors": errors or {},
        "unsigned": any(r["readiness"] and r["readiness"]["needs_signature"] for r in rows),
        "can_submit": ba.applicant_user_id == user.id and any(a.status.value == "draft" for a in apps)},
        status_code=status_code)


@router.get("/bundle-applications/{number}")
def bundle_status(number: str, request: Request, session: SessionDep, user: CurrentUser, reason: AccessReason,
                  done: str = ""):
    try:
        return _status_page(request, session, number, user, notice=done[:20], reason=reason)
    except access.ReasonRequired:
        return reason_page(request, f"/bundle-applications/{number}", reason=reason)


@router.post("/bundle-applications/{number}/materials", dependencies=[CsrfProtected])
def bundle_upload(number: str, request: Request, session: SessionDep, user: ApplicantUser, posted: PostedForm,
                  file: UploadFile = File(...)):
    name = posted.get("material_name", "")[:200]
    try:
        content_bytes = read_upload(file)
        checked = check_upload(content_bytes)
        _ba, apps = bundles.get_for_user(session, number, user)
        bundles.upload(session, apps, name, checked, original_name=file.filename or "", actor=user.username)
    except PortalError as e:
        session.rollback()
        return _status_page(request, session, number, user, errors={"upload": bilingual(e.message)},
                            status_code=e.status_code)
    return RedirectResponse(f"/bundle-applications/{number}?done=uploaded", status_code=303)


@router.post("/bundle-applications/{number}/submit", dependencies=[CsrfProtected])
def bundle_submit(number: str, request: Request, session: SessionDep, user: ApplicantUser):
    """Submit every matter of the bundle at once; nothing is submitted unless all are complete and signed."""
    ba, apps = bundles.get_for_user(session, number, user)
    try:
        bundles.submit(session, ba, apps, user, ip=client_ip(request))
    except PortalError as e:
        session.rollback()  # all or nothing
        errs = errors_from(e) or {"form": bilingual(e.message)}
        return _status_page(request, session, number, user, errors=errs, status_code=e.status_code)
    return RedirectResponse(f"/bundle-applications/{number}?done=submitted", status_code=303)


