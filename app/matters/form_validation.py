"""The JSON Schema the API serves is the server's validator: a form is checked with `jsonschema`
against `content.form_json_schema(code)` (what `GET /api/v1/matters/{code}` serves as `form_schema`),
with the portal's own format checkers (GB 11643 ID numbers, GB 32100 credit codes, phone numbers,
real calendar dates), and each field's first error becomes the message pages show, in zh or en."""
from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import Any, Callable

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from app.matters import content
from app.matters.content import DATE_PATTERN, EMAIL_PATTERN, PHONE_PATTERN, FieldDef

FORMAT_CHECKER = FormatChecker(formats=())  # only the portal's own formats, whatever extras are installed


def _strings_only(check: Callable[[str], bool]) -> Callable[[Any], bool]:
    """A format applies to strings; the `type` keyword judges everything else."""
    return lambda value: not isinstance(value, str) or check(value)


def _real_date(value: str) -> bool:
    if not re.fullmatch(DATE_PATTERN, value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


for _name, _check in (("date", _real_date), ("email", lambda v: bool(re.fullmatch(EMAIL_PATTERN, v))),
                      ("phone", lambda v: bool(re.fullmatch(PHONE_PATTERN, v))),
                      ("id-number", content.id_number_ok), ("uscc", content.uscc_ok)):
    FORMAT_CHECKER.checks(_name)(_strings_only(_check))

MESSAGES = {
    "required": ("请填写{label}", "Enter {label}"),
    "string": ("{label}应为文字", "{label} must be text"),
    "min_length": ("{label}至少{n}个字", "{label} must be at least {n} characters"),
    "max_length": ("{label}不能超过{n}个字", "{label} must be {n} characters or fewer"),
    "pattern": ("{label}格式不正确", "{label} is not in the right format"),
    "phone": ("{label}应为11位手机号码或带区号的固定电话", "{label} must be a mobile number or a landline with area code"),
    "email": ("{label}应为有效的电子邮箱地址", "{label} must be a valid email address"),
    "integer": ("{label}应为整数", "{label} must be a whole number"),
    "number": ("{label}应为数字", "{label} must be a number"),
    "minimum": ("{label}不能小于{n}", "{label} must be {n} or more"),
    "maximum": ("{label}不能大于{n}", "{label} must be {n} or less"),
    "date": ("{label}应为有效日期，格式为YYYY-MM-DD", "{label} must be a real date written YYYY-MM-DD"),
    "boolean": ("请选择{label}：是或否", "Choose yes or no for {label}"),
    "enum": ("请从选项中选择{label}", "Choose {label} from the list"),
    "id-number": ("{label}不是有效的身份证号码，请核对", "{label} is not a valid ID number"),
    "uscc": ("{label}不是有效的统一社会信用代码，请核对", "{label} is not a valid unified social credit code"),
}
# Which of a field's errors is reported: the first in this order (its type before its length, and so on).
_PRIORITY = ("type", "enum", "minLength", "maxLength", "pattern", "format", "minimum", "maximum")
_BY_FIELD_TYPE = {"phone": "phone", "email": "email", "date": "date"}


@lru_cache
def validator(code: str) -> Draft202012Validator:
    """The validator of exactly the schema served for the matter (FormNotFound for an unknown one)."""
    return Draft202012Validator(content.form_json_schema(code), format_checker=FORMAT_CHECKER)


def _message(key: str, f: FieldDef, locale: str, n: Any = None) -> str:
    zh, en = MESSAGES[key]
    if isinstance(n, float) and n.is_integer():
        n = int(n)
    if (locale or "zh").lower().startswith("en"):
        return en.format(label=f.label_en, n=n)
    return zh.format(label=f.label, n=n)


def _message_for(error: ValidationError, f: FieldDef, locale: str) -> str:
    kind = error.validator
    if kind == "type":
        key = f.type if f.type in ("integer", "number", "boolean", "enum", "date") else "string"
        return _message(key, f, locale)
    if kind in ("minLength", "maxLength"):
        return _message("min_length" if kind == "minLength" else "max_length", f, locale, error.validator_value)
    if kind in ("minimum", "maximum"):
        return _message(kind, f, locale, error.validator_value)
    if kind in ("pattern", "format"):
        key = _BY_FIELD_TYPE.get(f.type) or (error.validator_value if kind == "format" else "pattern")
        return _message(key if key in MESSAGES else "pattern", f, locale)
    return _message("enum", f, locale)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def validate_form(code: str, data: dict[str, Any], locale: str = "zh") -> dict[str, str]:
    """{field name: message in the user's language}; empty when the form is valid.

    A blank value counts as not given (the page posts "" for an empty input); everything else is
    judged by the served schema alone: pre-filled fields may be left out and are checked when given,
    unknown keys are ignored."""
    fields = {f.name: f for f in content.form_fields(code)}
    given = {k: v for k, v in (data or {}).items() if not _blank(v)}
    first: dict[str, ValidationError] = {}
    errors: dict[str, str] = {}
    for error in validator(code).iter_errors(given):
        if error.validator == "required":
            for name in error.validator_value:
                if name not in given and name in fields:
                    errors[name] = _message("required", fields[name], locale)
            continue
        name = error.path[0] if error.path else None
        if name in fields and (name not in first or _rank(error) < _rank(first[name])):
            first[name] = error
    errors.update({name: _message_for(error, fields[name], locale) for name, error in first.items()})
    return {name: errors[name] for name in fields if name in errors}  # in the form's order


def _rank(error: ValidationError) -> int:
    return _PRIORITY.index(error.validator) if error.validator in _PRIORITY else len(_PRIORITY)
