"""Write the shipped decision models (GoRules JDM) of the 32 auto-approval matters from their rule text.

Run `python scripts/build_decision_models.py` after changing a rule below; the JSON files in
app/services/approval/models/ are the defaults that `portal seed` loads as version 1 of each
model. Administrators then change models in the portal (new versions in the database).

Each model is one decision table (hit policy "collect": every row that fires is one unmet
condition) and one expression node that turns the fired rows into the verdict:
refer if any row refers (missing data, or a condition a person must judge), else deny if any
row fired (each deny row is marked definitive), else approve.
"""
from __future__ import annotations

import json
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "app" / "services" / "approval" / "models"
R, D = "refer", "deny"

# Sources each matter reads: name -> whether "no record" is itself a meaningful answer
# (e.g. an employer not yet registered has no social-security record). Read by the facts builder.
MISSING = {
    "population": ("人口库中没有您的记录，需人工核实", "The population register has no record of you; a person will check"),
    "social_security": ("社保库中没有您的记录，需人工核实", "The social insurance register has no record of you; a person will check"),
    "hpf": ("公积金库中没有账户记录，需人工核实", "No housing provident fund account was found; a person will check"),
    "tax": ("税务库中没有纳税记录，需人工核实", "The tax register has no record; a person will check"),
    "realty": ("不动产登记库暂无可用记录，需人工核实", "No property register record is available; a person will check"),
    "credit": ("公共信用信息库暂无可用记录，需人工核实", "No public credit record is available; a person will check"),
    "rep_credit": ("法定代表人的信用记录暂不可用，需人工核实", "The legal representative's credit record is not available; a person will check"),
    "legal_entity": ("法人库中没有该企业的记录，需人工核实", "The legal entity register has no record of the enterprise; a person will check"),
    "address": ("住所云中没有该地址，需人工核实", "The address is not in the address cloud; a person will check"),
    "deceased": ("人口库中没有逝者的记录，需人工核实", "The population register has no record of the deceased; a person will check"),
}


def row(field, cell, outcome, code, zh, en, definitive=None):
    return {"field": field, "cell": cell, "outcome": outcome, "code": code, "zh": zh, "en": en,
            "definitive": outcome == D if definitive is None else definitive}


