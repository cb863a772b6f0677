"""Issue 13: every way people write, bundles, detail answers, follow-ups, the 12345 hotline."""
from __future__ import annotations

from pathlib import Path

import pytest

from app.matters.consultation.evaluation import evaluate, read_labelled_kinds

HELDOUT = Path(__file__).resolve().parents[2] / "data" / "consultation-heldout-3.tsv"
# Floors just under what the engine reaches on held-out set 3 (393 questions written from the catalogue
# alone, 2026-12-01; never tuned on, only these per-kind figures are read, never its misses). Set 2 became
# tuning set 3 after it had informed three decisions. Set 3 measured twice: before the third round (all
# 0.898 / 0.934: bundle 0.36 / 0.44 and hotline 0.60 — which led to tuning set 4, written apart from it)
# and after (docs/consultation.md, "Third round"): the figures below.
FLOORS = {"trad": (1.00, 1.00), "typo": (0.97, 0.97), "bundle": (0.88, 0.96), "hotline": (0.90, 0.90),
          "offtopic": (0.95, 0.95), "english": (0.94, 1.00), "everyday": (0.97, 1.00), "plain": (1.00, 1.00),
          "long": (0.95, 0.97)}


def test_heldout_accuracy_floors_per_kind(index):
    report = evaluate(index, read_labelled_kinds(HELDOUT))
    assert report.total >= 250
    assert report.top1_accuracy >= 0.96 and report.top3_accuracy >= 0.98
    kinds = report.kind_accuracy()
    assert set(kinds) == set(FLOORS)
    for kind, (_, top1, top3) in kinds.items():
        assert top1 >= FLOORS[kind][0] and top3 >= FLOORS[kind][1], (kind, top1, top3)


@pytest.mark.parametrize("q, code", [
    ("居住證要帶什麼材料", "residence-permit"),
    ("孫子出生後怎麼報戶口", "newborn-hukou"),
    ("公基金贷款要什么条件", "hpf-loan"),
    ("居柱证怎么办", "residence-permit"),
    ("身分証过期了", "id-card-renewal"),
    ("😀😀 ＳＨＥＮＦＥＮ 身份证到期了！！！🙏", "id-card-renewal"),
])
def test_traditional_typos_and_noise(index, q, code):
    assert index.search(q).results[0].matter_code == code


def test_long_story_weights_the_clause_that_asks(index):
    q = ("我在一家做外贸的公司干了六年，去年老家的房子拆迁了，爸妈身体也不太好，孩子在上初中，"
         "今年公司效益不好把我裁了，现在每个月失业的钱怎么领")
    answer = index.search(q)
    assert not answer.not_found and answer.results[0].matter_code == "unemployment-benefit"


@pytest.mark.parametrize("q, bundle", [("孩子刚出生要办哪些事", "newborn-bundle"),
                                       ("开个小饭馆要办什么证", "restaurant-opening-bundle"),
                                       ("开公司要办哪些证", "company-opening-bundle"),
                                       ("公司注销要办哪些事", "company-closing-bundle"),
                                       ("退休了要办哪些事", "retirement-bundle"),
                                       ("买二手房要办哪些手续", "home-purchase-bundle")])
def test_event_questions_offer_the_bundle_first(index, q, bundle):
    answer = index.search(q)
    assert answer.bundles[0].code == bundle
    members = set(index.bundles.items[bundle]["matters"])
    assert members & {h.matter_code for h in answer.results[:3]}  # then its matters


def test_a_single_matter_question_offers_no_bundle(index):
    assert index.search("身份证过期了怎么换").bundles == []


@pytest.mark.parametrize("q", ["失业金能领多久", "失业保险金最长能领几个月", "被裁了，失业金能领多久？",
                               "How long can I receive unemployment benefit?"])
def test_unemployment_benefit_duration_is_answered_from_the_guide(index, q):
    answer = index.search(q)
    detail = answer.detail
    assert answer.results[0].matter_code == "unemployment-benefit" and detail.kind == "duration"
    assert "满1年不足5年的，最长领取12个月" in detail.text and "最长领取24个月" in detail.text
    assert "5 to under 10 years, up to 18 months" in detail.text_en


