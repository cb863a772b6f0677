"""What the HTML pages of applications show: form fields as controls, posted forms back to typed
values, the application page's context, times in China time. Shared by pages.py and review_pages.py."""
from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping
from urllib.parse import urlencode

from fastapi import Request
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app.core import reads
from app.core.clock import CHINA_TZ
from app.core.errors import NotFound, PortalError
from app.core.i18n import bilingual, get_locale, gettext as _, pick  # noqa: F401 (bilingual: used by pages)
from app.core.templating import render
from app.identity import access
from app.identity import service as identity_service
from app.identity.models import User
from app.identity.validation import mask_id
from app.matters import content, form_validation
from app.matters.data_sources import source_name
from app.matters import service as matter_service
from app.matters.models import Material, Matter
from app.services.applications import lifecycle, presenters
from app.services.applications import service as svc
from app.services.applications import workbench
from app.services.applications.models import Application, ApplicationMaterial, MaterialStatus, Status
from app.services.seals import documents
from app.services.seals.models import Seal, SealedDocument

INPUT_TYPES = {"string": "text", "phone": "tel", "email": "email", "date": "date", "integer": "number",
               "number": "number"}
AUTOCOMPLETE = {"phone": "tel", "email": "email"}
EDITABLE = (Status.draft, Status.correction_requested)
DIGITS_ONLY = re.compile(r"\^\\d\{\d+(,\d+)?\}\$")


def reason_page(request: Request, target: str, *, reason: str | None = None):
    """An administrator states why before personal data is shown (the reason is audited)."""
    errors = {"reason": _("请说明查看理由（至少 4 个字）")} if reason else {}
    return render(request, "access/reason.html", {"target": target, "errors": errors}, status_code=403)


@functools.lru_cache(maxsize=8192)  # a page shows the same instants on every view (its timeline)
def china_time(dt: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return dt.astimezone(CHINA_TZ).strftime(fmt) if dt else ""


def source_label(source: str) -> str:
    return source_name(source)


def matter_names(code: str) -> str:
    """A matter's name in the reader's language, from the cached catalogue (no query)."""
    m = content.catalogue()["matters"].get(code) or {}
    return pick(m.get("name", code), m.get("name_en"))


# -- form fields -----------------------------------------------------------------------------------

@dataclass
class FieldView:
    name: str
    label: str
    help: str | None
    kind: str  # input | textarea | select | checkbox | readonly
    input_type: str = "text"
    value: str = ""  # as the control holds it
    display: str = ""  # as a person reads it
    checked: bool = False
    required: bool = True
    error: str | None = None
    source: str | None = None  # where a pre-filled value comes from
    options: list[tuple[str, str]] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)
    source_editable: bool = False  # pre-filled as a default the person may change
    verbatim: bool = False  # shown as entered or recorded (a name, an address, typed text), not translated


def mask_account(number: str) -> str:
    """A bank card or account number as shown outside its owner's edit view: the last four digits."""
    digits = number.replace(" ", "")
    return "•••• " + digits[-4:] if len(digits) > 4 else digits