HUKOU_DISTRICT = "'310104'"
MODELS: dict[str, dict] = {
    "newborn-hukou": {"sources": {"population": False}, "rows": [
        row("wallet.birth-medical-certificate", "$ != true", R, "no_birth_certificate",
            "证照夹中没有出生医学证明，需人工核对", "No medical birth certificate in the wallet; a person will check it"),
        row("population.hukou_district_code", f"$ != {HUKOU_DISTRICT}", R, "parent_not_district",
            "申请人户籍不在本区，需核实另一方父母的户籍", "The applicant is not registered in the district; the other parent's registration will be checked"),
        row("population.marital_status", "$ != 'married'", R, "not_married",
            "人口库未显示已婚，需人工核实申报情况", "The register does not show a marriage; a person will check the declaration"),
        row("days_since.child_birth_date", "> 365", D, "child_over_one",
            "子女已满1周岁，不属于新生儿出生登记", "The child is over one year old: this is not a newborn registration"),
        row("days_since.child_birth_date", "null", R, "no_birth_date",
            "未提供子女出生日期", "The child's date of birth is missing"),
    ]},
    "residence-registration": {"sources": {"population": False, "address": False, "realty": True}, "rows": [
        row("applicant.id_valid", "false", D, "id_invalid", "身份证号码校验不通过", "The ID number fails its check"),
        row("form.housing_type", "$ != 'own'", R, "tenancy_check",
            "租赁或借住须人工核对合同与地址", "A tenancy or lodging is checked against the address by a person"),
        row("derived.owns_address", "false", R, "ownership_mismatch",
            "不动产登记中您名下没有该地址的房屋，需人工核实", "No property at this address is registered in your name; a person will check"),
    ]},
    "unemployment-benefit": {"sources": {"social_security": False}, "rows": [
        row("social_security.contribution_months", "< 12", D, "contributions_short",
            "失业保险累计缴费不满12个月", "Less than 12 months of unemployment insurance contributions"),
        row("form.termination_reason", "'resigned'", D, "resigned",
            "本人辞职不属于非因本人意愿中断就业", "Resigning is not an involuntary end of employment"),
        row("social_security.receiving_pension", "true", D, "pension_paid",
            "已按月领取基本养老金", "A basic pension is already paid"),
        row("social_security.unemployment_registered", "$ != true", R, "not_registered_unemployed",
            "未查到失业登记记录，需人工核实", "No unemployment registration was found; a person will check"),
    ]},
    "flexible-employment": {"sources": {"population": False, "social_security": False}, "rows": [
        row("population.hukou_shanghai", "false", D, "no_shanghai_hukou",
            "不具有本市户籍", "No Shanghai household registration"),
        row("applicant.age", "< 16", D, "under_16", "未满16周岁", "Under 16 years of age"),
        row("applicant.years_to_retirement", "<= 0", D, "retirement_age",
            "已达到法定退休年龄", "Statutory retirement age already reached"),
        row("social_security.employment_status", "'employed'", D, "employed",
            "目前由参保单位雇用，应由单位参保", "Currently employed by an insured employer, who insures you"),
    ]},
    "social-security-card": {"sources": {"social_security": True}, "rows": [
        row("applicant.id_valid", "false", D, "id_invalid", "身份证号码校验不通过", "The ID number fails its check"),
        row("social_security.card_status", "'active'", D, "card_active",
            "您已有一张有效的社保卡", "You already hold an active social security card"),
        row("materials.complete", "$ != true", R, "photo_missing", "照片未通过检查，需人工核对",
            "The photo did not pass the check; a person will look at it"),
    ]},
    "social-security-card-reissue": {"sources": {"social_security": False}, "rows": [
        row("applicant.id_valid", "false", D, "id_invalid", "身份证号码校验不通过", "The ID number fails its check"),
        row("form.loss_reported", "$ != true", D, "not_reported",
            "社保卡尚未挂失，请先挂失再申请补领", "The card has not been reported lost: report it first, then apply"),
        row("social_security.card_status", "$ != 'active'", R, "no_card",
            "未查到已制发的社保卡，需人工核实", "No card issued to you was found; a person will check"),
    ]},
    "startup-subsidy": {"sources": {"legal_entity": False, "social_security": False}, "rows": [
        row("days_since.business_established_on", "> 1095", D, "over_three_years",
            "企业注册已满3年", "The business was registered more than 3 years ago"),
        row("derived.business_in_district", "false", D, "not_in_district",
            "企业不在本区注册", "The business is not registered in the district"),
        row("derived.is_legal_representative", "false", D, "not_legal_rep",
            "申请人不是该企业的法定代表人", "The applicant is not the business's legal representative"),
        row("legal_entity.status", "$ != 'active'", D, "not_operating", "企业不在正常经营状态",
            "The business is not operating"),
        row("social_security.contribution_months", "< 12", D, "insured_short",
            "社保缴费不满12个月", "Less than 12 months of social insurance contributions"),
        row("legal_entity.startup_subsidy_paid", "true", D, "paid_before",
            "该企业已领取过创业补贴", "The business has already received the start-up subsidy"),
    ]},
    "retirement-pension": {"sources": {"social_security": False}, "rows": [
        row("applicant.years_to_retirement", "> 0", D, "below_retirement_age",
            "尚未达到法定退休年龄", "Statutory retirement age not yet reached"),
        row("social_security.contribution_months", "< 180", D, "contributions_short",
            "累计缴费不满15年（180个月）", "Less than 15 years (180 months) of contributions"),
        row("social_security.receiving_pension", "true", D, "pension_paid",
            "已在领取基本养老金", "A basic pension is already paid"),
    ]},
    "maternity-benefit": {"sources": {"social_security": False}, "rows": [
        row("social_security.maternity_insured", "$ != true", D, "not_insured",
            "生育时未在本市参加生育保险", "Not insured for maternity in Shanghai at the birth"),
        row("social_security.continuous_months", "< 12", R, "continuity_short",
            "连续缴费月数不足12个月，需人工核定", "Fewer than 12 continuous months of contributions; a person will assess"),
        row("wallet.birth-medical-certificate", "$ != true", R, "no_birth_certificate",
            "证照夹中没有出生医学证明，需人工核对", "No medical birth certificate in the wallet; a person will check it"),
        row("social_security.maternity_claimed_children", "contains($ ?? [], form.child_name)", D, "claimed_before",
            "该子女的生育津贴已申领过", "Maternity benefit for this child has already been claimed"),
    ]},
    "resident-medical-insurance": {"sources": {"population": False, "social_security": True}, "rows": [
        row("derived.hukou_or_permit", "false", R, "no_hukou_or_permit",
            "未查到本市户籍或居住证，需人工核实", "No Shanghai household registration or residence permit was found; a person will check"),
        row("social_security.medical_insurance", "'employee'", D, "employee_insured",
            "已参加职工基本医疗保险", "Already enrolled in employees' basic medical insurance"),
    ]},
    "out-of-town-medical-filing": {"sources": {"social_security": False}, "rows": [
        row("social_security.insured", "$ != true", D, "not_insured", "未在本市参保", "Not insured in Shanghai"),
        row("form.destination_province", "'other'", R, "destination_check",
            "需人工确认就医地是否已接入跨省直接结算", "A person will confirm that the destination settles across provinces"),
    ]},
    "birth-registration": {"sources": {"population": False}, "rows": [
        row("applicant.id_valid", "false", D, "id_invalid", "身份证号码校验不通过", "The ID number fails its check"),
        row("population.marital_status", "$ != 'married'", R, "not_married",
            "人口库未显示已婚，需人工核实", "The register does not show a marriage; a person will check"),
        row("derived.spouse_matches", "false", R, "spouse_mismatch",
            "填写的配偶身份与人口库不一致，需人工核实", "The spouse entered differs from the register; a person will check"),
    ]},
    "single-child-reward": {"sources": {"population": False, "social_security": False}, "rows": [
        row("population.only_child_parent", "$ != true", R, "no_certificate_record",
            "未查到独生子女父母光荣证记录，需人工核对证件", "No only-child parents' certificate record; a person will check the certificate"),
        row("social_security.retired", "$ != true", D, "not_retired", "尚未办理退休", "Not yet retired"),
        row("population.only_child_reward_paid", "true", D, "paid_before",
            "一次性奖励已发放过", "The one-off reward has already been paid"),
    ]},
    "student-financial-aid": {"sources": {"population": False}, "rows": [
        row("derived.low_income_family", "false", R, "not_low_income",
            "未查到家庭低保或低收入记录，需人工核实", "No subsistence-allowance or low-income record; a person will check"),
        row("derived.school_in_district", "false", R, "school_check",
            "需人工核实学生是否在本区学校就读", "A person will check that the student attends a school in the district"),
    ]},
    "elderly-allowance": {"sources": {"population": False}, "rows": [
        row("applicant.age", "< 65", D, "under_65",
            "申请人未满65周岁（按身份证号码计算）", "The applicant is under 65 years of age (from the ID number)"),
        row("population.hukou_shanghai", "false", D, "no_shanghai_hukou", "不具有本市户籍",
            "No Shanghai household registration"),
        row("population.hukou_years", "< 1", D, "hukou_under_one_year",
            "本市户籍不满1年", "Registered in Shanghai for less than 1 year"),
        row("population.alive", "false", D, "not_alive", "人口库登记为已死亡", "Recorded as deceased in the population register"),
        row("population.receiving_elderly_allowance", "true", D, "already_receiving",
            "已在领取老年综合津贴", "The elderly allowance is already paid"),
    ]},
    "disability-living-subsidy": {"sources": {"population": False}, "rows": [
        row("derived.has_disability_certificate", "false", R, "no_certificate",
            "证照夹和人口库中没有有效残疾人证，需人工核对", "No valid disability certificate in the wallet or register; a person will check"),
        row("derived.low_income_family", "false", D, "not_low_income",
            "家庭不在低保或低收入名册中", "The family is not on the subsistence-allowance or low-income register"),
    ]},
    "funeral-fee-waiver": {"sources": {"deceased": False}, "rows": [
        row("deceased.alive", "$ != false", R, "death_not_recorded",
            "人口库尚未登记死亡，需人工核实", "The death is not yet recorded in the population register; a person will check"),
        row("deceased.hukou_shanghai", "false", D, "no_shanghai_hukou", "逝者不具有本市户籍",
            "The deceased did not hold a Shanghai household registration"),
        row("deceased.funeral_waiver_granted", "true", D, "granted_before",
            "该逝者的基本殡葬服务费用已减免过", "The basic funeral fees of the deceased have already been waived"),
    ]},
    "veteran-card": {"sources": {"population": False}, "rows": [
        row("population.veteran", "$ != true", R, "not_in_register",
            "未在本区退役军人名册中查到，需人工核实", "Not found in the district's veterans register; a person will check"),
        row("population.veteran_card_issued", "true", D, "issued_before", "已制发过优待证",
            "A veteran card has already been issued"),
    ]},
    "hpf-withdrawal-rent": {"sources": {"hpf": False, "realty": False}, "rows": [
        row("hpf.contribution_months", "< 3", D, "contributions_short",
            "公积金连续缴存不满3个月", "Fewer than 3 months of provident fund deposits"),
        row("hpf.account_status", "$ != 'active'", R, "account_not_active",
            "公积金账户不在正常缴存状态，需人工核实", "The provident fund account is not active; a person will check"),
        row("realty.owns_home_shanghai", "true", D, "owns_home", "本市有自有住房",
            "You own a home in Shanghai"),
        row("derived.within_monthly_limit", "false", D, "over_limit",
            "提取金额超过当月可提取限额", "The amount exceeds this month's withdrawal limit"),
    ]},
    "hpf-withdrawal-retirement": {"sources": {"social_security": False, "hpf": False}, "rows": [
        row("social_security.retired", "$ != true", D, "not_retired", "社保库未登记退休", "No retirement is recorded"),
        row("hpf.balance", "<= 0", D, "no_balance", "公积金账户没有余额", "The provident fund account has no balance"),
    ]},
    "realty-record-query": {"sources": {"realty": False}, "rows": [
        row("derived.owns_address", "false", R, "authorisation_check",
            "查询的房屋不在您名下，需人工核对授权", "The property is not registered in your name; a person will check the authorisation"),
    ]},
    "driving-licence-renewal": {"sources": {"credit": False}, "rows": [
        row("days_since.licence_expiry_date", "< -90", D, "too_early",
            "驾驶证有效期满前90日内方可申请换证", "A licence can be renewed only within 90 days of its expiry"),
        row("days_since.licence_expiry_date", "> 365", R, "long_expired",
            "驾驶证已过期超过1年，需人工审核", "The licence expired more than a year ago; a person will review"),
        row("form.health_declaration", "$ != true", D, "no_health_declaration",
            "未作身体条件申报", "No health declaration was made"),
        row("credit.serious_violation", "true", R, "violations",
            "有未处理的违法记录，需人工核实", "There are unprocessed violations; a person will check"),
    ]},
    "art-business-filing": {"sources": {"legal_entity": False, "rep_credit": False}, "rows": [
        row("legal_entity.status", "$ != 'active'", D, "licence_inactive", "营业执照不在有效状态",
            "The business licence is not active"),
        row("derived.scope_has", "false", D, "scope_missing", "经营范围不含艺术品经营",
            "The business scope does not include art trading"),
        row("rep_credit.dishonest", "true", D, "rep_dishonest", "法定代表人被列入失信名单",
            "The legal representative is on the dishonesty list"),
    ]},
    "company-establishment": {"sources": {"address": False, "rep_credit": False}, "rows": [
        row("derived.name_ok", "false", R, "name_check", "名称未通过自主申报比对，需人工核实",
            "The name did not pass the self-declaration check; a person will check"),
        row("address.registrable", "$ != true", D, "address_not_registrable",
            "该地址在住所云中不可登记为企业住所", "The address cannot be registered as business premises per the address cloud"),
        row("rep_credit.dishonest", "true", D, "rep_dishonest", "法定代表人被列入失信名单",
            "The legal representative is on the dishonesty list"),
    ]},
    "company-simple-deregistration": {"sources": {"tax": False}, "rows": [
        row("form.has_debts", "true", D, "has_debts", "企业有未清偿债务，不适用简易注销",
            "The company has debts: simplified deregistration does not apply"),
        row("days_since.notice_start_date", "< 20", D, "notice_running", "20日公告期尚未届满",
            "The 20-day public notice period has not ended"),
        row("tax.arrears", "> 0", D, "arrears", "有欠税", "Taxes are in arrears"),
        row("tax.unfiled_returns", "> 0", D, "unfiled_returns", "有未申报的纳税申报", "Tax returns are unfiled"),
        row("form.has_pending_penalties", "true", D, "pending_penalties", "有未结案的行政处罚",
            "Administrative penalties are pending"),
    ]},
    "food-business-licence": {"sources": {"legal_entity": False, "address": False, "credit": False}, "rows": [
        row("form.commitment_signed", "$ != true", D, "no_commitment", "未签署告知承诺书",
            "The notification-and-commitment pledge is not signed"),
        row("legal_entity.status", "$ != 'active'", D, "licence_inactive", "营业执照不在有效状态",
            "The business licence is not active"),
        row("address.verified", "$ != true", R, "premises_unverified", "经营场所地址未核验，需现场核查",
            "The premises address is not verified; a site visit will check it"),
        row("credit.food_safety_revocation_5y", "true", D, "revoked_recently",
            "5年内被吊销过食品经营许可证", "A food business licence was revoked within the last 5 years"),
    ]},
    "medical-device-filing": {"sources": {"legal_entity": False, "address": False}, "rows": [
        row("legal_entity.status", "$ != 'active'", D, "licence_inactive", "营业执照不在有效状态",
            "The business licence is not active"),
        row("derived.scope_has", "false", D, "scope_missing", "经营范围不含第二类医疗器械销售",
            "The business scope does not include class II medical device sales"),
        row("derived.quality_manager_named", "false", R, "no_quality_manager", "未指定质量负责人",
            "No quality manager is named"),
        row("address.verified", "$ != true", R, "premises_unverified", "经营场所地址未核验，需现场核查",
            "The premises address is not verified; a site visit will check it"),
    ]},
    "invoice-application": {"sources": {"tax": False}, "rows": [
        row("tax.taxpayer_status", "$ != 'normal'", D, "taxpayer_abnormal", "纳税人状态不正常",
            "The taxpayer is not in normal status"),
        row("tax.unfiled_returns", "> 0", D, "unfiled_returns", "有未申报的纳税申报", "Tax returns are unfiled"),
        row("derived.within_invoice_limit", "false", R, "over_limit", "申领数量超过核定限额，需人工审核",
            "The quantity exceeds the approved limit; a person will review"),
    ]},
    "tax-clearance": {"sources": {"tax": False}, "rows": [
        row("tax.arrears", "> 0", D, "arrears", "有欠税", "Taxes are in arrears"),
        row("tax.unfiled_returns", "> 0", D, "unfiled_returns", "有未申报的纳税申报", "Tax returns are unfiled"),
        row("tax.unused_invoices", "> 0", D, "unused_invoices", "有未缴销的发票", "Unused invoices are outstanding"),
    ]},
    "vat-credit-refund": {"sources": {"tax": False}, "rows": [
        row("tax.credit_rating", "$ != 'A' and $ != 'B'", D, "rating", "纳税信用等级不是A级或B级",
            "The tax credit rating is not A or B"),
        row("tax.fraud_record_36m", "true", D, "fraud", "36个月内有骗税记录", "A tax fraud record within 36 months"),
        row("tax.credit_months_above_threshold", "< 6", D, "credit_short",
            "增量留抵税额连续6个月大于门槛的条件不满足", "The incremental credit was not above the threshold for 6 months"),
    ]},
    "employer-social-insurance": {"sources": {"legal_entity": False, "social_security": True}, "rows": [
        row("legal_entity.status", "$ != 'active'", D, "licence_inactive", "营业执照不在有效状态",
            "The business licence is not active"),
        row("social_security.employer_registered", "true", D, "registered_before", "已办理过单位参保登记",
            "The employer is already registered for social insurance"),
    ]},
    "employer-hpf-registration": {"sources": {"legal_entity": False, "hpf": True}, "rows": [
        row("legal_entity.status", "$ != 'active'", D, "licence_inactive", "营业执照不在有效状态",
            "The business licence is not active"),
        row("hpf.employer_registered", "true", D, "registered_before", "已办理过单位公积金缴存登记",
            "The employer is already registered for the housing provident fund"),
    ]},
}

