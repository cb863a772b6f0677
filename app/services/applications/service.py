"""Online applications: drafts with smart pre-fill, materials (uploads and 免于提交), the
applicant's e-signature, submission, withdrawal, access rules, the inbox."""
from __future__ import annotations

import re
from datetime import date
from types import SimpleNamespace
from typing import Any, Callable

from sqlalchemy import bindparam, func, inspect, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.core import audit, blobs, reads
from app.core.clock import china_today
from app.core.db import utcnow
from app.core.errors import Conflict, Forbidden, ValidationFailed
from app.core.i18n import Text, get_locale, texts
from app.identity import access
from app.identity.validation import mask_id
from app.identity.models import Role, User
from app.matters import content, form_validation
from app.matters import service as matter_service
from app.matters.data_sources import DATA_SOURCE_NAMES
from app.matters.models import Matter
from app.services.applications import deadlines, lifecycle
from app.services.applications.exceptions import (ApplicationNotFound, ConcurrentEdit, FormInvalid,
                                                   MaterialsIncomplete)
from app.services.applications.models import (Application, ApplicationEvent, ApplicationMaterial, Channel,
                                              InboxMessage, MaterialStatus, Status)
from app.services.applications.numbers import next_number
from app.services.applications.uploads import CheckedFile
from app.services.datahub import service as datahub
from app.services.seals import licences as wallet
from app.services.seals.models import Seal, SealedDocument



# Called at the end of every submit, in order (app.main registers the auto-approval: app.services.flows.register).
AFTER_SUBMIT: list[Callable[[Session, Application], None]] = []


def today_china() -> date:
    return china_today()


# -- loading and access ------------------------------------------------------------------------

NUMBER_RE = re.compile(r"[A-Z]{2}\d{8}\d{6}")


# Built once: every application page and action loads an application with its materials and
# events. Three plain queries, the collections set as loaded (what selectinload does, at half the
# cost: its per-call statement building was most of the page's database time).
_LOAD = select(Application).where(Application.number == bindparam("number"))
_LOAD_MATERIALS = (select(ApplicationMaterial).where(ApplicationMaterial.application_id == bindparam("id"))
                   .order_by(ApplicationMaterial.position))
_LOAD_EVENTS = (select(ApplicationEvent).where(ApplicationEvent.application_id == bindparam("id"))
                .order_by(ApplicationEvent.id))


def _load(session: Session, number: str, *, for_update: bool = False) -> Application:
    app = session.scalar(_LOAD, {"number": number})
    if app is None:
        raise ApplicationNotFound(number)
    loaded = inspect(app).dict
    if "materials" not in loaded:  # already in this session with its collections: keep them
        set_committed_value(app, "materials", list(session.scalars(_LOAD_MATERIALS, {"id": app.id})))
    if "events" not in loaded:
        set_committed_value(app, "events", list(session.scalars(_LOAD_EVENTS, {"id": app.id})))
    return app


def get_for_user(session: Session, number: str, user: User, *, reason: str | None = None,
                 ip: str = "", load: Callable[[Session, str], Any] = _load) -> Application:
    """The application if the access policy lets this user see it; anyone else gets 404 (not 403:
    no probing). An administrator must state a reason (403 reason_required), which is audited."""
    if not NUMBER_RE.fullmatch(number or ""):
        raise ApplicationNotFound((number or "")[:32].replace("\x00", ""))
    if access.needs_reason(user) and access.clean_reason(reason) is None:
        raise access.ReasonRequired()
    app = load(session, number)
    if not access.can_view(user, app, reason=reason):
        raise ApplicationNotFound(number)
    access.record_reason(session, user, object_type="application", object_id=number, reason=reason, ip=ip)
    return app


