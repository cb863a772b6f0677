"""Turn catalogue rows into API shapes (shared by the JSON API and the pages)."""
from __future__ import annotations

from app.matters import content
from app.matters.bundle_forms import bundle_json_schema
from app.matters.models import Bundle, Matter
from app.matters.schemas import BundleDetail, BundleRead, MaterialRead, MatterDetail, MatterSummary


def channels(m: Matter) -> list[str]:
    out = []
    if m.online:
        out.append("online")
    out.append("window")
    if m.onsite:
        out.append("appointment")
    return out


def matter_summary(m: Matter) -> MatterSummary:
    return MatterSummary(
        code=m.code, name=m.name, name_en=m.name_en, department=m.department_code,
        department_name=m.department.name, theme=m.theme_code, theme_name=m.theme.name, subject=m.subject,
        online=m.online, high_freq=m.high_freq, auto_approval=m.auto_approval, promised_days=m.promised_days,
        legal_days=m.legal_days, on_the_spot=m.on_the_spot, onsite=m.onsite, cross_region=m.cross_region,
        window_direct=m.window_direct, two_level=m.two_level, esign=m.esign, result=m.result, issues_licence=m.issues_licence)


def guide_for(code: str, materials: list[tuple[str, str]]) -> dict | None:
    """The written guide, or one generated from the materials (every matter has one)."""
    try:
        return content.guide_for(code, materials)
    except KeyError:
        return None


def form_schema_for(code: str) -> dict | None:
    try:
        return content.form_json_schema(code)
    except KeyError:
        return None


def matter_detail(m: Matter) -> MatterDetail:
    base = matter_summary(m).model_dump()
    return MatterDetail(
        **base, description=m.description, description_en=m.description_en, keywords=list(m.keywords or []),
        faq=list(m.faq or []), materials=[MaterialRead.model_validate(x) for x in m.materials],
        channels=channels(m), guide=guide_for(m.code, [(x.name, x.source) for x in m.materials]),
        form_schema=form_schema_for(m.code))


def bundle_read(b: Bundle) -> BundleRead:
    return BundleRead(code=b.code, name=b.name, name_en=b.name_en, subject=b.subject, description=b.description,
                      description_en=b.description_en, matters=[i.matter_code for i in b.items])


def bundle_detail(b: Bundle, matters: list[Matter]) -> BundleDetail:
    try:
        schema = bundle_json_schema([m.code for m in matters])
    except (KeyError, FileNotFoundError):
        schema = None
    return BundleDetail(**bundle_read(b).model_dump(), items=[matter_summary(m) for m in matters],
                        guide=guide_for(b.code, [(x.name, x.source) for m in matters for x in m.materials]),
                        form_schema=schema)
