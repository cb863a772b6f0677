"""Catalogue content as data: application forms, their JSON Schemas and personal guides.

Pure functions over the YAML files in app/matters/data (no database): `forms.yaml` defines
every matter's form, `guides.yaml` the situational guides (个性指南) of the high-frequency
matters and the bundles. Loaded YAML is cached.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import yaml

from app.core.errors import NotFound
from app.identity.validation import InvalidIdentifier, validate_id_number, validate_uscc

DATA_DIR = Path(__file__).parent / "data"
FIELD_TYPES = ("string", "text", "integer", "number", "date", "boolean", "enum", "phone", "email")
CHANNELS = ("online", "window", "appointment")
PHONE_PATTERN = r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
_FIELD_KEYS = {"name", "label", "label_en", "type", "required", "minLength", "maxLength", "minimum", "maximum",
               "pattern", "enum", "enum_labels", "enum_labels_en", "help", "help_en", "examples", "prefill",
               "shared", "check"}


class FormNotFound(NotFound, KeyError):
    code = "form_not_found"

    def __init__(self, code: str):
        super().__init__(f"没有该事项的申请表 / No application form for matter {code}")


class GuideNotFound(NotFound, KeyError):
    code = "guide_not_found"

    def __init__(self, code: str):
        super().__init__(f"没有该事项的办事指南 / No guide for {code}")


@dataclass(frozen=True)
class FieldDef:
    """One field of an application form (see the header of forms.yaml)."""

    name: str
    label: str
    label_en: str
    type: str
    examples: tuple[Any, ...]
    required: bool = True
    minLength: int | None = None
    maxLength: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    enum: tuple[Any, ...] | None = None
    enum_labels: tuple[str, ...] | None = None
    enum_labels_en: tuple[str, ...] | None = None
    help: str | None = None
    help_en: str | None = None
    prefill: str | None = None
    shared: bool = False
    check: str | None = None  # id-number | uscc

    @property
    def prefilled(self) -> bool:
        return bool(self.prefill)

    def text(self, locale: str) -> tuple[str, str | None]:
        """(label, help) in the locale."""
        if _is_en(locale):
            return self.label_en, self.help_en
        return self.label, self.help

    def enum_label(self, value: Any, locale: str = "zh") -> str:
        labels = self.enum_labels_en if _is_en(locale) else self.enum_labels
        if self.enum and labels and value in self.enum:
            return labels[self.enum.index(value)]
        return str(value)


def _is_en(locale: str | None) -> bool:
    return (locale or "zh").lower().startswith("en")


# ----------------------------------------------------------------------------- loading
@lru_cache
def _load_yaml(name: str) -> dict[str, Any]:
    with (DATA_DIR / name).open(encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


@lru_cache
def catalogue() -> dict[str, Any]:
    """The catalogue YAML (matters and bundles by code), for titles and default guides."""
    data = _load_yaml("catalogue.yaml")
    return {"matters": {m["code"]: m for m in data.get("matters", [])},
            "bundles": {b["code"]: b for b in data.get("bundles", [])}}


def _make_field(spec: dict[str, Any], where: str) -> FieldDef:
    unknown = set(spec) - _FIELD_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown field keys {sorted(unknown)}")
    spec = {k: v for k, v in spec.items() if v is not None}
    if spec.get("type") not in FIELD_TYPES:
        raise ValueError(f"{where}: type must be one of {FIELD_TYPES}, not {spec.get('type')!r}")
    if not spec.get("examples"):
        raise ValueError(f"{where}: examples are required")
    for key in ("examples", "enum", "enum_labels", "enum_labels_en"):
        if key in spec:
            spec[key] = tuple(spec[key])
    if spec["type"] == "enum" and not spec.get("enum"):
        raise ValueError(f"{where}: an enum field needs `enum`")
    return FieldDef(**spec)


@lru_cache
def load_forms() -> dict[str, list[FieldDef]]:
    """Every matter's form fields, with references to common fields resolved."""
    data = _load_yaml("forms.yaml")
    common = data.get("common_fields", {})
    forms: dict[str, list[FieldDef]] = {}
    for code, form in data.get("forms", {}).items():
        fields: list[FieldDef] = []
        for i, item in enumerate(form.get("fields", [])):
            where = f"forms.{code}.fields[{i}]"
            if isinstance(item, str):
                if item not in common:
                    raise ValueError(f"{where}: unknown common field {item!r}")
                spec = {"name": item, **common[item]}
            elif "use" in item:
                base = item["use"]
                if base not in common:
                    raise ValueError(f"{where}: unknown common field {base!r}")
                spec = {"name": base, **common[base], **{k: v for k, v in item.items() if k != "use"}}
            else:
                spec = dict(item)
            fields.append(_make_field(spec, where))
        names = [f.name for f in fields]
        if len(names) != len(set(names)):
            raise ValueError(f"forms.{code}: duplicate field names")
        forms[code] = fields
    return forms


