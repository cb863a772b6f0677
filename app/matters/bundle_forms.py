"""The one combined form of a "one thing" bundle: shared fields asked once, the rest per matter.

Keys: a shared field keeps its name (`applicant_name`); a field only one matter asks is
`MATTER_CODE.FIELD` so that two matters' same-named fields never collide.
"""
from __future__ import annotations

from typing import Any

from app.matters import content


def bundle_fields(matter_codes: list[str]) -> list[tuple[str, content.FieldDef, list[str]]]:
    """[(key, field, matter codes that use it)] in form order."""
    out: dict[str, tuple[content.FieldDef, list[str]]] = {}
    for code in matter_codes:
        for f in content.form_fields(code):
            key = f.name if f.shared else f"{code}.{f.name}"
            if key in out:
                out[key][1].append(code)
            else:
                out[key] = (f, [code])
    return [(k, f, codes) for k, (f, codes) in out.items()]


def split_form(matter_codes: list[str], form: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The combined answers → each matter's own form."""
    per: dict[str, dict[str, Any]] = {c: {} for c in matter_codes}
    for key, f, codes in bundle_fields(matter_codes):
        if key in form:
            for c in codes:
                per[c][f.name] = form[key]
    return per


def bundle_json_schema(matter_codes: list[str], locale: str = "zh") -> dict[str, Any]:
    props, required = {}, []
    for key, f, codes in bundle_fields(matter_codes):
        prop = content._property_schema(f, locale)
        prop["x-matters"] = codes
        props[key] = prop
        if f.required and not f.prefill:
            required.append(key)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": props,
            "required": required, "x-order": list(props)}