# The application page only shows the application: its row, materials and events are read as plain
# rows by built-once Core statements (the column types still apply: enums, JSON, aware datetimes),
# about a third of what loading the entities costs, into a read-only view with the same attributes.
# What the page shows beside them comes with them: the result document's holder and issuer (with the
# application's row), the full name of each event's actor (with the events).
_A, _M, _E = Application.__table__, ApplicationMaterial.__table__, ApplicationEvent.__table__
_DOC, _SEAL, _USER = SealedDocument.__table__, Seal.__table__, User.__table__
_VIEW = (select(_A, _DOC.c.id.label("result_document_found"), _DOC.c.holder_key.label("result_holder_key"),
                _SEAL.c.owner_code.label("result_issuer_code"))
         .select_from(_A.outerjoin(_DOC, _DOC.c.id == _A.c.result_document_id)
                      .outerjoin(_SEAL, _SEAL.c.id == _DOC.c.seal_id))
         .where(_A.c.number == bindparam("number")))
_VIEW_MATERIALS = select(_M).where(_M.c.application_id == bindparam("id")).order_by(_M.c.position)
_VIEW_EVENTS = (select(_E, _USER.c.username.label("actor_user"), _USER.c.full_name.label("actor_full_name"))
                .select_from(_E.outerjoin(_USER, _USER.c.username == _E.c.actor))
                .where(_E.c.application_id == bindparam("id")).order_by(_E.c.id))


class ApplicationView(SimpleNamespace):
    """An application as a page shows it (see load_view): the entity's columns, its materials and
    events; `result_parties` (the result document's holder and issuer, None without one or when it
    is not registered) and `actor_names` (login name → full name of the events' actors that are
    accounts); not attached to the session, never written."""


def load_view(session: Session, number: str) -> ApplicationView:
    row = reads.rows(session, _VIEW, {"number": number}).first()
    if row is None:
        raise ApplicationNotFound(number)
    values = dict(row._mapping)
    found = values.pop("result_document_found")
    holder, issuer = values.pop("result_holder_key"), values.pop("result_issuer_code")
    events, actor_names = [], {}
    for e in reads.rows(session, _VIEW_EVENTS, {"id": row.id}):
        event = dict(e._mapping)
        user, full_name = event.pop("actor_user"), event.pop("actor_full_name")
        if user is not None:
            actor_names[user] = full_name
        events.append(SimpleNamespace(**event))
    return ApplicationView(**values,
                           materials=[SimpleNamespace(**m._mapping)
                                      for m in reads.rows(session, _VIEW_MATERIALS, {"id": row.id})],
                           events=events, actor_names=actor_names,
                           result_parties=(holder, issuer) if found is not None else None)


def view_for_user(session: Session, number: str, user: User, *, reason: str | None = None,
                  ip: str = "") -> ApplicationView:
    """get_for_user for a page that only shows the application (the same checks and audit), as a view."""
    return get_for_user(session, number, user, reason=reason, ip=ip, load=load_view)


def lookup(session: Session, number: str, id_number: str, user: User, *, ip: str = "") -> Application | None:
    """A window officer finds an application by its number *and* the applicant's ID number (the
    applicant is at the window); every attempt is audited. None when they do not match."""
    if not access.can_lookup(user):
        raise Forbidden("仅限窗口人员 / For window officers only")
    number = (number or "").strip().upper()[:32]
    key = "".join((id_number or "").split()).upper()[:18]
    app = _load(session, number) if NUMBER_RE.fullmatch(number) else None
    keys = set()
    if app is not None:
        acting = session.get(User, app.acting_user_id) if app.acting_user_id else None
        keys = {app.subject_key, acting.id_number if acting else None} - {None, ""}
    found = bool(key) and key in keys
    audit.record(session, actor=user.username, action="application.lookup", object_type="application",
                 object_id=number, outcome="ok" if found else "denied", ip=ip,
                 detail={"id_number": mask_id(key) if key else ""})
    return app if found else None


