"""The JSON Schema the API serves is the server's validator: every example passes it, and for every
field of all 76 matters the served schema and the server agree on good and bad values; a rejected value
is a field error in zh and en, through the API as well."""
from __future__ import annotations

import re
import uuid

import pytest
from jsonschema import Draft202012Validator

from app.matters import content, form_validation
from tests.conftest import bearer

CJK = re.compile(r"[\u4e00-\u9fff]")
MATTERS = sorted(content.load_forms())


def _wrong_check_character(value: str, alphabet: str) -> str:
    return value[:-1] + next(c for c in alphabet if c != value[-1])


def _bad_values(f: content.FieldDef) -> list:
    """Values the field must refuse, whatever the schema says (the rule is the standard, not the code)."""
    if f.type == "enum":
        return ["no-such-option", 999, ["a"]]
    if f.type == "boolean":
        return ["maybe", 1, "true"]
    if f.type == "date":
        return ["2026-13-45", "2026-02-30", "2026/01/05", "5 Jan 2026", 20260105]
    if f.type in ("integer", "number"):
        bad = ["many", True, {"n": 1}]
        if f.type == "integer":
            bad.append(1.5)
        if f.maximum is not None:
            bad.append(f.maximum + 1)
        if f.minimum is not None:
            bad.append(f.minimum - 1)
        return bad
    if f.type == "phone":
        return ["12345", "2138001380000", "138-0013-8000", 13800138000]
    if f.type == "email":
        return ["not-an-address", "a@b", "two@@example.com", 7]
    bad = [12345, ["text"]]
    if f.maxLength is not None:
        bad.append("长" * (f.maxLength + 1))
    if f.minLength is not None and f.minLength > 1:
        bad.append("长" * (f.minLength - 1))
    if f.pattern:
        bad.append("not matching !")
    if f.check == "id-number":
        bad += [_wrong_check_character(f.examples[0], "0123456789X"), "310104199702301025", "990104199606121013"]
    if f.check == "uscc":
        bad.append(_wrong_check_character(f.examples[0], "0123456789ABCDEFGHJKLMNPQRTUWXY"))
    return bad


def _good_values(f: content.FieldDef) -> list:
    good = list(f.examples)
    if f.type == "date":
        good += ["2024-02-29", "1990-12-31"]
    if f.type == "phone":
        good += ["13800138000", "021-64871234", "02164871234"]
    if f.type == "boolean":
        good += [True, False]
    return good


@pytest.fixture(scope="module")
def served(app):
    """Every matter's form_schema as `GET /api/v1/matters/{code}` serves it (read once)."""
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        schemas = {}
        for code in MATTERS:
            r = c.get(f"/api/v1/matters/{code}")
            assert r.status_code == 200, (code, r.text)
            schemas[code] = r.json()["form_schema"]
    return schemas


def test_the_server_validates_with_exactly_the_served_schema(served):
    assert len(MATTERS) == 76
    for code in MATTERS:
        assert form_validation.validator(code).schema == served[code], code


@pytest.mark.parametrize("code", MATTERS)
def test_every_example_passes_the_served_schema_and_the_server(code, served):
    schema = served[code]
    Draft202012Validator.check_schema(schema)
    check = Draft202012Validator(schema, format_checker=form_validation.FORMAT_CHECKER)
    full = content.example_form(code, include_prefilled=True)
    required_only = {k: v for k, v in full.items() if k in schema["required"]}  # the portal fills the rest
    for form in (full, required_only):
        assert list(check.iter_errors(form)) == []
        assert form_validation.validate_form(code, form) == {}
        assert form_validation.validate_form(code, form, "en") == {}
    for name, prop in schema["properties"].items():
        for example in prop["examples"]:
            form = {**full, name: example}
            assert check.is_valid(form), (name, example)
            assert form_validation.validate_form(code, form) == {}, (name, example)


@pytest.mark.parametrize("code", MATTERS)
def test_the_served_schema_and_the_server_agree_value_by_value(code, served):
    """A property-style sweep: a few good and a few bad values in every field of the matter."""
    check = Draft202012Validator(served[code], format_checker=form_validation.FORMAT_CHECKER)
    base = content.example_form(code, include_prefilled=True)
    for f in content.form_fields(code):
        for value, good in [(v, True) for v in _good_values(f)] + [(v, False) for v in _bad_values(f)]:
            form = {**base, f.name: value}
            zh = form_validation.validate_form(code, form, "zh")
            en = form_validation.validate_form(code, form, "en")
            assert check.is_valid(form) is good, (f.name, value)
            assert (zh == {}) is good and set(zh) == set(en) <= {f.name}, (f.name, value, zh)
            if not good:
                assert CJK.search(zh[f.name]) and f.label in zh[f.name], zh[f.name]
                assert not CJK.search(en[f.name]) and f.label_en in en[f.name], en[f.name]