def display_value(f: content.FieldDef, value: Any, *, mask: bool = False, editing: bool = False) -> str:
    if value is None or value == "":
        return ""
    if f.type == "boolean" and isinstance(value, bool):
        return _("是") if value else _("否")
    if f.type == "enum":
        return f.enum_label(value, get_locale())
    if mask and f.check == "id-number":
        return mask_id(str(value))
    if f.name.endswith("bank_account") and not editing:
        return mask_account(str(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _attrs(f: content.FieldDef) -> dict[str, Any]:
    a: dict[str, Any] = {}
    if f.type in ("string", "text", "phone", "email") and f.maxLength:
        a["maxlength"] = f.maxLength
    if f.type in ("integer", "number"):
        a["step"] = "1" if f.type == "integer" else "any"
        a["inputmode"] = "numeric" if f.type == "integer" else "decimal"
        if f.minimum is not None:
            a["min"] = int(f.minimum) if float(f.minimum).is_integer() else f.minimum
        if f.maximum is not None:
            a["max"] = int(f.maximum) if float(f.maximum).is_integer() else f.maximum
    if f.type == "string" and f.pattern and DIGITS_ONLY.fullmatch(f.pattern):
        a["inputmode"] = "numeric"
    if f.type in AUTOCOMPLETE:
        a["autocomplete"] = AUTOCOMPLETE[f.type]
    return a


def field_views(code: str, values: Mapping[str, Any], sources: Mapping[str, str],
                errors: Mapping[str, str] | None = None, *, mask: bool = True) -> list[FieldView]:
    """The form's fields as controls: pre-filled ones read-only with their source, others by type."""
    errors = errors or {}
    out = []
    for f in content.form_fields(code):
        label, help_text = f.text(get_locale())
        value = values.get(f.name)
        v = FieldView(name=f.name, label=label, help=help_text, kind="input", required=f.required,
                      error=errors.get(f.name), display=display_value(f, value, mask=mask),
                      value="" if value is None else display_value(f, value, editing=True) if f.type != "enum" else str(value))
        v.verbatim = f.type not in ("enum", "boolean")
        if f.name in sources and f.prefill in svc.EDITABLE_PREFILL:
            v.source, v.source_editable = source_label(sources[f.name]), True  # a default the person may change
            v.input_type = INPUT_TYPES.get(f.type, "text")
        elif f.name in sources:
            v.kind, v.source = "readonly", source_label(sources[f.name])
        elif f.type == "text":
            v.kind = "textarea"
        elif f.type == "enum":
            v.kind = "select"
            v.options = [(str(o), f.enum_label(o, get_locale())) for o in f.enum or ()]
        elif f.type == "boolean":
            v.kind, v.checked = "checkbox", value is True or value == "true"
        else:
            v.input_type = INPUT_TYPES.get(f.type, "text")
        v.attrs = _attrs(f)
        out.append(v)
    return out


def _coerce(f: content.FieldDef, raw: str) -> Any:
    if f.type == "integer" and re.fullmatch(r"[+-]?\d{1,15}", raw):
        return int(raw)
    if f.type == "number":
        if re.fullmatch(r"[+-]?\d{1,15}", raw):
            return int(raw)
        try:
            number = float(raw)
        except ValueError:
            return raw
        return number if math.isfinite(number) else raw
    if f.type == "enum":
        return next((o for o in f.enum or () if str(o) == raw), raw)
    return raw  # invalid numbers stay text, so that validation names the problem


def parse_posted(code: str, posted: Mapping[str, str], readonly: set[str]) -> dict[str, Any]:
    """Posted strings → typed form values; a blank control gives "", an unticked checkbox False."""
    out: dict[str, Any] = {}
    for f in content.form_fields(code):
        if f.name in readonly:
            continue
        if f.type == "boolean":
            out[f.name] = posted.get(f.name) == "true"
            continue
        raw = posted.get(f.name)
        if raw is None:
            continue
        raw = raw.strip()
        out[f.name] = _coerce(f, raw) if raw else ""
    return out


def draft_errors(code: str, form: Mapping[str, Any]) -> dict[str, str]:
    """Errors of the values given; what is still blank may be filled in later (strict=False)."""
    errors = form_validation.validate_form(code, dict(form), get_locale())
    return {k: v for k, v in errors.items() if form.get(k) not in (None, "")}


def errors_from(e: PortalError) -> dict[str, str]:
    """A service error as {field: message} for the error summary and the fields."""
    errors = {}
    for key, value in (e.fields or {}).items():
        if key.startswith("material_"):
            errors[key] = _("请上传：{name}", name=value)
        elif value in ("required", "invalid") or not value:
            errors[key] = bilingual(e.message)
        else:
            errors[key] = bilingual(value)
    return errors or {"form": bilingual(e.message)}


# -- the application page --------------------------------------------------------------------------

def _material_names_en(session: Session, matter_code: str) -> dict[int, str]:
    """Catalogue material id → English name for one matter (from the catalogue snapshot)."""
    try:
        return {m.id: m.name_en for m in matter_service.cached_matter(matter_code).materials}
    except NotFound:
        return dict(session.execute(select(Material.id, Material.name_en)
                                    .where(Material.matter_code == matter_code)).all())


def _exempt_label(m: ApplicationMaterial, licence_names_en: Mapping[str, str]) -> str:
    """Where an exempt material comes from, in the reader's language: the e-licence (its type's
    name and number) or the shared data source."""
    kind, _sep, ref = (m.source or "").partition(":")
    if m.status == MaterialStatus.exempt_data and kind == "data":
        return source_name(ref)
    if m.status == MaterialStatus.exempt_licence and kind == "licence" and get_locale() == "en":
        number = m.exempt_note.rsplit(" ", 1)[-1] if " " in m.exempt_note else ""
        return f"{licence_names_en.get(ref, ref)} {number}".strip()
    return m.exempt_note


def _material_view(m: ApplicationMaterial, editable: bool, name_en: str = "", show_hash: bool = False,
                   licence_names_en: Mapping[str, str] | None = None) -> dict[str, Any]:
    exempt = m.status in (MaterialStatus.exempt_licence, MaterialStatus.exempt_data)
    return {"id": m.material_id, "name": m.name, "name_en": name_en, "required": m.required,
            "status": m.status.value,
            "exempt": exempt, "exempt_note": _exempt_label(m, licence_names_en or {}) if exempt else m.exempt_note,
            "file_name": m.original_name or m.stored_name,
            "stored_name": m.stored_name, "sha_prefix": (m.blob_sha256 or "")[:12] if show_hash else "",
            "size": m.size, "can_upload": editable and not exempt}


def _event_view(e, names: Mapping[str, str]) -> dict[str, Any]:
    zh, en = lifecycle.ACTION_LABELS.get(e.action, (e.action, e.action))
    status = None
    if e.from_status and e.to_status:
        status = pick(*lifecycle.STATUS_LABELS[Status(e.to_status)])
    return {"at": china_time(e.at), "iso": e.at.isoformat(), "actor": e.actor,
            "actor_name": names.get(e.actor, e.actor), "action": pick(zh, en),
            "status": status, "note": pick(e.note, e.note_en),
            "note_verbatim": bool(e.note) and not e.note_en}  # what a person typed, shown as typed


def primary_next(app: Application, matter: Matter, readiness: dict | None) -> str | None:
    """The one step to highlight: finish the form first, then materials, signature, submission."""
    actions = presenters.next_actions(app, matter)
    if not actions:
        return None
    if readiness is not None and readiness["form_errors"]:
        return "edit_form"
    return next((a for a in actions if a != "edit_form"), actions[0])


# The result document's holder and its seal's owner, in one query (built once).
_DOCUMENT_PARTIES = (select(SealedDocument.holder_key, Seal.owner_code)
                     .join(Seal, Seal.id == SealedDocument.seal_id).where(SealedDocument.id == bindparam("id")))


def _can_download_result(session: Session, app: Application, user: User, reason: str | None) -> bool:
    if not app.result_document_id:
        return False
    if isinstance(app, svc.ApplicationView):  # read with the application (svc.load_view)
        parties = app.result_parties
    else:
        row = reads.rows(session, _DOCUMENT_PARTIES, {"id": app.result_document_id}).first()
        parties = (row.holder_key, row.owner_code) if row is not None else None
    if parties is None:
        raise documents.DocumentNotFound("文书不存在 / document not found")
    holder_key, issuer_code = parties
    return access.can_download_document(user, holder_key=holder_key, reason=reason, issuer_code=issuer_code)


def _full_names(session: Session, app: Application, usernames: set[str]) -> dict[str, str]:
    """Login names → full names for the timeline (identity_service.full_names); a view
    (svc.load_view) brought its event actors' names: only the others are looked up."""
    if not isinstance(app, svc.ApplicationView):
        return identity_service.full_names(session, usernames)
    names = {k: v for k, v in app.actor_names.items() if k in usernames}
    missing = {u for u in usernames if u} - {e.actor for e in app.events}
    return {**names, **identity_service.full_names(session, missing)} if missing else names


def application_context(session: Session, app: Application, matter: Matter, user: User, *,
                        errors: Mapping[str, str] | None = None, decision: Mapping[str, str] | None = None,
                        notice: str = "", reason: str | None = None) -> dict[str, Any]:
    owner = app.applicant_user_id == user.id
    editable = owner and app.status in EDITABLE
    readiness = svc.readiness(app, matter) if editable else None
    if readiness is not None and get_locale() == "en":  # the missing materials by their English names
        en = _material_names_en(session, app.matter_code)
        readiness["missing_materials"] = [en.get(m.material_id) or m.name for m in svc.missing_materials(app)]
    correction = next((e for e in reversed(app.events) if e.action in lifecycle.CORRECTION_ACTIONS), None)
    names_en = _material_names_en(session, app.matter_code) if get_locale() == "en" else {}
    licence_en = matter_service.cached_licence_type_names(en=True) if get_locale() == "en" else {}
    # Timelines name people, not login names.
    names = _full_names(session, app, {e.actor for e in app.events} | {app.decision_by or ""}
                        | {app.assigned_to or "", app.review_by or ""})
    return {
        "app": app, "matter": matter, "owner": owner, "editable": editable, "errors": dict(errors or {}),
        "status_label": pick(*lifecycle.STATUS_LABELS[app.status]), "notice": notice,
        "fields": field_views(app.matter_code, app.form, app.prefilled, errors, mask=not user.role.is_staff),
        "materials": [_material_view(m, editable, names_en.get(m.material_id, ""), show_hash=user.role.is_staff,
                                     licence_names_en=licence_en) for m in app.materials],
        "events": [_event_view(e, names) for e in app.events],
        "decided_by_name": names.get(app.decision_by or "", app.decision_by),
        "readiness": readiness, "next_actions": presenters.next_actions(app, matter) if owner else [],
        "next": primary_next(app, matter, readiness) if owner else None,
        "overdue": svc.is_overdue(app), "paused_on": app.clock_paused_on,
        "created_at": china_time(app.created_at), "submitted_at": china_time(app.submitted_at),
        "signed_at": china_time(app.signed_at), "decided_at": china_time(app.decided_at),
        "correction_note": pick(correction.note, correction.note_en)
        if correction and app.status == Status.correction_requested
        else "",
        "can_withdraw": owner and app.status in lifecycle.TRANSITIONS["withdraw"],
        "can_decide": access.can_decide(user, app, window_direct=matter.window_direct) and app.status in lifecycle.OPEN,
        "intake": svc.awaits_intake(app), "intake_due": app.intake_due_date,
        "intake_overdue": svc.is_intake_overdue(app),
        "can_download_result": _can_download_result(session, app, user, reason),
        # An administrator's links carry the reason stated for this read (audited again on each).
        "access_query": f"?{urlencode({'reason': reason})}" if reason and access.needs_reason(user) else "",
        "decision": dict(decision or {}), "department": matter_service.cached_department(app.department_code),
        "auto": presenters.auto_approval_out(session, app),
        **_back_office(session, app, matter, user, names),
    }


def _back_office(session: Session, app: Application, matter: Matter, user: User,
                 names: Mapping[str, str]) -> dict[str, Any]:
    """后台分类审批 on the application page: who works on it, the first-level opinion (审核) of a
    two-level matter, and what this reviewer may do (assign, return to the window)."""
    staff = user.role.is_staff
    can_assign = access.can_assign(user, app) and app.status not in lifecycle.TERMINAL \
        and app.status not in (Status.draft, Status.approved)
    return {
        "two_level": matter.two_level,
        "assignee_name": names.get(app.assigned_to, app.assigned_to) if (staff and app.assigned_to) else None,
        "assigned_to_me": app.assigned_to == user.username,
        "can_assign": can_assign,
        "reviewers": [(u.username, u.full_name or u.username) for u in workbench.reviewers_of(session, app.department_code)]
        if can_assign else [],
        "review_opinion": {"opinion": app.review_opinion, "by": names.get(app.review_by, app.review_by),
                           "mine": app.review_by == user.username, "reasons": list(app.review_reasons or []),
                           "at": china_time(app.reviewed_at)} if (staff and app.review_opinion) else None,
        "can_return_to_window": user.role.value == "reviewer" and app.channel.value == "window",
    }


def render_application(request: Request, session: Session, app: Application, user: User, *,
                       errors: Mapping[str, str] | None = None, decision: Mapping[str, str] | None = None,
                       notice: str = "", status_code: int = 200, reason: str | None = None):
    """The application page (also re-rendered with the errors of a failed action). The matter comes
    from the catalogue snapshot: the page only shows it."""
    session.flush()  # what the request changed is written first: the version in the forms is the one stored
    matter = matter_service.cached_matter(app.matter_code)
    ctx = application_context(session, app, matter, user, errors=errors, decision=decision, notice=notice,
                              reason=reason)
    return render(request, "applications/detail.html", ctx, status_code=status_code)
