"""Synthetic but consistent government records for a simulated district.

`synthesize_person` and `synthesize_enterprise` return ``{source: payload}`` for one subject:
the same person appears with the same ID number, name and employer in every source, and an
enterprise's legal representative is a real synthesized person. Payload field names are the
ones `forms.yaml` pre-fills from (``prefill: SOURCE.FIELD``) and auto-approval rules read.
"""
from __future__ import annotations

import random
import unicodedata
from datetime import date, timedelta
from typing import Any

from faker import Faker

from app.core.clock import china_today
from app.identity.validation import id_check_digit, uscc_check_char

# GB 11643 / GB 32100 check characters come from app.identity.validation.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714 organisation code

DISTRICT_CODE = "310104"
DISTRICT_NAME = "徐汇区"
SHANGHAI_DISTRICTS = {
    "310101": "黄浦区", "310104": "徐汇区", "310105": "长宁区", "310106": "静安区", "310107": "普陀区",
    "310109": "虹口区", "310110": "杨浦区", "310112": "闵行区", "310113": "宝山区", "310115": "浦东新区",
}
# where people holding a residence permit come from (Yangtze River Delta and beyond)
OTHER_REGIONS = {
    "320102": "江苏省南京市玄武区", "330106": "浙江省杭州市西湖区", "340104": "安徽省合肥市蜀山区",
    "410105": "河南省郑州市金水区", "420106": "湖北省武汉市武昌区", "510107": "四川省成都市武侯区",
    "360102": "江西省南昌市东湖区", "370102": "山东省济南市历下区",
}
ROADS = ["漕溪北路", "虹桥路", "肇嘉浜路", "衡山路", "天钥桥路", "宜山路", "田林路", "钦州路",
         "龙华中路", "斜土路", "中山西路", "桂林路", "漕宝路", "虹梅路", "凯旋路", "华山路"]
STREETS = ["徐家汇街道", "天平路街道", "湖南路街道", "枫林路街道", "长桥街道", "田林街道",
           "虹梅路街道", "康健新村街道", "斜土路街道", "漕河泾街道", "凌云路街道", "龙华街道", "华泾镇"]
PARKS = ["漕河泾开发区", "徐汇滨江", "徐家汇商圈", "华泾园区", "枫林生命健康园区"]

# standard business-scope list (企业经营范围规范表述), codes used by forms.yaml `business_scope`
BUSINESS_SCOPES = {
    "software": "软件开发",
    "tech-service": "技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广",
    "consulting": "企业管理咨询",
    "catering": "餐饮服务",
    "food-retail": "食品销售",
    "retail": "日用百货销售",
    "advertising": "广告设计、代理",
    "art-trading": "艺术品经营",
    "medical-device-2": "第二类医疗器械销售",
    "travel": "旅行社服务",
    "performance": "营业性演出",
    "childcare": "托育服务",
    "construction": "建设工程施工",
    "medical": "医疗服务",
}
ENTERPRISE_TYPES = ["有限责任公司（自然人投资或控股）", "有限责任公司（自然人独资）", "股份有限公司（非上市）"]
NAME_WORDS = ["星河", "云启", "汇智", "衡川", "梧桐", "远帆", "嘉禾", "明澜", "拓维", "青枫", "锦程", "瑞丰",
              "知行", "正元", "博远", "沐光", "和煦", "弘毅", "新禾", "澄源"]
INDUSTRY_WORDS = {"software": "科技", "tech-service": "信息技术", "consulting": "企业管理咨询", "catering": "餐饮管理",
                  "food-retail": "食品", "retail": "商贸", "advertising": "文化传播", "art-trading": "艺术品",
                  "medical-device-2": "医疗器械", "travel": "国际旅行社", "performance": "演艺",
                  "childcare": "托育服务", "construction": "建设工程", "medical": "门诊部"}


# ----------------------------------------------------------------------------- identifiers
def make_id_number(area_code: str, born: date, sequence: int) -> str:
    """A GB 11643 ID number; the sequence's parity is the sex (odd male, even female)."""
    body = f"{area_code}{born:%Y%m%d}{sequence % 1000:03d}"
    return body + id_check_digit(body)


