"""Forms, JSON Schemas and personal guides of the catalogue (pure, no database); validation is in
test_form_validation.py."""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from app.matters import content

DATA = Path(__file__).resolve().parents[1] / "data"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _reference_codes(kind: str) -> list[str]:
    with open(DATA / "reference_catalogue.tsv", encoding="utf-8") as fh:
        return [r["code"] for r in csv.DictReader(fh, delimiter="\t") if r["kind"] == kind]


MATTERS = _reference_codes("matter")
BUNDLES = _reference_codes("bundle")
CATALOGUE = content.catalogue()
HIGH_FREQ = [c for c, m in CATALOGUE["matters"].items() if m["high_freq"]]


def _materials(code: str) -> list[tuple[str, str]]:
    if code in CATALOGUE["bundles"]:
        return [tuple(m[:2]) for c in CATALOGUE["bundles"][code]["matters"] for m in CATALOGUE["matters"][c]["materials"]]
    return [tuple(m[:2]) for m in CATALOGUE["matters"][code]["materials"]]


# ----------------------------------------------------------------------------- forms
def test_every_reference_matter_has_a_form_and_no_form_is_orphaned():
    assert len(MATTERS) == 76
    forms = content.load_forms()
    assert sorted(forms) == sorted(MATTERS)


def test_catalogue_matters_and_bundles_have_descriptions_in_both_languages():
    for item in [*CATALOGUE["matters"].values(), *CATALOGUE["bundles"].values()]:
        assert CJK.search(item.get("description", "")), item["code"]
        assert item.get("description_en") and not CJK.search(item["description_en"]), item["code"]
    assert any(m.get("faq") for m in CATALOGUE["matters"].values())
    for m in CATALOGUE["matters"].values():
        for qa in m.get("faq", []):
            assert qa["q"] and qa["a"]


@pytest.mark.parametrize("code", MATTERS)
def test_form_has_three_to_ten_fields_with_examples(code):
    fields = content.form_fields(code)
    assert 3 <= len(fields) <= 10
    for f in fields:
        assert f.examples, f.name
        assert f.label and f.label_en, f.name


def test_schema_marks_prefilled_fields_read_only_and_not_required():
    schema = content.form_json_schema("elderly-allowance")
    props = schema["properties"]
    assert props["birth_date"]["readOnly"] is True
    assert props["birth_date"]["x-prefill"] == "population.birth_date"
    assert props["birth_date"]["format"] == "date"
    assert props["applicant_id_number"]["x-prefill"] == "profile.id_number"
    assert "birth_date" not in schema["required"] and "applicant_name" not in schema["required"]
    assert "bank_account" in schema["required"]
    assert props["bank_account"]["examples"][0] == "6222021001012345678"
    assert schema["title"] == "老年综合津贴申请"
    en = content.form_json_schema("elderly-allowance", "en")
    assert en["properties"]["bank_account"]["title"] == "Bank card number"
    assert en["title"] == "Comprehensive allowance for the elderly"


def test_schema_of_enum_carries_values_and_labels():
    prop = content.form_json_schema("company-establishment")["properties"]["business_scope"]
    assert "software" in prop["enum"] and len(prop["enum"]) == len(prop["x-enum-labels"])
    assert prop["x-enum-labels"][prop["enum"].index("software")] == "软件开发"


def test_unknown_matter_has_no_form():
    with pytest.raises(content.FormNotFound):
        content.form_json_schema("no-such-matter")


# ----------------------------------------------------------------------------- guides
def test_guides_exist_for_every_high_frequency_matter_and_bundle_and_are_consistent():
    assert len(HIGH_FREQ) == 16 and len(BUNDLES) == 6
    guides = content.load_guides()
    assert set(HIGH_FREQ) | set(BUNDLES) <= set(guides)
    assert content.check_guides() == []
    for code in [*HIGH_FREQ, *BUNDLES]:
        g = guides[code]
        assert g["summary"] and g["summary_en"] and g["questions"] and g["rules"] and g["steps"]
        assert g["default_channel"] in content.CHANNELS


@pytest.mark.parametrize("code", [c for c, m in CATALOGUE["matters"].items() if m["high_freq"]] + list(CATALOGUE["bundles"]))
def test_every_guide_rule_changes_the_checklist(code):
    guide = content.load_guides()[code]
    baseline = content.personal_checklist(code, {}, _materials(code))
    for rule in guide["rules"]:
        answers = {k: (v[0] if isinstance(v, list) else v) for k, v in rule["when"].items()}
        assert content.personal_checklist(code, answers, _materials(code)) != baseline, (code, rule["when"])


def test_checklist_applies_materials_channel_and_notes():
    mats = _materials("residence-registration")
    own = content.personal_checklist("residence-registration", {"housing": "own"}, mats)
    names = [m["name"] for m in own["materials"]]
    assert "租赁合同或产权证明" not in names and "不动产权证书" in names
    assert next(m for m in own["materials"] if m["name"] == "不动产权证书")["exempt"] is True
    assert own["channel"] == "online" and own["notes"]
    agent = content.personal_checklist("residence-permit", {"agent": "agent", "reason": "study"},
                                       _materials("residence-permit"))
    assert agent["channel"] == "window"
    assert {"代办人身份证", "在读证明"} <= {m["name"] for m in agent["materials"]}
    assert "就业或就读证明" not in {m["name"] for m in agent["materials"]}


def test_bundle_rules_skip_matters_and_their_materials():
    mats = _materials("home-purchase-bundle")
    cash = content.personal_checklist("home-purchase-bundle", {"loan": "none"}, mats)
    assert cash["skip_matters"] == ["realty-mortgage", "hpf-loan"]
    names = [m["name"] for m in cash["materials"]]
    assert "抵押合同" not in names and "公积金账户" not in names
    assert names.count("不动产权证书") == 1  # shared by transfer and mortgage, asked once
    newborn = content.personal_checklist("newborn-bundle", {"parents_hukou": "none", "maternity_insured": "no"},
                                         _materials("newborn-bundle"))
    assert set(newborn["skip_matters"]) == {"newborn-hukou", "resident-medical-insurance", "maternity-benefit"}


def test_matters_without_a_written_guide_get_a_generated_one():
    assert "temporary-assistance" not in content.load_guides()
    mats = _materials("temporary-assistance")
    plain = content.personal_checklist("temporary-assistance", {}, mats)
    assert plain["channel"] == "online"
    assert [m["name"] for m in plain["materials"]] == [n for n, _ in mats]
    assert any("困难情况说明" in s["text"] for s in plain["steps"])
    agent = content.personal_checklist("temporary-assistance", {"agent": "agent"}, mats)
    assert "授权委托书" in {m["name"] for m in agent["materials"]}
    # a matter that cannot be done online is sent to a booked window visit
    assert content.guide_for("marriage-registration", _materials("marriage-registration"))["default_channel"] == "appointment"