def form_fields(code: str) -> list[FieldDef]:
    try:
        return load_forms()[code]
    except KeyError:
        raise FormNotFound(code) from None


# ----------------------------------------------------------------------------- JSON Schema
def _property_schema(f: FieldDef, locale: str) -> dict[str, Any]:
    label, help_text = f.text(locale)
    prop: dict[str, Any] = {"title": label}
    if help_text:
        prop["description"] = help_text
    if f.type in ("string", "text", "phone", "email", "date"):
        prop["type"] = "string"
    elif f.type == "enum":
        prop["type"] = "string" if all(isinstance(v, str) for v in f.enum or ()) else ["string", "integer", "number", "boolean"]
        prop["enum"] = list(f.enum or ())
        labels = f.enum_labels_en if _is_en(locale) else f.enum_labels
        if labels:
            prop["x-enum-labels"] = list(labels)
    else:
        prop["type"] = f.type
    if f.type == "text":
        prop["x-multiline"] = True
    if f.type == "date":
        prop["format"] = "date"
        prop["pattern"] = DATE_PATTERN
    if f.type == "phone":
        prop["format"] = "phone"
        prop["pattern"] = PHONE_PATTERN
    if f.type == "email":
        prop["format"] = "email"
        prop["pattern"] = f.pattern or EMAIL_PATTERN
    if f.type in ("string", "text") and f.required and not f.prefill:
        prop["minLength"] = 1  # required means not empty
    for key in ("minLength", "maxLength", "minimum", "maximum", "pattern"):
        value = getattr(f, key)
        if value is not None:
            prop[key] = value
    prop["examples"] = list(f.examples)
    if f.prefill:
        prop["readOnly"] = True
        prop["x-prefill"] = f.prefill
    if f.shared:
        prop["x-shared"] = True
    if f.check:
        prop["format"] = f.check  # id-number (GB 11643) | uscc (GB 32100): app.matters.form_validation
        prop["x-check"] = f.check
    return prop


def form_json_schema(code: str, locale: str = "zh") -> dict[str, Any]:
    """The JSON Schema of a matter's application form; pre-filled fields are read-only, not required."""
    fields = form_fields(code)
    matter = catalogue()["matters"].get(code, {})
    title = matter.get("name_en" if _is_en(locale) else "name", code)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        "type": "object",
        "properties": {f.name: _property_schema(f, locale) for f in fields},
        "required": [f.name for f in fields if f.required and not f.prefill],
        "x-order": [f.name for f in fields],
    }


# ----------------------------------------------------------------------------- identifiers
# The schema's formats; the validator is the served schema itself (app/matters/form_validation.py).
def id_number_ok(value: str) -> bool:
    """GB 11643 (see app.identity.validation): digits, a real past date of birth, the check character."""
    try:
        validate_id_number(value)
    except InvalidIdentifier:
        return False
    return True


def uscc_ok(value: str) -> bool:
    """GB 32100 (see app.identity.validation): the code alphabet and the check character."""
    try:
        validate_uscc(value)
    except InvalidIdentifier:
        return False
    return True


def example_form(code: str, *, include_prefilled: bool = False) -> dict[str, Any]:
    """A valid form built from every field's first example (pre-filled fields left out by default)."""
    return {f.name: f.examples[0] for f in form_fields(code) if include_prefilled or not f.prefill}


# ----------------------------------------------------------------------------- guides
@lru_cache
def load_guides() -> dict[str, dict[str, Any]]:
    """The hand-written guides of guides.yaml, by matter or bundle code."""
    return _load_yaml("guides.yaml").get("guides", {})


def _materials_list(materials: Iterable[Any]) -> list[tuple[str, str]]:
    out = []
    for m in materials or ():
        if isinstance(m, dict):
            out.append((m["name"], m.get("source", "upload")))
        else:
            name, source = m[0], m[1]
            out.append((name, source))
    return out


