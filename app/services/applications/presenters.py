"""Application rows → API shapes and page context."""
from __future__ import annotations

from typing import Callable

from sqlalchemy.orm import Session

from app.core.i18n import pick
from app.identity import service as identity
from app.identity.validation import id_check_digit, mask_id
from app.matters import service as matter_service
from app.matters.models import Matter
from app.services.applications import lifecycle
from app.services.applications import service as svc
from app.services.applications.models import Application, BundleApplication, MaterialStatus, Status
from app.services.applications.schemas import (ApplicationOut, AutoApprovalOut, DecisionOut, EventOut, MaterialOut,
                                              ReviewOpinionOut)


def next_actions(app: Application, matter: Matter) -> list[str]:
    """What the applicant can do next, in order."""
    if app.status in (Status.draft, Status.correction_requested):
        acts = ["edit_form"]
        if svc.missing_materials(app):
            acts.append("upload_materials")
        if matter.esign and app.summary_blob is None:
            acts.append("sign")
        acts.append("submit" if app.status == Status.draft else "resubmit")
        acts.append("withdraw")
        return acts
    if app.status in (Status.submitted, Status.accepted, Status.resubmitted):
        return ["wait", "withdraw"]
    if app.status == Status.in_review:
        return ["wait"]
    if app.status in (Status.approved, Status.issued) and app.result_document_id:
        return ["download_result"]
    return []


# The auto-approval's decision shown with an application: approval sits above applications, so
# app.main registers it (app.services.flows.register).
AUTO_APPROVAL: list[Callable[[Session, Application], AutoApprovalOut | None]] = []


def auto_approval_out(session: Session, app: Application) -> AutoApprovalOut | None:
    if app.status == Status.draft:
        return None
    return next((out for hook in AUTO_APPROVAL if (out := hook(session, app)) is not None), None)


def _masked(values):
    """Form data with every full ID number (an 18-character value with a right GB 11643 check digit)
    masked: what a list shows to staff, who open the application itself to see it whole."""
    if isinstance(values, dict):
        return {k: _masked(v) for k, v in values.items()}
    if isinstance(values, list):
        return [_masked(v) for v in values]
    if isinstance(values, str) and len(values) == 18 and values[:17].isdigit() \
            and id_check_digit(values[:17]) == values[17].upper():
        return mask_id(values)
    return values


def list_out(session: Session, apps, *, in_list: bool = True) -> list[ApplicationOut]:
    """Rows of a list, each matter read once; `in_list` masks ID numbers (staff lists)."""
    matters: dict[str, Matter] = {}
    return [to_out(session, a, matters.get(a.matter_code)
                   or matters.setdefault(a.matter_code, matter_service.get_matter(session, a.matter_code)),
                   in_list=in_list) for a in apps]


def to_out(session: Session, app: Application, matter: Matter, *, in_list: bool = False) -> ApplicationOut:
    """The application as the API shows it; `in_list`: as a row of a staff list (ID numbers masked)."""
    session.flush()  # what the request changed is written first: the version shown is the one stored
    auto = auto_approval_out(session, app)
    bundle_number = None
    if app.bundle_application_id:
        b = session.get(BundleApplication, app.bundle_application_id)
        bundle_number = b.number if b else None
    staff = {u for u in (app.assigned_to, app.review_by) if u}
    names = identity.full_names(session, staff) if staff else {}
    review = None
    if app.review_opinion and app.review_by:
        review = ReviewOpinionOut(opinion=app.review_opinion, by=app.review_by,
                                  by_name=names.get(app.review_by, app.review_by),
                                  reasons=list(app.review_reasons or []), at=app.reviewed_at)
    return ApplicationOut(
        two_level=matter.two_level, assigned_to=app.assigned_to,
        assigned_to_name=names.get(app.assigned_to, app.assigned_to) if app.assigned_to else None, review=review,
        number=app.number, status=app.status.value, status_label=pick(*lifecycle.STATUS_LABELS[app.status]),
        matter_code=app.matter_code, matter_name=pick(matter.name, matter.name_en), department=app.department_code,
        channel=app.channel.value, applicant_name=app.applicant_name, applicant_id_number=mask_id(app.subject_key),
        form=_masked(app.form) if in_list else app.form, prefilled=_masked(app.prefilled) if in_list else app.prefilled,
        prefill_stats={"prefilled_fields": app.prefilled_fields, "total_fields": app.total_fields,
                       "exempt_materials": app.exempt_materials, "total_materials": app.total_materials},
        materials=[MaterialOut(id=m.material_id, name=m.name, source=m.source, required=m.required,
                               status=m.status.value,
                               exempt=m.status in (MaterialStatus.exempt_licence, MaterialStatus.exempt_data),
                               exempt_note=m.exempt_note, file_name=m.stored_name, sha256=m.blob_sha256, size=m.size)
                   for m in app.materials],
        signed=app.summary_blob is not None, signed_at=app.signed_at, submitted_at=app.submitted_at,
        due_date=app.due_date, overdue=svc.is_overdue(app), clock_paused=app.clock_paused_on is not None,
        decision=(DecisionOut(outcome=app.decision_outcome, by=app.decision_by,
                              reasons=(auto.reasons if auto and app.decision_by == "system"
                                       else app.decision_reasons or []),
                              at=app.decided_at) if app.decision_outcome else None),
        result_pdf=(f"/api/v1/applications/{app.number}/result.pdf" if app.result_document_id else None),
        licence_id=app.licence_id,
        events=[EventOut(at=e.at, actor=e.actor, action=e.action, from_status=e.from_status, to_status=e.to_status,
                         note=e.note, note_en=e.note_en if e.note_en is not None else e.note) for e in app.events],
        next_actions=next_actions(app, matter), version=app.version, bundle_number=bundle_number,
        auto_approval=auto)
