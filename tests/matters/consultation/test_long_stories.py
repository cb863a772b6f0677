"""Issue 13, long stories: a story is read clause by clause and the clauses vote; the need may sit
in the background, the ask may name nothing, the story may be typed without punctuation, in the
other script, with a phone typo, or in English. Examples are from the tuning set
(tests/data/consultation-tuning-2.tsv); the held-out set is only ever measured per kind."""
from __future__ import annotations

from pathlib import Path

import pytest

from app.matters.consultation import engine, text
from app.matters.consultation.evaluation import evaluate, read_labelled_kinds

TUNING = Path(__file__).resolve().parents[2] / "data" / "consultation-tuning-2.tsv"
# The tuning set's long stories: top-1 0.879 / top-3 0.953 at the clause-voting pass (214 stories);
# with the 106 fresh stories written after it (2026-12-01) 0.841 / 0.931 on 320. An engine pass that
# lifted those to 0.86 / 0.96 moved no held-out kind and was not adopted (docs/consultation.md).
LONG_TUNING_FLOOR = (0.84, 0.93)


@pytest.fixture(scope="module")
def tuning():
    return read_labelled_kinds(TUNING)


def test_long_stories_of_the_tuning_set(index, tuning):
    stories = [r for r in tuning if r[2] == "long"]
    assert len(stories) >= 200 and sum(len(q) >= 60 for q, _, _ in stories) >= 150
    report = evaluate(index, stories)
    assert report.top1_accuracy >= LONG_TUNING_FLOOR[0], report.top1_accuracy
    assert report.top3_accuracy >= LONG_TUNING_FLOOR[1], report.top3_accuracy


def test_real_stories_are_answered_and_off_topic_stories_are_not(index, tuning):
    """Never "nothing" for a real need, measured both ways on the stories of the tuning set."""
    real = [q for q, code, kind in tuning if kind == "long" and code not in ("-", "12345")]
    unanswered = [q for q in real if index.search(q).not_found]
    assert len(unanswered) <= 0.02 * len(real), unanswered
    off_topic = [q for q, code, _ in tuning if code == "-" and len(q) >= 50]
    assert len(off_topic) >= 10
    answered = [q for q in off_topic if not index.search(q).not_found]
    assert len(answered) <= 1, answered


@pytest.mark.parametrize("q, code", [
    # typed without any punctuation: cut at the hearsay, the time words and the start of the ask
    ("我在一家装修公司干了半年老板一直说资金周转不过来已经拖了我四个月的工资没发打电话也不接了我现在连房租都交不起去哪里告他",
     "wage-arrears-complaint"),
    # Traditional script
    ("我媽今年八十二歲，去年中風以後一直臥床，生活完全不能自理，我和我老公白天都要上班，請了保姆也很貴，"
     "聽說醫保有一種護理保險可以派人上門，怎麼申請", "long-term-care"),
    # a phone typo (失叶金 for 失业金) at the end of a story
    ("我在一家餐馆当了五年服务员，疫情以后餐馆生意一直不好，上个月老板说关门不干了，我现在没有工作了，"
     "社保一直是交满的，失叶金要去哪里申请", "unemployment-benefit"),
    # the ask first, the background after it
    ("想问下失业金的事。我在一家连锁健身房当教练干了四年，今年三月份门店关了，公司让我们自己找出路，"
     "社保是公司一直交到二月份的，现在没收入，房租还得交", "unemployment-benefit"),
    # what is done already (退休手续办好了, 养老金开始发了) is not what is asked
    ("本人今年刚退休，以前在事业单位，退休手续单位都办好了，养老金也开始发了，听说退休以后住房公积金可以全部提取出来，"
     "要带哪些东西去办", "hpf-withdrawal-retirement"),
    # the need only in what someone said, the ask naming nothing ("去哪里领")
    ("我和女朋友谈了五年恋爱，双方父母都见过面了，今年国庆打算摆酒，想在摆酒之前把证领了，她是江苏户口我是上海户口，去哪里领",
     "marriage-registration"),
    ("我是从部队退下来的，退伍三年了，现在在一家保安公司上班，战友说退役军人可以办一张卡，坐公交逛公园都有优惠，我怎么申请",
     "veteran-card"),
    # a status in the background (都是上海户口) does not outvote the need
    ("我儿子在医院出生的时候我们在外地打工，出生证明也弄丢了，现在孩子三岁要上幼儿园了才发现还没上户口，"
     "我们夫妻都是上海户口，该怎么给孩子补上", "newborn-hukou"),
    # English
    ("I've been working in Shanghai for six years and renting a flat in Putuo the whole time. My employer pays into "
     "the housing provident fund every month but I've never used it. Can I take money out to pay my rent?",
     "hpf-withdrawal-rent"),
])
def test_stories_find_the_need(index, q, code):
    answer = index.search(q)
    assert not answer.not_found and answer.hotline is None
    assert answer.results[0].matter_code == code, [h.matter_code for h in answer.results[:3]]
    assert answer.results[0].why  # reasons drawn from the clauses that voted