def test_blank_means_not_given_required_fields_are_reported_prefilled_ones_are_not():
    errors = form_validation.validate_form("temporary-assistance", {"hardship_reason": "  ", "bank_account": None})
    assert set(errors) == {"hardship_type", "hardship_reason", "amount_requested", "bank_account"}
    assert errors["hardship_reason"] == "请填写困难情况"
    assert form_validation.validate_form("temporary-assistance", {}, "en")["hardship_reason"] == "Enter What happened"
    schema = content.form_json_schema("temporary-assistance")
    assert not Draft202012Validator(schema).is_valid({**content.example_form("temporary-assistance"),
                                                      "hardship_reason": ""})  # required means not empty


def test_constraint_messages_name_the_limit():
    form = content.example_form("temporary-assistance")
    form["amount_requested"] = 50001
    form["hardship_reason"] = "太短"
    errors = form_validation.validate_form("temporary-assistance", form, "en")
    assert errors["amount_requested"] == "Amount requested (yuan) must be 50000 or less"
    assert "at least 10 characters" in errors["hardship_reason"]
    form["amount_requested"] = True  # a boolean is not a number
    assert form_validation.validate_form("temporary-assistance", form)["amount_requested"] == "申请救助金额（元）应为整数"


def test_checksums_of_id_numbers_and_credit_codes_are_in_the_served_schema():
    form = content.example_form("marriage-registration")
    form["partner_id_number"] = "310104199709211020"  # right shape, wrong check character
    assert content.form_json_schema("marriage-registration")["properties"]["partner_id_number"]["format"] == "id-number"
    assert form_validation.validate_form("marriage-registration", form)["partner_id_number"] == \
        "对方身份证号码不是有效的身份证号码，请核对"
    assert form_validation.validate_form("marriage-registration", form, "en")["partner_id_number"] == \
        "Partner's ID number is not a valid ID number"
    form = content.example_form("enterprise-realty-transfer")
    form["counterparty_uscc"] = "91310104MA1FL0002A"
    assert form_validation.validate_form("enterprise-realty-transfer", form, "en")["counterparty_uscc"] == \
        "Other enterprise's credit code is not a valid unified social credit code"
    assert content.id_number_ok("31010419970921102x") and not content.id_number_ok("310104199702301025")
    assert content.uscc_ok("91310104MA1FL0001Q") and not content.uscc_ok("91310104MA1FL0001R")


@pytest.mark.parametrize("code, field, value", [
    ("kindergarten-enrolment", "child_id_number", "310104202006010016"),
    ("temporary-assistance", "amount_requested", 50001),
    ("enterprise-realty-transfer", "counterparty_uscc", "91310104MA1FL0002A"),
])
def test_the_api_refuses_what_the_served_schema_refuses_with_a_field_error(client, code, field, value):
    detail = client.get(f"/api/v1/matters/{code}").json()
    form = {k: p["examples"][0] for k, p in detail["form_schema"]["properties"].items() if not p.get("readOnly")}
    check = Draft202012Validator(detail["form_schema"], format_checker=form_validation.FORMAT_CHECKER)
    assert check.is_valid(form) and not check.is_valid({**form, field: value})
    user = "enterprise-demo" if code == "enterprise-realty-transfer" else "citizen-young"
    headers = {**bearer(client, user), "Idempotency-Key": str(uuid.uuid4()), "Accept-Language": "en"}
    r = client.post("/api/v1/applications", json={"matter_code": code, "form": {**form, field: value}},
                    headers=headers)
    assert r.status_code == 422, r.text
    assert list(r.json()["fields"]) == [field]
    assert r.json()["fields"][field] == form_validation.validate_form(code, {**form, field: value}, "en")[field]
    headers["Idempotency-Key"] = str(uuid.uuid4())
    r = client.post("/api/v1/applications", json={"matter_code": code, "form": form}, headers=headers)
    assert r.status_code == 201, r.text
