from datetime import date

import pytest

from app.identity.validation import (InvalidIdentifier, age_on, id_check_digit, mask_id, uscc_check_char,
                                     validate_id_number, validate_uscc)


@pytest.mark.parametrize("value", ["310104195603152027", "310104199606121013", "11010519491231002x"])
def test_valid_id_numbers(value):
    assert validate_id_number(value) == value.upper()


@pytest.mark.parametrize("value, fragment", [
    ("310104195603152028", "校验位"),          # wrong check digit
    ("31010419560315202", "18位"),            # too short
    ("31010419561315202X", "出生日期"),        # month 13
    ("310104203001011234", "出生日期"),        # born in the future
    ("990104195603152027", "地区码"),          # no such province
    ("31010419560315202A", "18位"),
    ("", "18位"),
])
def test_invalid_id_numbers_are_refused_with_a_clear_message(value, fragment):
    with pytest.raises(InvalidIdentifier) as e:
        validate_id_number(value)
    assert fragment in str(e.value) and "/" in str(e.value)  # Chinese and English


def test_check_digit_and_age():
    assert id_check_digit("31010419960612101") == "3"
    assert age_on("310104195603152027", date(2026, 11, 27)) == 70
    assert age_on("310104199606121013", date(2026, 6, 11)) == 29


@pytest.mark.parametrize("value", ["91310104MA1FL0001Q", "91350100M000100Y43"])
def test_valid_credit_codes(value):
    assert validate_uscc(value) == value


@pytest.mark.parametrize("value", ["91310104MA1FL0001R", "91310104MA1FL0001", "91310104MA1FL0001I",
                                   "9131010AMA1FL0001Q"])
def test_invalid_credit_codes(value):
    with pytest.raises(InvalidIdentifier):
        validate_uscc(value)


def test_uscc_check_char():
    assert uscc_check_char("91310104MA1FL0001") == "Q"


def test_mask():
    assert mask_id("310104199606121013") == "310104********1013"
    assert mask_id(None) == ""