def get_own_draft(session: Session, number: str, user: User) -> Application:
    app = get_for_user(session, number, user)
    if app.applicant_user_id != user.id:
        raise Forbidden("只有申请人本人可以修改申请 / Only the applicant can change the application")
    return app


def get_draft_to_prepare(session: Session, number: str, user: User) -> Application:
    """An application the caller may prepare (materials, submission): the applicant's own, or a walk-in
    application at the officer's window (the applicant present; signing stays the applicant's)."""
    app = get_for_user(session, number, user)
    if app.applicant_user_id != user.id and not access.takes_in(user, app):
        raise Forbidden("只有申请人本人或受理窗口可以办理 / Only the applicant or the intake window can do this")
    return app


def list_for_applicant(session: Session, user: User, status: str | None = None, limit: int = 20,
                       offset: int = 0) -> tuple[list[Application], int]:
    stmt = select(Application).where(Application.applicant_user_id == user.id)
    if status:
        stmt = stmt.where(Application.status == Status(status))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.options(selectinload(Application.materials), selectinload(Application.events))
                           .order_by(Application.id.desc()).limit(limit).offset(offset)).all()
    return list(rows), total


def list_for_department(session: Session, department_code: str, statuses: list[Status] | None = None,
                        limit: int = 50, offset: int = 0) -> tuple[list[Application], int]:
    stmt = select(Application).where(Application.department_code == department_code)
    stmt = stmt.where(Application.status.in_(statuses or list(lifecycle.OPEN)))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.options(selectinload(Application.materials), selectinload(Application.events))
                           .order_by(Application.due_date.asc().nulls_last(), Application.id)
                           .limit(limit).offset(offset)).all()
    return list(rows), total


# -- pre-fill ------------------------------------------------------------------------------------

def acting_person(session: Session, user: User) -> User:
    """The account's own person: itself, or an enterprise's legal representative."""
    if user.role == Role.applicant_enterprise and user.legal_rep_user_id:
        rep = session.get(User, user.legal_rep_user_id)
        if rep is not None:
            return rep
    return user


def _profile_value(session: Session, user: User, field: str) -> Any:
    if field in ("full_name", "enterprise_name"):
        return user.full_name
    if field == "id_number":
        return user.id_number or acting_person(session, user).id_number
    if field == "uscc":
        return user.uscc
    if field == "phone":
        return user.phone or None
    if field == "legal_representative":
        return acting_person(session, user).full_name
    return None


def prefill(session: Session, code: str, user: User, number: str | None) -> tuple[dict[str, Any], dict[str, str]]:
    """Values the government already holds for this form: {field: value}, {field: source}."""
    return prefill_many(session, [code], user, number)[code]


def prefill_many(session: Session, codes: list[str], user: User,
                 number: str | None) -> dict[str, tuple[dict[str, Any], dict[str, str]]]:
    """prefill() of several forms (a bundle) with one read of each data source."""
    refs = {f.prefill for code in codes for f in content.form_fields(code)
            if f.prefill and not f.prefill.startswith("profile.")}
    data = datahub.prefill_values(session, sorted(refs), subject=user.subject_key, actor=user.username,
                                  application_number=number) if refs else {}
    out = {}
    for code in codes:
        values, sources = {}, {}
        for f in content.form_fields(code):
            if not f.prefill:
                continue
            src, _, name = f.prefill.partition(".")
            value = _profile_value(session, user, name) if src == "profile" else data.get(f.prefill)
            if value is not None and value != "":
                values[f.name] = value
                sources[f.name] = src
        out[code] = (values, sources)
    return out


def validate(app: Application, locale: str | None = None, strict: bool = True) -> dict[str, str]:
    locale = locale or get_locale()
    # A pre-filled field the government data could not fill stays the applicant's to answer, but
    # never blocks them: the application then goes to a person, who checks it (no data, no 秒批).
    errors = form_validation.validate_form(app.matter_code, app.form, locale)
    if not strict:
        errors = {k: v for k, v in errors.items() if app.form.get(k) not in (None, "")}
    return errors