def default_guide(code: str, materials: Iterable[Any] = ()) -> dict[str, Any]:
    """A guide generated from the matter's materials and flags, for matters without a written one."""
    mats = _materials_list(materials)
    matter = catalogue()["matters"].get(code) or {}
    bundle = catalogue()["bundles"].get(code)
    name = (matter or bundle or {}).get("name", code)
    name_en = (matter or bundle or {}).get("name_en", code)
    uploads = [n for n, s in mats if s == "upload"]
    exempt = [n for n, s in mats if s != "upload"]
    online = matter.get("online", True)
    channel = "online" if online else ("appointment" if matter.get("onsite") else "window")
    steps = []
    if online:
        steps.append({"text": "登录后在线填写申请表（已有数据自动预填）", "text_en": "Sign in and fill in the form online (known data is pre-filled)"})
        if uploads:
            steps.append({"text": "上传材料：" + "、".join(uploads), "text_en": f"Upload {len(uploads)} document(s)"})
        if matter.get("esign"):
            steps.append({"text": "电子签名确认申请", "text_en": "Sign the application electronically"})
        steps.append({"text": "提交申请并在“我的办件”中查看进度", "text_en": "Submit and follow progress under My applications"})
    else:
        steps.append({"text": "在线预约办理时间", "text_en": "Book a time online"} if channel == "appointment"
                     else {"text": "到区行政服务中心综合窗口取号", "text_en": "Take a ticket at a comprehensive window of the district centre"})
        steps.append({"text": "携带材料原件到窗口办理：" + "、".join(n for n, _ in mats), "text_en": "Bring the original documents to the window"})
    if matter.get("onsite") and online:
        steps.append({"text": "按预约时间接受现场核查或本人到场", "text_en": "Attend the on-site check or appointment you booked"})
    promised = matter.get("promised_days")
    result_step = ({"text": "当场办结，结果可在证照夹或窗口领取", "text_en": "Done on the spot; collect the result in your licence wallet or at the window"}
                   if promised == 0 else
                   {"text": f"承诺{promised}个工作日内办结，结果电子送达或窗口领取" if promised else "办结后结果电子送达或窗口领取",
                    "text_en": f"Decided within {promised} working days; the result is delivered online or at the window" if promised
                    else "The result is delivered online or at the window"})
    steps.append(result_step)
    notes = []
    if exempt:
        notes.append({"text": "以下材料无需提交，由系统从证照库或共享数据获取：" + "、".join(exempt),
                      "text_en": f"{len(exempt)} document(s) need not be provided: they come from the licence wallet or shared data"})
    return {
        "summary": f"{name}：{'全程网办' if online else '需到窗口办理'}，需准备{len(uploads)}份材料",
        "summary_en": f"{name_en}: {'fully online' if online else 'handled at a window'}, {len(uploads)} document(s) to provide",
        "questions": [
            {"id": "agent", "text": "申请人本人办理还是他人代办？", "text_en": "Are you applying for yourself or on someone's behalf?",
             "options": [{"value": "self", "label": "本人办理", "label_en": "For myself"},
                         {"value": "agent", "label": "他人代办", "label_en": "On someone's behalf"}]},
        ],
        "rules": [
            {"when": {"agent": "agent"},
             "add_materials": [{"name": "代办人身份证", "name_en": "Agent's ID card", "source": "upload"},
                               {"name": "授权委托书", "name_en": "Power of attorney", "source": "upload"}],
             "note": "代办须提交申请人签字的授权委托书", "note_en": "An agent needs a power of attorney signed by the applicant"},
        ],
        "steps": steps,
        "default_channel": channel,
        "generated": True,
    }


def guide_for(code: str, materials: Iterable[Any] = ()) -> dict[str, Any]:
    """The written guide of a matter or bundle, or one generated from its materials."""
    return load_guides().get(code) or default_guide(code, materials)


CHECKLIST_CHANGES = ("add_materials", "remove_materials", "add_steps", "channel", "skip_matters")


def guide_is_personal(guide: dict[str, Any] | None) -> bool:
    """Does the guide ask something whose answer changes the checklist? Only then is it offered
    as a personal guide (no generic guide dressed as a personal one)."""
    if not guide:
        return False
    asked = {q.get("id") for q in guide.get("questions", [])}
    return any(set(r.get("when") or {}) & asked and any(r.get(k) for k in CHECKLIST_CHANGES)
               for r in guide.get("rules", []))


def _matches(when: dict[str, Any], answers: dict[str, Any]) -> bool:
    for key, expected in (when or {}).items():
        given = answers.get(key)
        if isinstance(expected, list):
            if given not in expected:
                return False
        elif given != expected:
            return False
    return True


def _bilingual(item: Any) -> dict[str, str]:
    if isinstance(item, dict):
        return {"text": item.get("text", ""), "text_en": item.get("text_en", item.get("text", ""))}
    return {"text": str(item), "text_en": str(item)}


