"""Issue 13, the learned vote (learned.py): character n-grams of the project's own text, a vote for
long stories. Measured by cross-validation on its training files only; the held-out set is never
trained on (its per-kind floors are in test_second_round.py)."""
from __future__ import annotations

import pytest

from app.matters.consultation import engine, learned
from app.matters.consultation.evaluation import cross_validate, read_labelled_kinds

# 5-fold cross-validation of the long stories (320) when the vote was adopted: 0.875 / 0.959 with it,
# 0.841 / 0.931 without it (the engine's own figure; its lexicon was written on these stories).
LONG_CV_FLOOR = (0.86, 0.95)


@pytest.fixture(scope="module")
def rows():
    return [r for f in learned.TRAINING_FILES for r in read_labelled_kinds(learned.DATA_DIR / f)]


def test_the_vote_learns_from_regression_and_tuning_files_only(rows):
    assert all("heldout" not in f and (learned.DATA_DIR / f).exists() for f in learned.TRAINING_FILES)
    assert len(rows) >= 700 and sum(kind == "long" for _, _, kind in rows) >= 300


def test_cross_validated_long_stories_gain_from_the_vote(index, rows, monkeypatch):
    with_vote = cross_validate(index, rows, 5).kind_accuracy()["long"]
    monkeypatch.setattr(engine, "LEARNED_WEIGHT", 0.0)
    without = cross_validate(index, rows, 5).kind_accuracy()["long"]
    assert with_vote[1] >= LONG_CV_FLOOR[0] and with_vote[2] >= LONG_CV_FLOOR[1], with_vote
    assert with_vote[1] > without[1] and with_vote[2] > without[2], (with_vote, without)


def test_cross_validation_puts_the_index_vote_back(index, rows):
    vote = index.learned
    cross_validate(index, rows[:50], 2)
    assert index.learned is vote


def test_a_question_kept_out_of_training_is_still_recognised(index):
    """Trained on the catalogue alone, the vote knows a matter from words it was never shown together."""
    vote = index.train([])
    q = index.read("我跟着包工头在工地上干了大半年，活干完了，老板一直拖着不给钱，我该去哪里告他")
    ranked = sorted(vote.scores(q).items(), key=lambda kv: -kv[1])
    assert "wage-arrears-complaint" in [code for code, _ in ranked[:3]], ranked[:3]


def test_the_vote_reads_traditional_script_as_the_engine_does(index):
    simplified = index.learned.scores(index.read("我妈中风以后一直卧床，想申请长期护理保险"))
    traditional = index.learned.scores(index.read("我媽中風以後一直臥床，想申請長期護理保險"))
    assert simplified == traditional and max(simplified, key=simplified.get) == "long-term-care"


def test_a_matter_the_vote_brings_says_why(index):
    story = ("我老公去年查出来尿毒症，每周要透析三次，一个月光医药费就好几千，家里就靠我一个人打零工，"
             "孩子还在上学，实在撑不下去了，听说政府对困难家庭有补助，我们这种情况能申请什么")
    answer = index.search(story)
    assert answer.results and any("同类问法" in line for h in answer.results for line in h.why)


def test_the_vote_never_answers_what_the_engine_finds_nothing_for(index):
    story = ("我退休以后在家闲着没事，最近迷上了炒股，朋友推荐了几只股票，说今年能翻倍，"
             "我也不太懂，你说现在买哪只股票比较好")
    assert index.search(story).not_found


def test_features_are_character_grams_and_english_words():
    f = learned.features("办居住证 residence permit for me")
    assert {"办", "居住", "居住证", "residence", "permit"} <= set(f) and "for" not in f and "me" not in f
