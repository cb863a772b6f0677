"""One thing (一件事): one combined form, one submission creating the linked applications of
every matter in the bundle, one status page."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.core import audit
from app.core.db import utcnow
from app.core.errors import Forbidden, NotFound, ValidationFailed
from app.identity import access
from app.identity.models import Role, User
from app.matters import content
from app.matters import service as matter_service
from app.matters.bundle_forms import split_form
from app.services.applications import service as svc
from app.services.applications.exceptions import FormInvalid
from app.services.applications.models import Application, BundleApplication, MaterialStatus, Status
from app.services.applications.numbers import next_number


class BundleApplicationNotFound(NotFound):
    code = "bundle_application_not_found"


def plan(session: Session, bundle_code: str, answers: dict[str, Any]) -> tuple[list[str], list[str], dict]:
    """(matters to apply for, matters skipped, the personal checklist) for these guide answers."""
    bundle, matters = matter_service.get_bundle(session, bundle_code)
    checklist = content.personal_checklist(bundle_code, answers or {},
                                           [(x.name, x.source, x.name_en) for m in matters for x in m.materials])
    skip = set(checklist.get("skip_matters", []))
    chosen = [m.code for m in matters if m.code not in skip and m.online]
    skipped = [m.code for m in matters if m.code not in chosen]
    return chosen, skipped, checklist


def create(session: Session, bundle_code: str, user: User, form: dict[str, Any],
           answers: dict[str, Any] | None = None, strict: bool = True) -> BundleApplication:
    """One combined form → a bundle record and a draft application per matter (shared fields once)."""
    bundle, _ = matter_service.get_bundle(session, bundle_code)
    wanted = Role.applicant_person if bundle.subject == "person" else Role.applicant_enterprise
    if user.role != wanted:
        raise Forbidden("该一件事由{}申请 / This bundle is for {}".format(
            "个人" if bundle.subject == "person" else "企业", bundle.subject))
    chosen, skipped, _ = plan(session, bundle_code, answers or {})
    per_matter = split_form(chosen, form or {})
    ba = BundleApplication(number=next_number(session, "YJ"), bundle_code=bundle_code, applicant_user_id=user.id,
                           form=form or {}, answers=answers or {})
    session.add(ba)
    session.flush()
    errors: dict[str, str] = {}
    for code in chosen:
        app = svc.create_draft(session, matter_code=code, user=user, form=per_matter[code], strict=False,
                               bundle_application_id=ba.id)
        if strict:
            for field, msg in svc.validate(app).items():
                errors[field if _shared(code, field) else f"{code}.{field}"] = msg
    if errors:
        raise FormInvalid("申请表填写有误 / The form has errors", fields=errors)
    audit.record(session, actor=user.username, action="bundle.create", object_type="bundle_application",
                 object_id=ba.number, detail={"bundle": bundle_code, "matters": chosen, "skipped": skipped})
    return ba


def _shared(code: str, field: str) -> bool:
    return any(f.name == field and f.shared for f in content.form_fields(code))


def get_for_user(session: Session, number: str, user: User, *, reason: str | None = None,
                 ip: str = "") -> tuple[BundleApplication, list[Application]]:
    """The bundle for its applicant (or an administrator with an audited reason); staff work on the
    single applications the access policy lets them see. Anyone else: 404."""
    if access.needs_reason(user) and access.clean_reason(reason) is None:
        raise access.ReasonRequired()
    ba = (session.scalar(select(BundleApplication).where(BundleApplication.number == number))
          if svc.NUMBER_RE.fullmatch(number or "") else None)
    if ba is None or not (ba.applicant_user_id == user.id or access.needs_reason(user)):
        raise BundleApplicationNotFound(f"一件事办件不存在：{number} / No such bundle application: {number}")
    access.record_reason(session, user, object_type="bundle_application", object_id=ba.number, reason=reason, ip=ip)
    apps = session.scalars(select(Application).where(Application.bundle_application_id == ba.id)
                           .options(selectinload(Application.materials), selectinload(Application.events))
                           .order_by(Application.id)).all()
    return ba, list(apps)


def submit(session: Session, ba: BundleApplication, apps: list[Application], user: User, *, ip: str = "") -> None:
    """Submit every draft of the bundle; nothing is submitted unless all are complete and signed
    (each signed on its own, after its summary was shown and a second factor given)."""
    if ba.applicant_user_id != user.id:
        raise Forbidden("只有申请人本人可以提交 / Only the applicant can submit")
    drafts = [a for a in apps if a.status == Status.draft]
    for app in drafts:
        svc.require_complete(app)  # all-or-nothing: check every one before changing any
    unsigned = [a.number for a in drafts
                if a.summary_blob is None and matter_service.get_matter(session, a.matter_code).esign]
    if unsigned:
        raise ValidationFailed("请先逐项核对申请信息确认单并签名：" + "、".join(unsigned) +
                               " / Review and sign each application first: " + ", ".join(unsigned),
                               code="signature_required")
    for app in drafts:
        svc.submit(session, app, user, ip=ip)
    ba.submitted_at = utcnow()
    session.flush()


def overall_status(apps: list[Application]) -> str:
    statuses = {a.status for a in apps}
    if not statuses:
        return "empty"
    if statuses == {Status.draft}:
        return "draft"
    if statuses <= {Status.issued, Status.approved}:
        return "completed"
    if Status.correction_requested in statuses:
        return "correction_requested"
    return "in_progress"


def upload(session: Session, apps: list[Application], material_name: str, checked, *, original_name: str,
           actor: str) -> int:
    """One upload serves every application of the bundle that asks for a material of that name."""
    done = 0
    for app in apps:
        if app.status not in (Status.draft, Status.correction_requested):
            continue
        for m in app.materials:
            if m.name == material_name and m.status in (MaterialStatus.missing, MaterialStatus.uploaded):
                svc.attach_upload(session, app, m.material_id, checked, original_name=original_name, actor=actor)
                done += 1
    if not done:
        raise NotFound(f"没有需要上传“{material_name}”的事项 / No application here needs “{material_name}”")
    return done


def pending_uploads(apps: list[Application]) -> list[str]:
    """Names of materials still to upload across the bundle, each once."""
    names: dict[str, None] = {}
    for app in apps:
        for m in svc.missing_materials(app):
            names[m.name] = None
    return list(names)