def _material_names_en(materials: Iterable[Any] = ()) -> dict[str, str]:
    """Chinese material name → English name: the catalogue's, overridden by any given with `materials`."""
    names: dict[str, str] = {}
    for m in catalogue()["matters"].values():
        for item in m.get("materials") or ():
            if len(item) > 2 and item[2]:
                names.setdefault(item[0], item[2])
    for m in materials or ():
        en = m.get("name_en") if isinstance(m, dict) else (m[2] if len(m) > 2 else None)
        name = m["name"] if isinstance(m, dict) else m[0]
        if en:
            names[name] = en
    return names


def personal_checklist(code: str, answers: dict[str, Any], materials: Iterable[Any]) -> dict[str, Any]:
    """The applicant's own checklist: the guide's rules applied to their answers.

    `materials` are the matter's (or the bundle's matters') catalogue materials as
    (name, source[, name_en]) tuples or {"name", "source"[, "name_en"]} dicts; English
    names not given come from the catalogue file. Returns materials (name, source,
    exempt), steps and notes ({text, text_en}), the channel that fits and the bundle
    matters to skip.
    """
    materials = list(materials or ())
    mats = _materials_list(materials)
    names_en = _material_names_en(materials)
    guide = guide_for(code, mats)
    answers = answers or {}
    checklist = []
    for n, s in dict.fromkeys(mats):  # a bundle asks for a shared material once
        checklist.append({"name": n, "name_en": names_en.get(n), "source": s, "exempt": s != "upload"})
    steps = [_bilingual(s) for s in guide.get("steps", [])]
    notes: list[dict[str, str]] = []
    channel = guide.get("default_channel", "online")
    skip: list[str] = []
    for rule in guide.get("rules", []):
        if not _matches(rule.get("when", {}), answers):
            continue
        removed = set(rule.get("remove_materials", []))
        checklist = [m for m in checklist if m["name"] not in removed]
        for m in rule.get("add_materials", []):
            if not any(x["name"] == m["name"] for x in checklist):
                source = m.get("source", "upload")
                checklist.append({"name": m["name"], "name_en": m.get("name_en"), "source": source,
                                  "exempt": source != "upload"})
        steps.extend(_bilingual(s) for s in rule.get("add_steps", []))
        if rule.get("channel"):
            channel = rule["channel"]
        if rule.get("note"):
            notes.append({"text": rule["note"], "text_en": rule.get("note_en", rule["note"])})
        for matter in rule.get("skip_matters", []):
            if matter not in skip:
                skip.append(matter)
    bundle = catalogue()["bundles"].get(code)
    if bundle and skip:
        # drop materials only the skipped matters need
        matters = catalogue()["matters"]
        kept = {m[0] for c in bundle["matters"] if c not in skip for m in matters[c]["materials"]}
        skipped = {m[0] for c in skip for m in matters[c]["materials"]} - kept
        checklist = [m for m in checklist if m["name"] not in skipped]
    return {"materials": checklist, "steps": steps, "channel": channel, "notes": notes, "skip_matters": skip}


def check_guides() -> list[str]:
    """Problems in guides.yaml (unknown question ids or options, materials or matters); empty when sound."""
    problems: list[str] = []
    cat = catalogue()
    for code, guide in load_guides().items():
        target = cat["matters"].get(code) or cat["bundles"].get(code)
        if target is None:
            problems.append(f"{code}: not a catalogue matter or bundle")
            continue
        if code in cat["bundles"]:
            members = target["matters"]
            names = {m[0] for c in members for m in cat["matters"][c]["materials"]}
        else:
            members = []
            names = {m[0] for m in target["materials"]}
        questions = {q["id"]: {o["value"] for o in q.get("options", [])} for q in guide.get("questions", [])}
        if guide.get("default_channel", "online") not in CHANNELS:
            problems.append(f"{code}: default_channel {guide.get('default_channel')!r}")
        for i, rule in enumerate(guide.get("rules", [])):
            for key, expected in (rule.get("when") or {}).items():
                if key not in questions:
                    problems.append(f"{code}.rules[{i}]: unknown question {key!r}")
                    continue
                for value in expected if isinstance(expected, list) else [expected]:
                    if value not in questions[key]:
                        problems.append(f"{code}.rules[{i}]: {key} has no option {value!r}")
            for name in rule.get("remove_materials", []):
                if name not in names:
                    problems.append(f"{code}.rules[{i}]: removes unknown material {name!r}")
            for matter in rule.get("skip_matters", []):
                if matter not in members:
                    problems.append(f"{code}.rules[{i}]: skips {matter!r}, not a matter of the bundle")
            if rule.get("channel") and rule["channel"] not in CHANNELS:
                problems.append(f"{code}.rules[{i}]: channel {rule['channel']!r}")
    return problems
