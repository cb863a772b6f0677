"""Each shipped decision model, from its rule text: one qualifying case, one that fails a rule,
one with the data missing (never an automatic denial)."""
from __future__ import annotations

import copy

import pytest

from app.services.approval import engine
from app.services.approval.service import judge

MODELS = engine.shipped_models()
ADULT = {"id_valid": True, "age": 40, "sex": "male", "retirement_age": 60, "years_to_retirement": 20}
ACTIVE_LE = {"status": "active", "business_scope": ["art-trading", "medical-device-2"]}
TAX_OK = {"taxpayer_status": "normal", "arrears": 0, "unfiled_returns": 0, "unused_invoices": 0, "credit_rating": "A",
          "fraud_record_36m": False, "credit_months_above_threshold": 8, "invoice_monthly_limit": 50}

# matter: (facts of a qualifying applicant, change that fails one rule, expected outcome of that change)
CASES = {
    "newborn-hukou": ({"wallet": {"birth-medical-certificate": True},
                       "population": {"hukou_district_code": "310104", "marital_status": "married"},
                       "days_since": {"child_birth_date": 30}},
                      {"days_since": {"child_birth_date": 400}}, "deny"),
    "residence-registration": ({"form": {"housing_type": "own"}, "derived": {"owns_address": True},
                                "population": {}, "address": {}, "realty": {}},
                               {"applicant": {"id_valid": False}}, "deny"),
    "unemployment-benefit": ({"social_security": {"contribution_months": 24, "unemployment_registered": True,
                                                  "receiving_pension": False},
                              "form": {"termination_reason": "dismissed"}},
                             {"form": {"termination_reason": "resigned"}}, "deny"),
    "flexible-employment": ({"population": {"hukou_shanghai": True},
                             "social_security": {"employment_status": "unemployed"}},
                            {"social_security": {"employment_status": "employed"}}, "deny"),
    "social-security-card": ({"social_security": {"card_status": "none"}, "materials": {"complete": True}},
                             {"social_security": {"card_status": "active"}}, "deny"),
    "social-security-card-reissue": ({"form": {"loss_reported": True}, "social_security": {"card_status": "active"}},
                                     {"form": {"loss_reported": False}}, "deny"),
    "startup-subsidy": ({"days_since": {"business_established_on": 400}, "legal_entity": {"status": "active"},
                         "derived": {"business_in_district": True, "is_legal_representative": True},
                         "social_security": {"contribution_months": 14}},
                        {"days_since": {"business_established_on": 1500}}, "deny"),
    "retirement-pension": ({"applicant": {"age": 61, "years_to_retirement": -1},
                            "social_security": {"contribution_months": 200, "receiving_pension": False}},
                           {"social_security": {"contribution_months": 170}}, "deny"),
    "maternity-benefit": ({"social_security": {"maternity_insured": True, "continuous_months": 20},
                           "wallet": {"birth-medical-certificate": True}, "form": {"child_name": "李沐阳"}},
                          {"social_security": {"maternity_insured": False}}, "deny"),
    "resident-medical-insurance": ({"derived": {"hukou_or_permit": True}, "population": {},
                                    "social_security": {"medical_insurance": "resident"}},
                                   {"social_security": {"medical_insurance": "employee"}}, "deny"),
    "out-of-town-medical-filing": ({"social_security": {"insured": True}, "form": {"destination_province": "jiangsu"}},
                                   {"form": {"destination_province": "other"}}, "refer"),
    "birth-registration": ({"population": {"marital_status": "married"}, "derived": {"spouse_matches": True}},
                           {"applicant": {"id_valid": False}}, "deny"),
    "single-child-reward": ({"population": {"only_child_parent": True, "only_child_reward_paid": False},
                             "social_security": {"retired": True}},
                            {"population": {"only_child_parent": True, "only_child_reward_paid": True}}, "deny"),
    "student-financial-aid": ({"population": {}, "derived": {"low_income_family": True, "school_in_district": True}},
                              {"derived": {"low_income_family": False}}, "refer"),
    "elderly-allowance": ({"applicant": {"age": 70}, "population": {
        "hukou_shanghai": True, "hukou_years": 40, "alive": True, "receiving_elderly_allowance": False}},
                          {"applicant": {"age": 30}}, "deny"),
    "disability-living-subsidy": ({"population": {}, "derived": {"has_disability_certificate": True,
                                                                 "low_income_family": True}},
                                  {"derived": {"low_income_family": False}}, "deny"),
    "funeral-fee-waiver": ({"deceased": {"alive": False, "hukou_shanghai": True}},
                           {"deceased": {"alive": False, "hukou_shanghai": False}}, "deny"),
    "veteran-card": ({"population": {"veteran": True}}, {"population": {"veteran": True, "veteran_card_issued": True}},
                     "deny"),
    "hpf-withdrawal-rent": ({"hpf": {"contribution_months": 24, "account_status": "active"},
                             "realty": {"owns_home_shanghai": False}, "derived": {"within_monthly_limit": True}},
                            {"realty": {"owns_home_shanghai": True}}, "deny"),
    "hpf-withdrawal-retirement": ({"social_security": {"retired": True}, "hpf": {"balance": 1000}},
                                  {"hpf": {"balance": 0}}, "deny"),
    "realty-record-query": ({"realty": {}, "derived": {"owns_address": True}}, {"derived": {"owns_address": False}},
                            "refer"),
    "driving-licence-renewal": ({"days_since": {"licence_expiry_date": -30}, "form": {"health_declaration": True},
                                 "credit": {"serious_violation": False}},
                                {"days_since": {"licence_expiry_date": -200}}, "deny"),
    "art-business-filing": ({"legal_entity": ACTIVE_LE, "derived": {"scope_has": True},
                             "rep_credit": {"dishonest": False}},
                            {"rep_credit": {"dishonest": True}}, "deny"),
    "company-establishment": ({"derived": {"name_ok": True}, "address": {"registrable": True},
                               "rep_credit": {"dishonest": False}},
                              {"address": {"registrable": False}}, "deny"),
    "company-simple-deregistration": ({"form": {"has_debts": False, "has_pending_penalties": False},
                                       "days_since": {"notice_start_date": 25}, "tax": TAX_OK},
                                      {"days_since": {"notice_start_date": 10}}, "deny"),
    "food-business-licence": ({"form": {"commitment_signed": True}, "legal_entity": ACTIVE_LE,
                               "address": {"verified": True}, "credit": {"food_safety_revocation_5y": False}},
                              {"credit": {"food_safety_revocation_5y": True}}, "deny"),
    "medical-device-filing": ({"legal_entity": ACTIVE_LE, "derived": {"scope_has": True, "quality_manager_named": True},
                               "address": {"verified": True}},
                              {"derived": {"scope_has": False}}, "deny"),
    "invoice-application": ({"tax": TAX_OK, "derived": {"within_invoice_limit": True}},
                            {"tax": {**TAX_OK, "taxpayer_status": "abnormal"}}, "deny"),
    "tax-clearance": ({"tax": TAX_OK}, {"tax": {**TAX_OK, "arrears": 1200.0}}, "deny"),
    "vat-credit-refund": ({"tax": TAX_OK}, {"tax": {**TAX_OK, "credit_rating": "C"}}, "deny"),
    "employer-social-insurance": ({"legal_entity": ACTIVE_LE, "social_security": None,
                                   "sources": {"social_security": "not_found"}},
                                  {"social_security": {"employer_registered": True},
                                   "sources": {"social_security": "found"}}, "deny"),
    "employer-hpf-registration": ({"legal_entity": ACTIVE_LE, "hpf": None, "sources": {"hpf": "not_found"}},
                                  {"hpf": {"employer_registered": True}, "sources": {"hpf": "found"}}, "deny"),
}