def test_duration_is_not_the_processing_time(index):
    assert index.search("失业金申请要多久").detail.kind == "time"
    pension = index.search("养老金能领多久").detail  # no period in that guide: said so, nothing invented
    assert pension.kind == "duration" and "未列领取期限" in pension.text


@pytest.mark.parametrize("q, code, kind, needle", [
    ("居住证要带什么材料", "residence-permit", "materials", "、"),
    ("身份证换领要多久", "id-card-renewal", "time", "工作日"),
    ("新生儿落户要什么材料", "newborn-hukou", "materials", "出生医学证明"),
    ("营业执照办下来要几天", "company-establishment", "time", "「企业设立登记」"),
    ("第一次办社保卡需要带什么", "social-security-card", "materials", "身份证"),
    ("电动车上牌要多少钱", "e-bike-registration", "fees", "收费"),
    ("居住证在哪里办", "residence-permit", "where", "公安"),
    ("社保卡可以网上办吗", "social-security-card", "online", "网上办理"),
    ("谁可以申请公租房", "public-rental-housing", "eligibility", "可申请"),
])
def test_detail_questions_get_the_answer_from_the_catalogue(index, q, code, kind, needle):
    detail = index.search(q).detail
    assert detail.matter_code == code and detail.kind == kind and needle in detail.text
    assert detail.apply_url == f"/matters/{code}/apply" and detail.text_en


@pytest.mark.parametrize("q, category", [("楼上邻居半夜装修太吵了", "noise"), ("小区门口的路灯坏了", "street-lighting"),
                                         ("有辆车一直违停在消防通道", "parking")])
def test_city_problems_go_to_the_hotline(index, q, category):
    answer = index.search(q)
    assert answer.hotline.category == category and answer.results == [] and answer.bundles == []


@pytest.mark.parametrize("q", ["明天上海天气怎么样", "哪家火锅好吃", "茅台股票能买吗"])
def test_off_topic_gets_nothing(index, q):
    answer = index.search(q)
    assert answer.not_found and not answer.results and not answer.bundles and answer.hotline is None


def test_api_shape_bundles_hotline_and_follow_up(client):
    body = client.get("/api/v1/consultation", params={"q": "开个小饭馆要办什么证"}).json()
    assert body["bundles"][0]["code"] == "restaurant-opening-bundle" and body["results"]
    body = client.get("/api/v1/consultation", params={"q": "路灯坏了好几天"}).json()
    assert body["hotline"]["number"] == "12345" and body["results"] == [] and body["bundles"] == []
    first = client.get("/api/v1/consultation", params={"q": "身份证换领", "conversation": "c-1"}).json()
    assert first["results"][0]["matter_code"] == "id-card-renewal"
    follow = client.get("/api/v1/consultation", params={"q": "那要多久？", "conversation": "c-1"}).json()
    assert follow["detail"]["matter_code"] == "id-card-renewal" and follow["detail"]["kind"] == "time"
    client.get("/api/v1/consultation", params={"q": "失业金", "conversation": "c-3"})
    follow = client.get("/api/v1/consultation", params={"q": "那能领多久？", "conversation": "c-3"}).json()
    assert follow["detail"]["kind"] == "duration" and "24个月" in follow["detail"]["text"]
    alone = client.get("/api/v1/consultation", params={"q": "那要多久？", "conversation": "c-2"}).json()
    assert alone["detail"] is None and alone["results"] == []


@pytest.mark.parametrize("q", ["😀😀", "'; DROP TABLE matter; --", "<script>alert(1)</script>", "{{7*7}}"])
def test_noise_and_injection_get_a_safe_empty_answer(client, q):
    r = client.get("/api/v1/consultation", params={"q": q})
    assert r.status_code == 200 and r.json()["results"] == [] and r.json()["bundles"] == []


def test_citizen_page_shows_no_raw_score(client):
    page = client.get("/consultation", params={"q": "宝宝刚出生怎么上户口"}).text
    assert "新生儿出生户口登记" in page and "匹配度" not in page