VERDICT = [
    ("outcome", "some(checks, #.outcome == 'refer' or not #.definitive) ? 'refer' : "
                "(len(checks) > 0 ? 'deny' : 'approve')"),
    ("definitive", "len(checks) > 0 and all(checks, #.outcome == 'deny' and #.definitive)"),
    ("reasons", "map(checks, #.reason)"),
]


def build(code: str, spec: dict) -> dict:
    rows = []
    for source, absence_ok in spec["sources"].items():
        zh, en = MISSING[source]
        cell = "'unavailable'" if absence_ok else "'not_found', 'unavailable'"
        rows.append(row(f"sources.{source}", cell, R, f"missing_{source}", zh, en, definitive=False))
    rows += spec["rows"]
    fields = list(dict.fromkeys(r["field"] for r in rows))
    inputs = [{"id": f"in{i}", "name": f, "field": f} for i, f in enumerate(fields)]
    outputs = [{"id": "outcome", "name": "结果 outcome", "field": "outcome"},
               {"id": "definitive", "name": "确定 definitive", "field": "definitive"},
               {"id": "code", "name": "代码 code", "field": "reason.code"},
               {"id": "zh", "name": "理由 reason (zh)", "field": "reason.zh"},
               {"id": "en", "name": "reason (en)", "field": "reason.en"}]
    table_rows = []
    for n, r in enumerate(rows, 1):
        cells = {f"in{i}": (r["cell"] if f == r["field"] else "") for i, f in enumerate(fields)}
        table_rows.append({"_id": f"r{n}", **cells, "outcome": json.dumps(r["outcome"]),
                           "definitive": "true" if r["definitive"] else "false", "code": json.dumps(r["code"]),
                           "zh": json.dumps(r["zh"], ensure_ascii=False), "en": json.dumps(r["en"])})
    return {
        "contentType": "application/vnd.gorules.decision",
        "nodes": [
            {"id": "facts", "type": "inputNode", "name": "facts", "position": {"x": 0, "y": 100}},
            {"id": "checks", "type": "decisionTableNode", "name": "checks", "position": {"x": 260, "y": 100},
             "content": {"hitPolicy": "collect", "outputPath": "checks", "passThrough": True,
                         "inputs": inputs, "outputs": outputs, "rules": table_rows}},
            {"id": "verdict", "type": "expressionNode", "name": "verdict", "position": {"x": 560, "y": 100},
             "content": {"expressions": [{"id": k, "key": k, "value": v} for k, v in VERDICT]}},
            {"id": "decision", "type": "outputNode", "name": "decision", "position": {"x": 820, "y": 100}},
        ],
        "edges": [
            {"id": "e1", "sourceId": "facts", "targetId": "checks", "type": "edge"},
            {"id": "e2", "sourceId": "checks", "targetId": "verdict", "type": "edge"},
            {"id": "e3", "sourceId": "verdict", "targetId": "decision", "type": "edge"},
        ],
        "metadata": {"matter_code": code, "sources": spec["sources"]},
    }


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for code, spec in MODELS.items():
        path = OUT / f"{code}.json"
        path.write_text(json.dumps(build(code, spec), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(MODELS)} models to {OUT}")


if __name__ == "__main__":
    main()