def facts(code: str, patch: dict) -> dict:
    base = {"matter": code, "form": {}, "applicant": dict(ADULT), "days_since": {}, "wallet": {}, "derived": {},
            "materials": {"complete": True},
            "sources": {s: "found" for s in engine.sources(MODELS[code])}}
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **copy.deepcopy(value)}
        else:
            base[key] = copy.deepcopy(value)
    return base


def test_every_auto_matter_has_a_case_and_a_model():
    assert set(CASES) == set(MODELS) and len(MODELS) == 32


@pytest.mark.parametrize("code", sorted(CASES))
def test_qualifying_applicant_is_approved(code):
    verdict = judge(MODELS[code], facts(code, CASES[code][0]))
    assert verdict["outcome"] == "approve", verdict["reasons"]
    assert verdict["reasons"] == []


@pytest.mark.parametrize("code", sorted(CASES))
def test_failing_one_rule_is_denied_or_referred_with_a_reason(code):
    good, change, expected = CASES[code]
    merged = facts(code, good)
    for key, value in change.items():
        merged[key] = {**merged[key], **value} if isinstance(value, dict) and isinstance(merged.get(key), dict) \
            else value
    verdict = judge(MODELS[code], merged)
    assert verdict["outcome"] == expected, verdict["reasons"]
    assert verdict["definitive"] is (expected == "deny")
    assert verdict["reasons"] and all(r["zh"] and r["en"] for r in verdict["reasons"])
    assert verdict["fired"], "the rows that fired are part of the trace"


@pytest.mark.parametrize("code", sorted(CASES))
def test_missing_data_is_referred_never_denied(code):
    good, change, _ = CASES[code]
    merged = facts(code, good)
    for key, value in change.items():  # even an applicant who fails a rule...
        merged[key] = {**merged[key], **value} if isinstance(value, dict) and isinstance(merged.get(key), dict) \
            else value
    for source in engine.sources(MODELS[code]):  # ...is referred when the data exchange is down
        merged["sources"][source] = "unavailable"
        merged[source] = None
    verdict = judge(MODELS[code], merged)
    assert verdict["outcome"] == "refer", verdict["reasons"]
    assert any(r["code"].startswith("missing_") for r in verdict["reasons"])
