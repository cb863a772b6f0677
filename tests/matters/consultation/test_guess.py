"""Issue 13, third round: English measured in words, and the learned vote's guess when the words
place a question nowhere (never "nothing" for a real need, still nothing for what we do not do)."""
from __future__ import annotations

import pytest

from app.matters.consultation import engine, learned


def test_english_length_is_counted_in_words_not_letters():
    q = "how do i sign my three-year-old up for kindergarten, please?"
    assert len(q) >= engine.LONG_CHARS  # in letters it would be a story
    assert engine.story_length(q) < engine.LONG_CHARS
    zh = "我在工厂干了三十多年，明年就到六十岁了，每个月的钱要怎么开始领"
    assert engine.story_length(zh) == len(zh.replace(" ", "")) >= engine.LONG_CHARS
    long_en = ("my wife is due in june and she has paid social insurance at her company for five years, "
               "someone said there is money for the delivery and the leave, how do we claim it?")
    assert engine.story_length(long_en) >= engine.LONG_CHARS


# From the tuning set (tests/data/consultation-tuning-3.tsv): stories whose words alone find nothing.
GUESSED = [
    ("我跟着包工头在工地上干了大半年，说好年底一起结账，结果过年前他人跑了，我们十几个工友的钱都没拿到，去哪里反映能把钱要回来",
     "wage-arrears-complaint"),
    ("公司上个月把我们整个部门都砍了，我到现在也没找到新工作，房贷还要还，听说交过社保的可以每个月领点钱", "unemployment-benefit"),
    ("我们公司要铺一段燃气管道，得把人行道刨开两个礼拜，要找哪个部门批", "road-excavation-permit"),
]


@pytest.mark.parametrize("q, code", GUESSED)
def test_a_real_need_the_words_cannot_place_gets_the_votes_candidates_and_a_question(index, q, code, monkeypatch):
    answer = index.search(q)
    assert not answer.not_found and answer.results[0].matter_code == code
    assert answer.clarify is not None and answer.clarify.options[0]["matter_code"] == code
    assert any("like questions residents asked" in w for w in answer.results[0].why)
    monkeypatch.setattr(engine, "GUESS_MIN", 0.0)  # the guess switched off: the words alone find nothing
    assert index.search(q).not_found


@pytest.mark.parametrize("q", ["上海迪士尼门票多少钱", "咕咕证怎么办", "iPhone 多少钱", "明天几点日出",
                               "下个月我们一家人想去云南玩一个星期，大理和丽江哪个更适合带老人孩子，住哪里方便"])
def test_questions_about_nothing_we_do_are_still_not_found(index, q):
    answer = index.search(q)
    assert answer.not_found and answer.results == []


def test_the_off_topic_class_is_learned_but_never_voted_for(index):
    assert learned.NOTHING in index.learned.codes
    sims = index.learned.scores(index.read("今天天气怎么样"))
    assert max(sims, key=sims.get) == learned.NOTHING
    scores = {0: 10.0}
    sims = index.learned.scores(index.read("今天天气怎么样，适合出去玩吗，带孩子去哪里好"))
    assert learned.NOTHING in sims and learned.HOTLINE in index.learned.codes
    voted = index._learned_vote(sims, scores, 10.0)
    assert voted and all(0 <= i < len(index.docs) for i in voted)  # matters only: no class beyond them


def test_a_guess_needs_a_word_the_index_knows(index, monkeypatch):
    # 咕咕证 is no word; the vote alone likes 证怎么办 but a guess needs a known word.
    monkeypatch.setattr(engine, "GUESS_MARGIN", 0.0)
    assert index.search("咕咕证怎么办").not_found


# From tuning set 4 (tests/data/consultation-tuning-4.tsv): city problems no hotline phrase names are
# routed by the learned vote's hotline class; events no matter's words name offer their bundle.
def test_a_city_problem_no_phrase_names_is_routed_to_12345_by_the_vote(index, monkeypatch):
    q = "小区门口的公交站牌被车撞歪了"
    monkeypatch.setattr(index.hotline, "match", lambda *a, **k: None)  # no phrase at all
    answer = index.search(q)
    assert answer.hotline is not None and answer.results == []
    monkeypatch.setattr(engine, "HOTLINE_MIN", 0.0)  # the vote's routing switched off
    assert index.search(q).hotline is None


def test_the_hotline_category_is_the_nearest_one_or_other(index):
    assert index.hotline.nearest("楼下的大树被风刮歪了").category == "greenery"
    assert index.hotline.nearest("xyz").category == "other"
    # the administrators' counts list it with its name, after the file's categories
    assert index.hotline.categories()[-1] == ("other", "其他城市管理问题", "Other city problems")


def test_an_event_the_words_place_nowhere_offers_its_bundle_then_its_matters(index, monkeypatch):
    q = "娃出生了全套手续咋弄"
    answer = index.search(q)
    assert answer.bundles and answer.bundles[0].code == "newborn-bundle"
    assert [h.matter_code for h in answer.results] == [c for c in index.bundles.items["newborn-bundle"]["matters"]][:5]
    monkeypatch.setattr("app.matters.consultation.bundles.VOTE_MIN", 9.0)  # the vote cannot offer it
    monkeypatch.setattr("app.matters.consultation.bundles.EVENT_MARKERS", ())
    assert not index.search(q).bundles


@pytest.mark.parametrize("q, code", [
    ("小公司没有欠债，想把公司彻底关掉，要走哪些流程", "company-closing-bundle"),
    ("Is there a one-stop service for opening a restaurant?", "restaurant-opening-bundle"),
])
def test_event_questions_in_other_words_offer_the_bundle(index, q, code):
    assert index.search(q).bundles[0].code == code


@pytest.mark.parametrize("q, code", [("宝宝出生了，户口怎么上", "newborn-hukou"),
                                     ("公司注销前清税证明怎么开", "tax-clearance")])
def test_one_matter_of_an_event_offers_that_matter_first(index, q, code):
    answer = index.search(q)
    assert answer.results[0].matter_code == code