# Pre-filled values a person may change: a contact number is theirs to give (the registered one is
# the default, and the page says where it came from); what the government holds otherwise wins.
EDITABLE_PREFILL = frozenset({"profile.phone"})


def editable_prefill(code: str) -> set[str]:
    return {f.name for f in content.form_fields(code) if f.prefill in EDITABLE_PREFILL}


def readonly_fields(app: Application) -> set[str]:
    """The fields the applicant cannot change: pre-filled from government data."""
    return set(app.prefilled or {}) - editable_prefill(app.matter_code)


def _merge_form(code: str, submitted: dict[str, Any], prefilled: dict[str, Any]) -> dict[str, Any]:
    known = {f.name: f for f in content.form_fields(code)}
    editable = editable_prefill(code)
    form = {}
    for k, v in (submitted or {}).items():
        if k in known and (k not in prefilled or k in editable):
            form[k] = v.replace("\x00", "").strip() if isinstance(v, str) else v
    for k, v in prefilled.items():  # read-only: the government's value wins (an editable one is a default)
        if k not in editable or form.get(k) in (None, ""):
            form[k] = v
    return form


# -- materials -----------------------------------------------------------------------------------

def _holders(session: Session, user: User) -> list[str]:
    keys = [user.subject_key]
    if user.role == Role.applicant_enterprise:
        rep = acting_person(session, user)
        if rep.id_number:
            keys.append(rep.id_number)
    return [k for k in keys if k]


def resolve_materials(session: Session, app: Application, matter: Matter, user: User) -> None:
    """Attach what the wallet and shared data already hold (两个免于提交); the rest is to upload."""
    existing = {m.material_id: m for m in app.materials}
    holders = _holders(session, user)
    exempt = 0
    new = []  # added once the lookups are done: one INSERT of them all, with their final status
    for mat in matter.materials:
        am = existing.get(mat.id)
        if am is None:
            am = ApplicationMaterial(application_id=app.id, material_id=mat.id, position=mat.position,
                                     name=mat.name, source=mat.source, required=mat.required)
            new.append(am)
        if am.status == MaterialStatus.uploaded:
            continue
        am.status, am.licence_id, am.exempt_note, am.required = MaterialStatus.missing, None, "", mat.required
        if mat.source_kind == "licence":
            for holder in holders:
                lic = wallet.find_active_licence(session, holder, mat.source_ref)
                if lic is not None:
                    am.status, am.licence_id = MaterialStatus.exempt_licence, lic.id
                    am.exempt_note = f"{lic.licence_name} {lic.number}"
                    break
        elif mat.source_kind == "data":
            subject = _address_subject(app) if mat.source_ref == "address-cloud" else user.subject_key
            res = datahub.lookup(session, mat.source_ref, subject or "-", actor=user.username,
                                 application_number=app.number, purpose="材料免交 / material exemption")
            if res.status == "found" and (res.record or {}).get("verified", True) is not False:
                am.status = MaterialStatus.exempt_data
                am.exempt_note = DATA_SOURCE_NAMES.get(mat.source_ref, (mat.source_ref,))[0]
            elif res.status == "not_found":
                # The data holds no record of this person: the applicant may upload the paper, but is
                # not blocked for the government's gap; a person checks it (and no 秒批 without data).
                am.required = False
                am.exempt_note = NO_RECORD_NOTE
        exempt += am.status in (MaterialStatus.exempt_licence, MaterialStatus.exempt_data)
    session.add_all(new)
    app.materials.extend(new)
    app.exempt_materials = exempt
    app.total_materials = len(matter.materials)


NO_RECORD_NOTE = "政府数据中没有记录：可上传，由工作人员核实"

# Form fields that name the premises a business will use, checked against the address cloud.
ADDRESS_FIELDS = ("company_address", "premises_address", "business_address", "registered_address")


