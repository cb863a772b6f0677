"""The applicant's e-signature: a summary PDF (申请信息确认单) with the declaration, signed with the
signing person's own certificate — for an enterprise, the person acting for it signs "for" it — after
a second factor (sign_proof)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.core import audit, blobs
from app.core.db import utcnow
from app.core.errors import Conflict
from app.identity.models import Role, User
from app.identity.validation import mask_id
from app.matters import content
from app.matters import service as matter_service
from app.matters.models import Matter
from app.services.applications import lifecycle, sign_proof
from app.services.applications import service as svc
from app.services.applications.models import Application, MaterialStatus
from app.services.seals import pdf as seal_pdf
from app.services.seals import signing

DECLARATION_ZH = "本人承诺所填报内容及提交材料真实、合法、有效，如有虚假愿承担法律责任。"
DECLARATION_EN = ("I undertake that what I have filled in and the materials I submit are true, lawful and valid, "
                  "and I accept legal responsibility for anything false.")


@dataclass(frozen=True)
class Signer:
    """Who signs: a person, for themselves or for an enterprise."""

    person: User
    enterprise: User | None

    @property
    def label_zh(self) -> str:
        return f"{self.person.full_name} 代 {self.enterprise.full_name}" if self.enterprise else self.person.full_name

    @property
    def label_en(self) -> str:
        return f"{self.person.full_name} for {self.enterprise.full_name}" if self.enterprise else self.person.full_name


def signer_for(session: Session, user: User, acting: User | None) -> Signer:
    """The person who signs for `user`: the person acting in this session, else the account's own person."""
    if user.role == Role.applicant_enterprise:
        return Signer(acting or svc.acting_person(session, user), user)
    return Signer(user, None)


def summary_rows(app: Application, matter: Matter, signer: Signer) -> list[tuple[str, str]]:
    """What is signed, row by row: shown on the confirm page and printed in the PDF alike."""
    signer_text = signer.label_zh if signer.enterprise is None else f"{signer.label_zh}\n{signer.label_en}"
    rows = [("事项 Matter", f"{matter.name} {matter.name_en}"), ("申请人 Applicant", app.applicant_name),
            ("证件号码 ID", mask_id(app.subject_key)), ("签署人 Signer", signer_text),
            ("签署人证件号码 Signer's ID", mask_id(signer.person.id_number or ""))]
    for f in content.form_fields(app.matter_code):
        if f.name in app.form:
            v = app.form[f.name]
            rows.append((f.label, f.enum_label(v) if f.enum else str(v)))
    for m in app.materials:
        if m.status == MaterialStatus.uploaded:
            rows.append((m.name, f"SHA-256 {m.blob_sha256}"))
        elif m.status != MaterialStatus.missing:
            rows.append((m.name, f"免于提交 exempt: {m.exempt_note}"))
    return rows


def signable(session: Session, app: Application) -> Matter | None:
    """The matter if `app` can be signed now (editable, complete); None when the matter needs no signature."""
    svc._editable(app)
    matter = matter_service.get_matter(session, app.matter_code)
    if not matter.esign:
        return None
    svc.require_complete(app)
    return matter


def sign(session: Session, app: Application, user: User, proof: sign_proof.Proof, *, acting: User | None = None,
         ip: str = "") -> bool:
    """E-sign the summary PDF as the signing person after the second factor; False if the matter needs none.

    `acting` is the person acting for an enterprise in this session; the password or code is theirs
    (else the account's own). A refused proof raises SignProofError after recording it."""
    matter = signable(session, app)
    if matter is None:
        return False
    signer = signer_for(session, user, acting)
    if not signer.person.id_number:
        raise Conflict("没有可用于签名的实名身份 / No real-name identity to sign with", code="no_signer")
    how = sign_proof.verify(session, app, acting or user, proof, ip=ip)
    summary = seal_pdf.render_summary_pdf(matter.name, app.number, summary_rows(app, matter, signer),
                                          declaration=(DECLARATION_ZH, DECLARATION_EN))
    person = signer.person
    signed = signing.sign_as_person(session, full_name=person.full_name, id_number=person.id_number,
                                    user_id=person.id, pdf_bytes=summary,
                                    reason=f"{signer.label_zh} 电子签名 / e-signature of {signer.label_en}")
    app.summary_blob = blobs.put(session, signed, "application/pdf")
    app.signed_at = utcnow()
    app.acting_user_id = person.id
    lifecycle.note_event(session, app, "sign", actor=person.username,
                         note=(f"签名人：{signer.label_zh}", f"Signer: {signer.label_en}"))
    audit.record(session, actor=person.username, action="application.sign", object_type="application",
                 object_id=app.number, ip=ip, detail={
                     "person": person.username, "person_name": person.full_name, "proof": how,
                     "proved_by": (acting or user).username,
                     "for": signer.enterprise.username if signer.enterprise else None,
                     "for_name": signer.enterprise.full_name if signer.enterprise else None})
    return True


def send_code(session: Session, app: Application, user: User, *, acting: User | None = None,
              ip: str = "") -> datetime:
    """Send a one-time signing code to the in-app inbox (the simulated SMS); returns when it expires."""
    if signable(session, app) is None:
        raise Conflict("本事项无需电子签名 / This matter needs no e-signature", code="no_signature_needed")
    code, expires_at = sign_proof.new_code(session, app, acting or user, ip=ip)
    deliver_code(session, app, code)
    return expires_at


def deliver_code(session: Session, app: Application, code: str) -> None:
    """The simulated SMS: the code arrives in the inbox of the account the application belongs to."""
    minutes = int(sign_proof.CODE_TTL.total_seconds() // 60)
    svc.notify(session, app, ("签名验证码", "Signing code"),
               (f"您正在签署办件{app.number}，验证码 {code}，{minutes}分钟内有效，请勿告诉他人。",
                f"Your code for signing {app.number} is {code}; valid for {minutes} minutes. Do not share it."))