def _org_code(rng: random.Random) -> str:
    """A GB 11714 organisation code (8 characters + check), in the USCC alphabet."""
    body = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
    values = [int(c) if c.isdigit() else ord(c) - 55 for c in body]
    check = 11 - sum(v * w for v, w in zip(values, _ORG_WEIGHTS)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def make_uscc(rng: random.Random, area_code: str = DISTRICT_CODE) -> str:
    """A GB 32100 unified social credit code of an enterprise (91 = AMR-registered company)."""
    code = _org_code(rng)
    if "X" in code[-1:]:  # X is not in the USCC alphabet: draw again
        return make_uscc(rng, area_code)
    body = f"91{area_code}{code}"
    return body + uscc_check_char(body)


def address_key(address: str) -> str:
    """Normalised address used as the address-cloud subject key (full-width → half-width, no spaces)."""
    return "".join(unicodedata.normalize("NFKC", address or "").split())


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _months_between(start: date, end: date) -> int:
    return max(0, (end.year - start.year) * 12 + end.month - start.month)


def _residential_address(rng: random.Random) -> str:
    return (f"上海市{DISTRICT_NAME}{rng.choice(ROADS)}{rng.randint(1, 1200)}弄"
            f"{rng.randint(1, 40)}号{rng.randint(1, 24)}0{rng.randint(1, 4)}室")


def _business_address(rng: random.Random) -> str:
    return (f"上海市{DISTRICT_NAME}{rng.choice(ROADS)}{rng.randint(1, 2000)}号"
            f"{rng.randint(1, 30)}层{rng.randint(1, 30):02d}室")


# ----------------------------------------------------------------------------- persons
def synthesize_person(
    rng: random.Random,
    faker: Faker | None = None,
    *,
    today: date | None = None,
    age: int | None = None,
    sex: str | None = None,
    shanghai_hukou: bool | None = None,
    employer: dict[str, Any] | None = None,
) -> dict[str, dict[str, Any]]:
    """Records of one synthetic resident of the district: ``{source: payload}``.

    Always population, social-security and credit; hpf, tax and realty when they apply.
    `employer` is a legal-entity payload to employ the person (else a synthetic one is named).
    """
    faker = faker or Faker("zh_CN")
    faker.seed_instance(rng.getrandbits(32))
    today = today or china_today()
    age = age if age is not None else rng.choices(
        [rng.randint(18, 34), rng.randint(35, 59), rng.randint(60, 95)], weights=[40, 40, 20])[0]
    sex = sex or rng.choice(["male", "female"])
    born = today - timedelta(days=age * 365 + age // 4 + rng.randint(1, 360))
    shanghai_hukou = (rng.random() < 0.7) if shanghai_hukou is None else shanghai_hukou
    area = DISTRICT_CODE if shanghai_hukou and rng.random() < 0.8 else (
        rng.choice(list(SHANGHAI_DISTRICTS)) if shanghai_hukou else rng.choice(list(OTHER_REGIONS)))
    sequence = rng.randrange(1, 999, 2) if sex == "male" else rng.randrange(2, 999, 2)
    id_number = make_id_number(area, born, sequence)
    name = faker.name_male() if sex == "male" else faker.name_female()
    home = _residential_address(rng)
    real_age = age_on(born, today)

    marital = "unmarried"
    if real_age >= 22:
        marital = rng.choices(["unmarried", "married", "divorced", "widowed"],
                              weights=[max(5, 60 - real_age * 2), 70, 8, max(0, real_age - 60)])[0]
    spouse_name = spouse_id = marriage_date = None
    if marital == "married":
        s_sex = "female" if sex == "male" else "male"
        s_born = born + timedelta(days=rng.randint(-1500, 1500))
        s_born = min(s_born, today - timedelta(days=20 * 366))
        spouse_id = make_id_number(area if rng.random() < 0.7 else rng.choice(list(SHANGHAI_DISTRICTS)), s_born,
                                   rng.randrange(1, 999, 2) if s_sex == "male" else rng.randrange(2, 999, 2))
        spouse_name = faker.name_male() if s_sex == "male" else faker.name_female()
        marriage_date = max(born, s_born) + timedelta(days=rng.randint(22 * 365, max(22 * 365 + 1, (real_age - 1) * 365)))
        marriage_date = min(marriage_date, today - timedelta(days=30))
    children = []
    if marital != "unmarried" and real_age >= 24:
        for _ in range(rng.choices([0, 1, 2], weights=[30, 55, 15])[0]):
            c_born = born + timedelta(days=rng.randint(23 * 365, min(42 * 365, real_age * 365 - 1)))
            c_born = min(c_born, today - timedelta(days=rng.randint(30, 400)))
            c_sex = rng.choice(["male", "female"])
            children.append({
                "name": name[0] + (faker.first_name_male() if c_sex == "male" else faker.first_name_female()),
                "id_number": make_id_number(area, c_born, rng.randrange(1, 999, 2) if c_sex == "male" else rng.randrange(2, 999, 2)),
                "birth_date": c_born.isoformat(),
            })
    poor = rng.random() < 0.04
    hukou_since = born + timedelta(days=rng.randint(0, 30)) if area.startswith("31") and rng.random() < 0.6 else (
        born + timedelta(days=rng.randint(18 * 365, max(18 * 365 + 1, real_age * 365 - 30))))
    population = {
        "id_number": id_number,
        "full_name": name,
        "gender": sex,
        "birth_date": born.isoformat(),
        "ethnicity": "汉族",
        "hukou_shanghai": area.startswith("31"),
        "hukou_district_code": area,
        "hukou_district": SHANGHAI_DISTRICTS.get(area) or OTHER_REGIONS[area],
        "hukou_since": _iso(hukou_since) if area.startswith("31") else None,
        "household_address": home if area == DISTRICT_CODE else (
            f"上海市{SHANGHAI_DISTRICTS[area]}某路{rng.randint(1, 900)}号" if area.startswith("31")
            else f"{OTHER_REGIONS[area]}{faker.street_name()}{rng.randint(1, 300)}号"),
        "residence_address": home,
        "residence_registered": True,
        "alive": True,
        "death_date": None,
        "marital_status": marital,
        "spouse_name": spouse_name,
        "spouse_id_number": spouse_id,
        "marriage_date": _iso(marriage_date),
        "children": children,
        "education": rng.choice(["高中", "大专", "本科", "本科", "硕士研究生"]) if real_age < 60 else rng.choice(["初中", "高中", "大专"]),
        "minimum_living_allowance": poor,
        "low_income": poor or rng.random() < 0.03,
        "receiving_elderly_allowance": real_age >= 65 and area.startswith("31") and rng.random() < 0.85,
        "only_child_parent": len(children) == 1 and real_age >= 45 and rng.random() < 0.7,
        "only_child_reward_paid": False,
        "veteran": sex == "male" and rng.random() < 0.03,
        "disability_certificate": rng.random() < 0.02,
    }

    retirement_age = 60 if sex == "male" else 55
    retired = real_age >= retirement_age
    employed = not retired and real_age >= 18 and rng.random() < 0.85
    flexible = not retired and not employed and rng.random() < 0.4
    work_start = born + timedelta(days=rng.randint(18 * 365, 24 * 365))
    months = _months_between(work_start, today) if real_age >= 19 else 0
    months = int(months * rng.uniform(0.7, 1.0))
    if retired:
        retire_date = born + timedelta(days=retirement_age * 365 + retirement_age // 4 + 1)
        months = max(months - _months_between(retire_date, today), 180 if rng.random() < 0.95 else 120)
    employer_name = employer["enterprise_name"] if employer else (
        f"上海{rng.choice(NAME_WORDS)}{rng.choice(list(INDUSTRY_WORDS.values()))}有限公司")
    employer_uscc = employer["uscc"] if employer else make_uscc(rng)
    social = {
        "id_number": id_number,
        "insured": employed or flexible or retired,
        "insurance_type": "employee" if employed else "flexible" if flexible else "retiree" if retired else "none",
        "employment_status": "employed" if employed else "flexible" if flexible else "retired" if retired else "unemployed",
        "employer_name": employer_name if employed else None,
        "employer_uscc": employer_uscc if employed else None,
        "contribution_months": months,
        "continuous_months": min(months, rng.randint(6, 120)) if (employed or flexible) else 0,
        "first_contribution_date": _iso(work_start) if months else None,
        "last_contribution_month": f"{today:%Y-%m}" if (employed or flexible) else None,
        "unemployment_registered": not (employed or flexible or retired) and real_age >= 18 and rng.random() < 0.6,
        "receiving_unemployment_benefit": False,
        "retired": retired,
        "retirement_date": _iso(born + timedelta(days=retirement_age * 365 + retirement_age // 4 + 1)) if retired else None,
        "receiving_pension": retired and months >= 180,
        "monthly_pension": round(rng.uniform(3200, 7500), 2) if retired and months >= 180 else 0,
        "medical_insurance": "employee" if (employed or flexible or retired) else "resident" if rng.random() < 0.8 else "none",
        "maternity_insured": employed or flexible,
        "card_status": "active" if rng.random() < 0.93 else "none",
    }
    records: dict[str, dict[str, Any]] = {
        "population": population,
        "social-security": social,
        "credit": {"subject_key": id_number, "subject_type": "person", "dishonest": rng.random() < 0.01,
                   "dishonesty_records": [], "business_anomaly": False, "serious_violation": False,
                   "food_safety_revocation_5y": False},
    }
    if employed or (retired and rng.random() < 0.5):
        hpf_months = max(3, int(months * rng.uniform(0.5, 1.0)))
        records["hpf"] = {
            "id_number": id_number,
            "account_number": f"{rng.randint(10**11, 10**12 - 1)}",
            "account_status": "active" if employed else "sealed",
            "balance": round(rng.uniform(2000, 250000), 2),
            "monthly_deposit": round(rng.uniform(600, 5000), 2) if employed else 0,
            "contribution_months": hpf_months,
            "employer_name": employer_name if employed else None,
            "last_withdrawal_date": None,
            "withdrawn_this_month": 0,
            "loan_outstanding": False,
        }
    if employed:
        records["tax"] = {"id_number": id_number, "subject_type": "person", "iit_months_24": rng.randint(6, 24),
                          "annual_taxable_income": round(rng.uniform(60000, 600000), 2), "arrears": 0}
    owns = rng.random() < (0.6 if area.startswith("31") else 0.15)
    records["realty"] = {
        "id_number": id_number,
        "owns_home_shanghai": owns,
        "home_count": 1 if owns else 0,
        "properties": [{"certificate_number": f"沪（{today.year - rng.randint(1, 20)}）徐字不动产权第{rng.randint(10**5, 10**6 - 1)}号",
                        "address": home, "area_m2": round(rng.uniform(35, 140), 2),
                        "registered_on": _iso(today - timedelta(days=rng.randint(400, 7000))),
                        "mortgaged": rng.random() < 0.4}] if owns else [],
    }
    return records


# ----------------------------------------------------------------------------- enterprises
def synthesize_enterprise(
    rng: random.Random,
    faker: Faker | None = None,
    *,
    today: date | None = None,
    legal_representative: dict[str, Any] | None = None,
    scope: str | None = None,
) -> dict[str, dict[str, Any]]:
    """Records of one synthetic district enterprise: legal-entity, tax, credit, social-security,
    hpf (employer registrations) and its address in the address cloud.

    `legal_representative` is a population payload; without it a person is synthesized and
    returned under the key ``"legal_representative"`` (their own ``{source: payload}`` records).
    """
    faker = faker or Faker("zh_CN")
    today = today or china_today()
    out: dict[str, Any] = {}
    if legal_representative is None:
        person = synthesize_person(rng, faker, today=today, age=rng.randint(25, 58))
        legal_representative = person["population"]
        out["legal_representative"] = person
    scope = scope or rng.choice(list(BUSINESS_SCOPES))
    uscc = make_uscc(rng)
    name = f"上海{rng.choice(NAME_WORDS)}{rng.choice(NAME_WORDS)}{INDUSTRY_WORDS[scope]}有限公司"
    established = today - timedelta(days=rng.randint(30, 15 * 365))
    address = _business_address(rng)
    status = rng.choices(["active", "deregistered", "revoked"], weights=[94, 4, 2])[0]
    age_years = (today - established).days / 365
    scopes = sorted({scope, *rng.sample(list(BUSINESS_SCOPES), k=rng.randint(0, 2))})
    out.update({
        "legal-entity": {
            "uscc": uscc,
            "enterprise_name": name,
            "enterprise_type": rng.choice(ENTERPRISE_TYPES),
            "legal_representative": legal_representative["full_name"],
            "legal_representative_id_number": legal_representative["id_number"],
            "registered_capital": float(rng.choice([10, 50, 100, 200, 500, 1000])),
            "established_on": established.isoformat(),
            "status": status,
            "registered_address": address,
            "business_scope": scopes,
            "business_scope_text": "；".join(BUSINESS_SCOPES[s] for s in scopes),
            "registration_authority": f"上海市{DISTRICT_NAME}市场监督管理局",
            "employees": rng.randint(1, 200),
            "e_licence_downloaded": rng.random() < 0.35,
        },
        "tax": {
            "uscc": uscc,
            "subject_type": "enterprise",
            "taxpayer_status": "normal" if status == "active" and rng.random() < 0.93 else "abnormal" if status == "active" else "deregistered",
            "taxpayer_type": "general" if rng.random() < 0.3 else "small-scale",
            "arrears": 0 if rng.random() < 0.92 else round(rng.uniform(500, 80000), 2),
            "unfiled_returns": 0 if rng.random() < 0.9 else rng.randint(1, 3),
            "unused_invoices": 0 if rng.random() < 0.85 else rng.randint(1, 25),
            "credit_rating": rng.choices(["A", "B", "M", "C", "D"], weights=[25, 45, 20, 7, 3])[0],
            "fraud_record_36m": rng.random() < 0.02,
            "invoice_monthly_limit": rng.choice([25, 50, 100]),
            "incremental_vat_credit": round(rng.uniform(0, 2_000_000), 2) if rng.random() < 0.3 else 0,
            "credit_months_above_threshold": rng.randint(0, 12),
        },
        "credit": {
            "subject_key": uscc, "subject_type": "enterprise",
            "dishonest": rng.random() < 0.02, "dishonesty_records": [],
            "business_anomaly": rng.random() < 0.04, "serious_violation": rng.random() < 0.01,
            "food_safety_revocation_5y": scope in ("catering", "food-retail") and rng.random() < 0.02,
        },
        "social-security": {"uscc": uscc, "subject_type": "enterprise", "employer_registered": age_years > 0.2,
                            "registered_on": _iso(established + timedelta(days=rng.randint(5, 60))) if age_years > 0.2 else None,
                            "insured_employees": rng.randint(1, 150)},
        "hpf": {"uscc": uscc, "subject_type": "enterprise", "employer_registered": age_years > 0.3,
                "registered_on": _iso(established + timedelta(days=rng.randint(10, 90))) if age_years > 0.3 else None,
                "depositing_employees": rng.randint(1, 150)},
        "address-cloud": synthesize_address(rng, address=address),
    })
    return out


def synthesize_address(rng: random.Random, *, address: str | None = None, verified: bool | None = None) -> dict[str, Any]:
    """A business address known to the address cloud (住所云)."""
    address = address or _business_address(rng)
    return {
        "address": address,
        "district_code": DISTRICT_CODE,
        "street": rng.choice(STREETS),
        "park": rng.choice(PARKS) if rng.random() < 0.5 else None,
        "usage": rng.choices(["office", "commercial", "industrial"], weights=[70, 25, 5])[0],
        "verified": rng.random() < 0.95 if verified is None else verified,
        "registrable": True,
    }


def subject_key_of(source: str, payload: dict[str, Any]) -> str:
    """The subject a payload belongs to (ID number, credit code or normalised address)."""
    if source == "address-cloud":
        return address_key(payload["address"])
    key = payload.get("id_number") or payload.get("uscc") or payload.get("subject_key")
    if not key:
        raise ValueError(f"{source} payload has no subject (id_number, uscc or subject_key)")
    return str(key).strip().upper()