def _address_subject(app: Application) -> str | None:
    return next((app.form[f] for f in ADDRESS_FIELDS if app.form.get(f)), None)


def _count(n: int, noun: str) -> str:
    """An English count with its noun in the right number: "1 field", "2 fields"."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def missing_materials(app: Application) -> list[ApplicationMaterial]:
    return [m for m in app.materials if m.required and m.status == MaterialStatus.missing]


# -- drafts ----------------------------------------------------------------------------------------

def check_eligible(matter: Matter, user: User, channel: Channel) -> None:
    if matter.subject == "person" and user.role != Role.applicant_person:
        raise Forbidden("该事项由个人申请 / This matter is applied for by a person")
    if matter.subject == "enterprise" and user.role != Role.applicant_enterprise:
        raise Forbidden("该事项由企业申请 / This matter is applied for by an enterprise")
    if channel == Channel.online and not matter.online:
        raise Conflict("该事项暂不支持网上办理，请到窗口办理 / This matter cannot be handled online; "
                       "please go to a service window", code="not_online")


def create_draft(session: Session, *, matter_code: str, user: User, form: dict[str, Any] | None,
                 channel: Channel = Channel.online, strict: bool = False, actor: str | None = None,
                 bundle_application_id: int | None = None, window_code: str | None = None) -> Application:
    """A new application in draft: numbered, pre-filled, materials resolved; nothing asked twice."""
    matter = matter_service.get_matter(session, matter_code)
    check_eligible(matter, user, channel)
    number = next_number(session)
    values, sources = prefill(session, matter_code, user, number)
    app = Application(number=number, matter_code=matter.code, department_code=matter.department_code,
                      applicant_user_id=user.id, acting_user_id=acting_person(session, user).id,
                      subject_key=user.subject_key, applicant_name=user.full_name, channel=channel,
                      status=Status.draft, form=_merge_form(matter_code, form or {}, values), prefilled=sources,
                      prefilled_fields=len(sources), total_fields=len(content.form_fields(matter_code)),
                      total_materials=len(matter.materials), exempt_materials=0,  # as resolve_materials counts them
                      bundle_application_id=bundle_application_id, window_code=window_code)
    app.materials = []
    app.events = []
    errors = validate(app, strict=strict)
    if errors and strict:
        raise FormInvalid("申请表填写有误 / The form has errors", fields=errors)
    session.add(app)
    session.flush()
    resolve_materials(session, app, matter, user)
    lifecycle.note_event(session, app, "create", actor=actor or user.username,
                         note=(f"预填{len(sources)}项，免交材料{app.exempt_materials}份",
                               f"{_count(len(sources), 'field')} pre-filled, "
                               f"{_count(app.exempt_materials, 'material')} exempt"))
    audit.record(session, actor=actor or user.username, action="application.create", object_type="application",
                 object_id=number, detail={"matter": matter_code, "channel": channel.value})
    return app


def _editable(app: Application) -> None:
    if app.status not in (Status.draft, Status.correction_requested):
        raise lifecycle.IllegalTransition(
            "只有草稿或待补正的办件可以修改 / Only a draft or an application awaiting correction can be changed")


def _unsign(app: Application) -> None:
    app.summary_blob = None
    app.signed_at = None


def update_form(session: Session, app: Application, form: dict[str, Any], *, actor: str,
                expected_version: int) -> dict[str, str]:
    """Save the draft's answers (pre-filled fields stay the government's); returns field errors.
    `expected_version` is the version the client read: another edit in between answers 409."""
    _editable(app)
    if expected_version != app.version:
        raise ConcurrentEdit()
    values = {k: app.form[k] for k in app.prefilled if k in app.form}
    new_form = _merge_form(app.matter_code, {**app.form, **form}, values)
    if new_form != app.form:
        old_address = _address_subject(app)
        app.form = new_form
        _unsign(app)
        app.updated_at = utcnow()
        session.flush()
        if _address_subject(app) != old_address:
            # The premises changed: look them up in the address cloud again (nothing else changes).
            applicant = session.get(User, app.applicant_user_id)
            resolve_materials(session, app, matter_service.get_matter(session, app.matter_code), applicant)
    return validate(app, strict=False)


def attach_upload(session: Session, app: Application, material_id: int, checked: CheckedFile, *,
                  original_name: str, actor: str) -> ApplicationMaterial:
    """Store an uploaded material (content-addressed) under a name the server chooses."""
    _editable(app)
    am = next((m for m in app.materials if m.material_id == material_id), None)
    if am is None:
        raise ValidationFailed(f"该事项没有编号为{material_id}的材料 / This matter has no material {material_id}",
                               code="material_not_found")
    if am.status in (MaterialStatus.exempt_licence, MaterialStatus.exempt_data):
        raise Conflict("该材料免于提交，无需上传 / This material is exempt: it is taken from the licence wallet "
                       "or shared data", code="material_exempt")
    digest = blobs.put(session, checked.content, checked.media_type)
    am.status = MaterialStatus.uploaded
    am.blob_sha256 = digest
    am.media_type = checked.media_type
    am.size = len(checked.content)
    am.original_name = (original_name or "")[:255]
    am.stored_name = f"{app.number}-{material_id}.{checked.extension}"
    am.updated_at = utcnow()
    _unsign(app)
    app.updated_at = utcnow()
    name_en = next((m.name_en for m in matter_service.cached_matter(app.matter_code).materials
                    if m.id == material_id), "") or am.name
    lifecycle.note_event(session, app, "upload", actor=actor,
                         note=(f"{am.name}（{am.stored_name}）", f"{name_en} ({am.stored_name})"))
    return am


def readiness(app: Application, matter: Matter) -> dict[str, Any]:
    errors = validate(app)
    missing = missing_materials(app)
    return {"form_errors": errors, "missing_materials": [m.name for m in missing],
            "needs_signature": matter.esign and app.summary_blob is None,
            "ready": not errors and not missing and not (matter.esign and app.summary_blob is None)}


def require_complete(app: Application) -> None:
    errors = validate(app)
    if errors:
        raise FormInvalid("申请表还有未填或填错的项目 / The form has missing or invalid fields", fields=errors)
    missing = missing_materials(app)
    if missing:
        raise MaterialsIncomplete("还缺少材料：" + "、".join(m.name for m in missing) +
                                  " / Materials still missing: " + ", ".join(m.name for m in missing),
                                  fields={f"material_{m.material_id}": m.name for m in missing})


def submit(session: Session, app: Application, user: User, *, ip: str = "") -> Application:
    """Submit (or resubmit after correction): complete form, materials and signature required."""
    matter = matter_service.get_matter(session, app.matter_code)
    _editable(app)
    require_complete(app)
    if matter.esign and app.summary_blob is None:
        raise ValidationFailed("提交前请先进行电子签名 / Please e-sign the application before submitting",
                               code="signature_required")
    today = today_china()
    if app.status == Status.draft:
        lifecycle.transition(session, app, "submit", actor=user.username, ip=ip)
        app.submitted_at = utcnow()
        app.due_date = deadlines.add_working_days(today, matter.promised_days)
    else:
        lifecycle.transition(session, app, "resubmit", actor=user.username, ip=ip)
        resume_clock(app, today)
    if app.accepted_at is None:  # not taken in yet: intake is due again
        app.intake_due_date = deadlines.intake_due(today, matter.promised_days)
    notify(session, app, ("申请已提交", "Application submitted"),
           (f"{matter.name}（{app.number}）已提交，承诺办结日期 {app.due_date}",
            f"{matter.name_en or matter.name} ({app.number}) was submitted; due {app.due_date}"))
    for hook in AFTER_SUBMIT:
        hook(session, app)
    return app


def withdraw(session: Session, app: Application, user: User, *, ip: str = "") -> Application:
    if app.applicant_user_id != user.id:
        raise Forbidden("只有申请人本人可以撤回 / Only the applicant can withdraw")
    lifecycle.transition(session, app, "withdraw", actor=user.username, ip=ip, note=("申请人撤回", "Withdrawn by the applicant"))
    notify(session, app, ("申请已撤回", "Application withdrawn"), app.number)
    return app


# -- deadlines ----------------------------------------------------------------------------------

def pause_clock(app: Application, today: date) -> None:
    if app.clock_paused_on is None:
        app.clock_paused_on = today


def resume_clock(app: Application, today: date) -> None:
    """The time a correction was awaited does not count against the department."""
    if app.clock_paused_on is not None and app.due_date is not None:
        paused = deadlines.working_days_between(app.clock_paused_on, today)
        app.due_date = deadlines.add_working_days(app.due_date, paused) if paused else app.due_date
    app.clock_paused_on = None


def awaits_intake(app: Application) -> bool:
    """Submitted (or resubmitted) and not yet accepted: the next step is 受理 / 不予受理."""
    return app.status == Status.submitted or (app.status == Status.resubmitted and app.accepted_at is None)


def is_intake_overdue(app: Application, today: date | None = None) -> bool:
    today = today or today_china()
    return awaits_intake(app) and app.intake_due_date is not None and today > app.intake_due_date


def is_overdue(app: Application, today: date | None = None) -> bool:
    today = today or today_china()
    return (app.due_date is not None and app.status in lifecycle.OPEN and app.clock_paused_on is None
            and today > app.due_date)


# -- inbox -------------------------------------------------------------------------------------------

def notify(session: Session, app: Application, title: Text, body: Text = "") -> None:
    """A message to the applicant's inbox: system texts as ("中文", "English"); a plain string
    (a reviewer's reasons, a number) is shown whole in both languages."""
    notify_user(session, app.applicant_user_id, title, body, application_number=app.number)


def notify_user(session: Session, user_id: int, title: Text, body: Text = "", *,
                application_number: str | None = None) -> None:
    """A message to one account's inbox, about an application or not (a proactive offer, a policy)."""
    (title_zh, title_en), (body_zh, body_en) = texts(title), texts(body)
    session.add(InboxMessage(user_id=user_id, application_number=application_number, title=title_zh,
                             title_en=title_en, body=body_zh, body_en=body_en))


def inbox(session: Session, user: User, limit: int = 50, offset: int = 0) -> tuple[list[InboxMessage], int]:
    stmt = select(InboxMessage).where(InboxMessage.user_id == user.id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(InboxMessage.id.desc()).limit(limit).offset(offset)).all()
    return list(rows), total


# Built once: the header of every applicant's page runs it.
def _unread(user_id):
    """How many of a user's inbox messages are unread; `user_id` a bind parameter or a column."""
    return select(func.count()).select_from(InboxMessage).where(InboxMessage.user_id == user_id,
                                                                 InboxMessage.read_at.is_(None))


_UNREAD = _unread(bindparam("user_id"))


def unread_subquery(user_id):
    """The unread count of the user with id `user_id` (a column), as a scalar subquery: the header's
    count read with the caller (identity.service.register_caller_extra, done by app.main)."""
    return _unread(user_id).scalar_subquery()


def unread_count(session: Session, user: User) -> int:
    return reads.rows(session, _UNREAD, {"user_id": user.id}).scalar() or 0


def mark_read(session: Session, user: User) -> None:
    for m in session.scalars(select(InboxMessage).where(InboxMessage.user_id == user.id,
                                                        InboxMessage.read_at.is_(None))):
        m.read_at = utcnow()
    session.flush()


def events(app: Application) -> list[ApplicationEvent]:
    return list(app.events)
