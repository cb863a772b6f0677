"""Real-name identity numbers: GB 11643 citizen ID numbers and GB 32100 credit codes."""
from __future__ import annotations

import re
from datetime import date

from app.core.clock import china_today

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_PROVINCES = {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
              "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
              "65", "71", "81", "82", "83", "91"}


class InvalidIdentifier(ValueError):
    """An ID number or credit code that fails its standard; message is bilingual."""


def id_check_digit(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS)) % 11]


def validate_id_number(value: str, today: date | None = None) -> str:
    """Return the normalised 18-character ID number or raise InvalidIdentifier."""
    v = (value or "").strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", v):
        raise InvalidIdentifier("身份证号码应为18位，前17位为数字，最后一位为数字或X / "
                                "An ID number has 18 characters: 17 digits and a digit or X")
    if v[:2] not in _PROVINCES:
        raise InvalidIdentifier("身份证号码的地区码无效 / The region code of the ID number is not valid")
    try:
        born = date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        raise InvalidIdentifier("身份证号码中的出生日期无效 / The date of birth in the ID number is not valid") from None
    today = today or china_today()
    if born > today or born.year < 1900:
        raise InvalidIdentifier("身份证号码中的出生日期无效 / The date of birth in the ID number is not valid")
    if id_check_digit(v[:17]) != v[17]:
        raise InvalidIdentifier("身份证号码校验位错误，请核对 / The check digit of the ID number is wrong")
    return v


def birth_date(id_number: str) -> date:
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def age_on(id_number: str, on: date) -> int:
    b = birth_date(id_number)
    return on.year - b.year - ((on.month, on.day) < (b.month, b.day))


def is_senior(user, today: date | None = None) -> bool:
    """A person aged 60 or over (offered the elder mode)."""
    try:
        return bool(user.id_number) and age_on(user.id_number, today or china_today()) >= 60
    except (ValueError, IndexError):
        return False


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS))
    return _USCC_CHARS[(31 - total % 31) % 31]


def validate_uscc(value: str) -> str:
    """Return the normalised 18-character unified social credit code or raise InvalidIdentifier."""
    v = (value or "").strip().upper()
    if len(v) != 18 or any(c not in _USCC_CHARS for c in v):
        raise InvalidIdentifier("统一社会信用代码应为18位数字或大写字母（不含I、O、S、V、Z） / "
                                "A unified social credit code has 18 digits or capital letters (no I, O, S, V, Z)")
    if not re.fullmatch(r"\d{6}", v[2:8]):
        raise InvalidIdentifier("统一社会信用代码的登记管理机关行政区划码无效 / The region code of the credit code is not valid")
    if uscc_check_char(v[:17]) != v[17]:
        raise InvalidIdentifier("统一社会信用代码校验位错误，请核对 / The check character of the credit code is wrong")
    return v


def mask_id(value: str | None) -> str:
    """310104********1234: first six and last four characters visible."""
    if not value:
        return ""
    if len(value) <= 10:
        return value[:2] + "*" * max(len(value) - 2, 0)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]