def test_an_event_story_offers_its_bundle_first(index):
    answer = index.search("我今年六十了，在纺织厂干了一辈子，下个月正式退休，厂里人事说退休以后养老金、公积金这些都要自己去弄，"
                          "我也搞不清楚，退休了到底要办哪些事")
    assert answer.bundles[0].code == "retirement-bundle"
    assert {"retirement-pension", "hpf-withdrawal-retirement"} <= {h.matter_code for h in answer.results[:3]}


def test_an_event_word_in_a_story_background_offers_no_bundle(index):
    # "办哪些" only in the asking clause counts; "第一次办" is no "一次办".
    assert index.search("第一次办社保卡需要带什么").bundles == []
    answer = index.search("我们厂要在厂区里铺一根新的污水管接到市政管网上，以前的管子太细了不够用，"
                          "设计院说接市政的管网要先申请，还要现场勘察，找哪个部门申请")
    assert answer.bundles == [] and answer.results[0].matter_code == "water-connection"


def test_a_hotline_word_inside_a_longer_lexicon_phrase_is_no_city_problem(index):
    """污水管 (a water connection) holds 污水 (a sanitation complaint); the longer phrase wins."""
    answer = index.search("我们厂要在厂区里铺一根新的污水管接到市政管网上，以前的管子太细了不够用，"
                          "设计院说接市政的管网要先申请，还要现场勘察，找哪个部门申请")
    assert answer.hotline is None and answer.results[0].matter_code == "water-connection"
    assert answer.detail is None or answer.detail.kind == "where"  # "市政管网上" is no "网上"
    assert index.search("小区门口有一大片污水好几天没人管").hotline.category == "sanitation"


@pytest.mark.parametrize("q, category", [
    ("隔壁邻居家的狗天天半夜叫，叫得整栋楼都睡不着，敲门跟他说了也没用，还冲我们发脾气，我们业主群里都在骂，这种事情应该打哪个电话",
     "noise"),
    ("我家住在老小区，前两天楼道里的灯坏了一直没人修，我们打电话给物业，物业说不归他们管，晚上老人上下楼黑灯瞎火的很危险，到底该找谁",
     "street-lighting"),
    ("我家住在一楼，楼上新搬来的住户每天晚上十二点以后还在敲敲打打，跟他说了好几次也不听，我孩子明年要高考天天睡不好，"
     "这种情况到底找谁管", "noise"),
])
def test_city_problem_stories_go_to_the_hotline(index, q, category):
    answer = index.search(q)
    assert answer.hotline.category == category and answer.results == [] and answer.bundles == []


def test_question_words_are_never_typos(index):
    # 谁管 sounds like 水管 (a water pipe); 找谁管 was once "corrected" into a water connection.
    assert index.corrector.correct("这种情况到底找谁管") == ("这种情况到底找谁管", [])
    assert index.corrector.correct("公基金能取吗") == ("公积金能取吗", [("公基金", "公积金")])


def test_clause_weights_done_clauses_and_how_far_an_ask_reaches(index):
    w = index.clause_weights(["营业执照已经办下来了", "第一个客户要我开增值税发票", "去哪里领"])
    assert w[0] == engine.DONE_WEIGHT  # done already: not the need, and not what "去哪里领" refers to
    assert w[1] == engine.WANT_WEIGHT and w[2] == engine.ASK_WEIGHT
    # An ask naming nothing lifts one of the two clauses before it that name something, no farther.
    w = index.clause_weights(["我想开个饭店", "今年三月", "天气不错", "怎么办"])
    assert w[0] < engine.WANT_WEIGHT and w[3] == engine.ASK_WEIGHT
    # Background clauses keep a floor however early they come.
    w = index.clause_weights([f"第{i}件事" for i in range(12)] + ["怎么办"])
    assert min(w) >= engine.BACKGROUND_FLOOR


def test_story_words_count_little_in_the_background(index):
    query = index._expand("我家孩子今年上初中了，我在工厂上班，工资很低，学校说可以申请补助，要带什么材料")
    assert query.story
    background = [w for f, w, _ in query.clauses if f < engine.NEED_WEIGHT]
    assert background and all(w["孩子"] <= engine.STORY_WORD_WEIGHT for w in background if "孩子" in w)
    need = [w for f, w, _ in query.clauses if f >= engine.NEED_WEIGHT]
    assert any(w.get("补助") == 1.0 for w in need)


def test_traditional_conversion_is_skipped_only_when_it_would_change_nothing(tuning):
    assert text._T2S_CHARS  # read from the converter's dictionaries
    skipped = 0
    for q, _, _ in tuning:
        if text._T2S_CHARS.isdisjoint(q):
            skipped += 1
            assert text._T2S.convert(q) == q, q
    assert 0 < skipped < len(tuning)
    assert text.normalise_question("孩子出生後在哪裡報戶口") == "孩子出生后在哪里报户口"
