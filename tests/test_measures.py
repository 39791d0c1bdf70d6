"""Scoring and summaries of the outcome measures: pure, no database."""

import statistics
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from signposting.measures import (
    MEASURES,
    MYCAW_CATEGORIES,
    ONS4_ITEMS,
    PSEQ_ITEMS,
    Band,
    Direction,
    MeasureError,
    change_summary,
    median_iqr,
    ons4_band,
    percentage,
    round_half_up,
    score_mycaw,
    score_ons4,
    score_pseq,
    value_range,
    weighted_median_iqr,
)
from tests import evaluation_measures as ev

FULL_PSEQ = dict.fromkeys(PSEQ_ITEMS, 3)
ONS4 = {"life_satisfaction": 7, "worthwhile": 8, "happiness": 6, "anxiety": 3}


def mycaw(score=4, category="physical", wellbeing=3, **extra):
    return {"concern_1": {"category": category, "score": score}, "wellbeing": wellbeing, **extra}


def errors_of(scorer, form) -> dict[str, list[str]]:
    with pytest.raises(MeasureError) as caught:
        scorer(form)
    return caught.value.errors


# --- Vocabulary -----------------------------------------------------------------------------


def test_the_vocabularies_have_the_evaluations_items():
    assert list(MYCAW_CATEGORIES) == ["mental_emotional", "physical", "practical", "wellbeing"]
    assert len(PSEQ_ITEMS) == 10
    assert list(ONS4_ITEMS) == ["life_satisfaction", "worthwhile", "happiness", "anxiety"]


def test_each_measure_says_which_way_is_better():
    assert MEASURES["mycaw"].scales["concern_1"].better == Direction.LOWER
    assert MEASURES["mycaw"].scales["wellbeing"].better == Direction.LOWER
    assert MEASURES["pseq"].scales["total"].better == Direction.HIGHER
    assert MEASURES["pseq"].scales["total"].maximum == 60
    ons4 = MEASURES["ons4"].scales
    assert [ons4[item].better for item in ONS4_ITEMS] == ["higher", "higher", "higher", "lower"]


# --- MYCaW ----------------------------------------------------------------------------------


def test_it_scores_a_mycaw_with_one_concern():
    score = score_mycaw(mycaw(score=5, category="practical", wellbeing=2))
    assert score.concern_1.score == 5
    assert score.concern_1.category_label == "Practical"
    assert score.concern_2 is None
    assert score.wellbeing == 2
    assert score.profile == 3.5


def test_it_scores_a_mycaw_with_two_concerns_and_the_profile_is_their_mean_with_wellbeing():
    form = mycaw(score=5, wellbeing=2, concern_2={"category": "physical", "score": 3})
    score = score_mycaw(form)
    assert [c.score for c in score.concerns] == [5, 3]
    assert score.profile == pytest.approx(10 / 3)


@pytest.mark.parametrize("value", [0, 6, "0", "6"])
def test_it_accepts_mycaw_scores_at_the_ends_of_the_scale(value):
    score = score_mycaw(mycaw(score=value, wellbeing=value))
    assert score.concern_1.score == score.wellbeing == int(value)


@pytest.mark.parametrize("value", [-1, 7])
def test_it_refuses_mycaw_scores_off_the_scale(value):
    errors = errors_of(score_mycaw, mycaw(score=value, wellbeing=value))
    assert errors == {
        "concern_1_score": [f"concern 1 score: {value} is out of range; give a score from 0 to 6"],
        "wellbeing": [f"wellbeing: {value} is out of range; give a score from 0 to 6"],
    }


@pytest.mark.parametrize("value", [4.5, 4.0, "4.5", "four", True, [4]])
def test_it_refuses_mycaw_scores_that_are_not_whole_numbers(value):
    errors = errors_of(score_mycaw, mycaw(score=value))
    assert errors == {
        "concern_1_score": [
            f"concern 1 score: {value!r} is not a whole number; give a score from 0 to 6"
        ]
    }


def test_it_refuses_an_unknown_concern_category():
    errors = errors_of(score_mycaw, mycaw(category="financial"))
    assert list(errors) == ["concern_1_category"]
    assert "'financial' is not known" in errors["concern_1_category"][0]


def test_it_refuses_a_mycaw_without_wellbeing_or_a_first_concern():
    errors = errors_of(score_mycaw, {})
    assert errors == {
        "concern_1": ["concern 1: missing; give a category and a score from 0 to 6"],
        "wellbeing": ["wellbeing: missing; give a score from 0 to 6"],
    }


def test_it_refuses_a_second_concern_without_a_first():
    form = {"concern_2": {"category": "physical", "score": 3}, "wellbeing": 2}
    errors = errors_of(score_mycaw, form)
    assert errors == {"concern_1": ["concern 1: missing; give the first concern before a second"]}


def test_it_refuses_more_than_two_concerns():
    form = mycaw(
        concern_2={"category": "physical", "score": 3},
        concern_3={"category": "practical", "score": 2},
    )
    assert errors_of(score_mycaw, form) == {
        "concern_3": ["a MYCaW form records at most two concerns"]
    }


def test_it_refuses_the_same_concern_slot_twice():
    form = mycaw(concern_01={"category": "practical", "score": 2})
    assert errors_of(score_mycaw, form) == {
        "concern_1": ["concern 1 is given twice (concern_1, concern_01)"]
    }


def test_it_refuses_a_concern_that_is_not_a_category_and_score():
    errors = errors_of(score_mycaw, mycaw(concern_2=4))
    assert errors == {"concern_2": ["concern 2: give a category and a score from 0 to 6"]}


def test_it_refuses_fields_that_are_not_part_of_a_mycaw():
    errors = errors_of(score_mycaw, mycaw(concern_1_words="I have a pain in my arm"))
    assert errors == {"concern_1_words": ["'concern_1_words' is not part of a MYCaW form"]}


def test_it_reports_every_problem_with_a_mycaw_at_once():
    form = {"concern_1": {"category": "", "score": None}, "wellbeing": 9}
    assert set(errors_of(score_mycaw, form)) == {
        "concern_1_category",
        "concern_1_score",
        "wellbeing",
    }


# --- PSEQ -----------------------------------------------------------------------------------


def test_it_totals_a_pseq():
    form = dict(zip(PSEQ_ITEMS, [0, 1, 2, 3, 4, 5, 6, 6, 5, 4], strict=True))
    score = score_pseq(form)
    assert score.total == 36
    assert score.items["work"] == 4


@pytest.mark.parametrize(("value", "total"), [(0, 0), (6, 60)])
def test_it_accepts_pseq_items_at_the_ends_of_the_scale(value, total):
    assert score_pseq(dict.fromkeys(PSEQ_ITEMS, value)).total == total


def test_it_accepts_numpy_integers_as_scores():
    score = score_pseq(dict.fromkeys(PSEQ_ITEMS, np.int64(4)))
    assert score.total == 40
    assert type(score.items["work"]) is int


def test_a_scored_pseq_cannot_be_changed():
    score = score_pseq(FULL_PSEQ)
    with pytest.raises(TypeError):
        score.items["work"] = 6


@pytest.mark.parametrize("value", [-1, 7])
def test_it_refuses_a_pseq_item_off_the_scale(value):
    errors = errors_of(score_pseq, {**FULL_PSEQ, "work": value})
    assert errors == {
        "work": [f"pseq item 'work': {value} is out of range; give a score from 0 to 6"]
    }


def test_it_refuses_an_incomplete_pseq_rather_than_guessing():
    form = {**FULL_PSEQ}
    del form["work"], form["goals"]
    errors = errors_of(score_pseq, form)
    assert errors == {
        "work": ["pseq item 'work': missing; give a score from 0 to 6 (all ten are needed)"],
        "goals": ["pseq item 'goals': missing; give a score from 0 to 6 (all ten are needed)"],
    }


def test_it_refuses_a_blank_pseq_item():
    errors = errors_of(score_pseq, {**FULL_PSEQ, "social": ""})
    assert errors == {"social": ["pseq item 'social': missing; give a score from 0 to 6"]}


def test_it_refuses_a_pseq_item_that_is_not_a_whole_number():
    errors = errors_of(score_pseq, {**FULL_PSEQ, "leisure": 2.5})
    assert errors == {
        "leisure": ["pseq item 'leisure': 2.5 is not a whole number; give a score from 0 to 6"]
    }


def test_it_refuses_an_unknown_pseq_item():
    assert errors_of(score_pseq, {**FULL_PSEQ, "sleep": 3}) == {
        "sleep": ["'sleep' is not a PSEQ item"]
    }


@given(st.fixed_dictionaries({item: st.integers(0, 6) for item in PSEQ_ITEMS}))
def test_a_complete_pseq_totals_its_items_within_0_to_60(form):
    score = score_pseq(form)
    assert score.total == sum(form.values())
    assert 0 <= score.total <= 60


@given(
    st.fixed_dictionaries({item: st.integers(0, 6) for item in PSEQ_ITEMS}),
    st.sets(st.sampled_from(list(PSEQ_ITEMS)), min_size=1),
)
def test_a_pseq_missing_any_items_is_refused_naming_each_one(form, missing):
    for item in missing:
        del form[item]
    assert set(errors_of(score_pseq, form)) == missing


# --- ONS4 -----------------------------------------------------------------------------------


def test_it_scores_ons4_with_its_bands():
    score = score_ons4(ONS4)
    assert score.scores == ONS4
    assert score.bands == {
        "life_satisfaction": Band.HIGH,
        "worthwhile": Band.HIGH,
        "happiness": Band.MEDIUM,
        "anxiety": Band.LOW,
    }
    assert score.bands["anxiety"].label == "Low"


@pytest.mark.parametrize(
    ("score", "band"),
    [(0, "low"), (4, "low"), (5, "medium"), (6, "medium"), (7, "high"), (8, "high")]
    + [(9, "very_high"), (10, "very_high")],
)
def test_the_positive_questions_follow_the_ons_thresholds(score, band):
    for item in ("life_satisfaction", "worthwhile", "happiness"):
        assert ons4_band(item, score) == band


@pytest.mark.parametrize(
    ("score", "band"),
    [(0, "very_low"), (1, "very_low"), (2, "low"), (3, "low"), (4, "medium"), (5, "medium")]
    + [(6, "high"), (10, "high")],
)
def test_anxiety_follows_its_own_ons_thresholds(score, band):
    assert ons4_band("anxiety", score) == band


@pytest.mark.parametrize("value", [-1, 11])
def test_it_refuses_ons4_scores_off_the_scale(value):
    errors = errors_of(score_ons4, {**ONS4, "anxiety": value})
    assert errors == {
        "anxiety": [f"ons4 anxiety: {value} is out of range; give a score from 0 to 10"]
    }


def test_it_accepts_ons4_scores_at_the_ends_of_the_scale():
    assert score_ons4(dict.fromkeys(ONS4_ITEMS, 0)).anxiety == 0
    assert score_ons4(dict.fromkeys(ONS4_ITEMS, 10)).happiness == 10


def test_it_refuses_an_incomplete_ons4():
    form = {**ONS4}
    del form["worthwhile"]
    assert errors_of(score_ons4, form) == {
        "worthwhile": ["ons4 worthwhile: missing; give a score from 0 to 10"]
    }


# --- Change between baseline and follow-up --------------------------------------------------


def test_a_lower_anxiety_score_counts_as_an_improvement():
    pairs = [(ONS4["anxiety"], 1), (5, 5), (2, 6)]
    summary = change_summary(pairs, MEASURES["ons4"].scales["anxiety"].better)
    assert (summary.improved, summary.same, summary.worse) == (1, 1, 1)
    summary = change_summary([(3, 1), (4, 2)], Direction.LOWER)
    assert (summary.improved, summary.worse) == (2, 0)


def test_a_lower_mycaw_concern_counts_as_an_improvement_and_a_higher_pseq_too():
    assert change_summary([(6, 2)], Direction.LOWER).improved == 1
    assert change_summary([(30, 40)], Direction.HIGHER).improved == 1
    assert change_summary([(30, 20)], Direction.HIGHER).worse == 1


def test_means_and_sds_are_over_the_patients_with_both():
    summary = change_summary([(6, 2), (4, 2), (0, None)], Direction.LOWER)
    assert summary.n_baseline == 3
    assert summary.n_both == 2
    assert summary.baseline_mean == 5
    assert summary.baseline_sd == pytest.approx(statistics.stdev([6, 4]))
    assert summary.followup_sd == 0


def test_no_follow_ups_and_a_single_follow_up_have_no_sd():
    summary = change_summary([(6, None)], Direction.LOWER)
    assert (summary.n_baseline, summary.n_both, summary.baseline_mean) == (1, 0, None)
    summary = change_summary([(6, 2)], Direction.LOWER)
    assert (summary.baseline_mean, summary.baseline_sd) == (6, None)


def test_a_pair_without_a_baseline_is_refused():
    with pytest.raises(ValueError, match="baseline"):
        change_summary([(None, 3)], Direction.LOWER)


pairs_strategy = st.lists(
    st.tuples(st.integers(0, 60), st.one_of(st.none(), st.integers(0, 60))), max_size=40
)


@given(pairs_strategy, st.sampled_from(list(Direction)))
def test_every_patient_with_both_improved_stayed_the_same_or_got_worse(pairs, better):
    summary = change_summary(pairs, better)
    assert summary.improved + summary.same + summary.worse == summary.n_both
    assert summary.n_baseline == len(pairs)


@given(pairs_strategy)
def test_reversing_the_direction_swaps_improved_and_worse(pairs):
    higher = change_summary(pairs, Direction.HIGHER)
    lower = change_summary(pairs, Direction.LOWER)
    assert (higher.improved, higher.same, higher.worse) == (lower.worse, lower.same, lower.improved)


@given(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), min_size=2))
def test_sds_are_sample_sds(pairs):
    summary = change_summary(pairs, Direction.HIGHER)
    assert summary.baseline_sd == pytest.approx(statistics.stdev(b for b, _ in pairs))
    assert summary.followup_mean == pytest.approx(statistics.mean(f for _, f in pairs))


# --- Spread and rounding --------------------------------------------------------------------


def test_quartiles_interpolate_linearly_as_excel_quartile_inc():
    spread = median_iqr([1, 2, 3, 4])
    assert (spread.q1, spread.median, spread.q3, spread.iqr) == (1.75, 2.5, 3.25, 1.5)
    assert median_iqr([7]).iqr == 0
    assert median_iqr([]) is None


@given(st.lists(st.integers(0, 100), min_size=1))
def test_quartiles_agree_with_numpys_default(values):
    spread = median_iqr(values)
    q1, median, q3 = np.percentile(values, [25, 50, 75])
    assert (spread.q1, spread.median, spread.q3) == pytest.approx((q1, median, q3))


@given(st.lists(st.tuples(st.integers(0, 12), st.integers(0, 40)), max_size=30))
def test_weighted_quartiles_are_exactly_those_of_the_values_repeated(counted):
    # The sessions report reads patients' counts by value: the same floats, not nearly.
    values = [value for value, n in counted for _ in range(n)]
    assert weighted_median_iqr(counted) == median_iqr(values)


def test_weighted_quartiles_refuse_negative_counts():
    assert weighted_median_iqr([(3, 0)]) is None
    with pytest.raises(ValueError):
        weighted_median_iqr([(3, -1)])


def test_the_range_is_the_smallest_and_largest():
    spread = value_range([3, 1, 14])
    assert (spread.minimum, spread.maximum) == (1, 14)
    assert value_range([]) is None


@pytest.mark.parametrize(
    ("value", "shown"),
    [(72 / 13, "5.54"), (400 / 13, "30.77"), (2.675, "2.68"), (2.285, "2.29"), (5, "5.00")],
)
def test_figures_round_half_up_to_two_places(value, shown):
    assert str(round_half_up(value)) == shown


def test_percentages_round_half_up():
    assert percentage(112, 122) == Decimal("92")
    assert percentage(1, 8, places=0) == Decimal("13")
    assert percentage(20, 30, places=1) == Decimal("66.7")
    assert percentage(1, 0) is None


# --- The St George's figures ----------------------------------------------------------------


def shown(summary):
    return (
        summary.n_both,
        str(round_half_up(summary.baseline_mean)),
        str(round_half_up(summary.baseline_sd)),
        str(round_half_up(summary.followup_mean)),
        str(round_half_up(summary.followup_sd)),
        summary.improved,
        summary.same,
        summary.worse,
    )


def test_the_evaluation_data_reproduce_the_mycaw_first_concern():
    summary = change_summary([(b, f) for _, _, b, f in ev.MYCAW_CONCERN_1], Direction.LOWER)
    assert summary.n_baseline == 20
    assert shown(summary) == (13, "5.54", "0.97", "2.77", "1.69", 12, 1, 0)
    # The evaluation's baseline mean is over the 13 followed up, not all 20 seen at baseline.
    all_baselines = [b for _, _, b, _ in ev.MYCAW_CONCERN_1]
    assert str(round_half_up(statistics.mean(all_baselines))) != "5.54"


def test_the_evaluation_data_reproduce_the_mycaw_second_concern():
    summary = change_summary([(b, f) for _, _, b, f in ev.MYCAW_CONCERN_2], Direction.LOWER)
    assert shown(summary) == (7, "5.00", "1.29", "2.29", "0.95", 7, 0, 0)


def test_the_evaluation_data_reproduce_mycaw_wellbeing():
    summary = change_summary([(b, f) for _, b, f in ev.MYCAW_WELLBEING], Direction.LOWER)
    assert shown(summary) == (13, "3.92", "1.32", "2.77", "1.54", 12, 1, 0)


def test_the_evaluation_data_reproduce_the_pseq():
    summary = change_summary([(b, f) for _, b, f in ev.PSEQ_TOTAL], Direction.HIGHER)
    assert shown(summary) == (13, "30.77", "15.35", "35.77", "14.67", 11, 1, 1)


def test_the_evaluation_forms_score_and_count_as_table_9():
    baselines = [ev.mycaw_form(p) for p in range(30)]
    followups = [ev.mycaw_form(p, followup=True) for p in range(30)]
    baselines = [score_mycaw(form) for form in baselines if form is not None]
    followups = [score_mycaw(form) for form in followups if form is not None]
    assert (len(baselines), len(followups)) == (20, 13)
    counts = dict.fromkeys(MYCAW_CATEGORIES, 0)
    for score in baselines:
        for concern in score.concerns:
            counts[concern.category] += 1
    assert counts == ev.TABLE_9


def test_the_evaluation_pseq_totals_make_valid_forms():
    for _, baseline, followup in ev.PSEQ_TOTAL:
        for total in (baseline, followup):
            if total is not None:
                assert score_pseq(ev.pseq_form(total)).total == total


def test_the_evaluation_data_reproduce_the_sessions():
    booked = [b for _, b, _, _ in ev.SESSIONS]
    attended = [a for _, _, a, _ in ev.SESSIONS]
    modes = [m for m, _, _, _ in ev.SESSIONS]
    assert len(ev.SESSIONS) == 30
    assert (modes.count("in_person"), modes.count("phone_or_video")) == (15, 15)
    assert all(b == a + d for _, b, a, d in ev.SESSIONS)
    assert (sum(booked), sum(attended), percentage(sum(attended), sum(booked))) == (122, 112, 92)
    assert (value_range(booked).minimum, value_range(booked).maximum) == (1, 14)
    assert (value_range(attended).minimum, value_range(attended).maximum) == (0, 14)
    assert (median_iqr(booked).median, median_iqr(booked).iqr) == (3, 5)
    assert (median_iqr(attended).median, median_iqr(attended).iqr) == (2, 5)
    assert sum(d > 0 for _, _, _, d in ev.SESSIONS) == 9
    assert sum(a == 0 for _, _, a, _ in ev.SESSIONS) == 3
    # The three who attended none booked their first appointment and missed it.
    assert all((b, d) == (1, 1) for _, b, a, d in ev.SESSIONS if a == 0)


def test_the_patients_followed_up_attended_sessions():
    for patient, _, _, followup in ev.MYCAW_CONCERN_1:
        attended = ev.SESSIONS[patient][2]
        assert attended >= (3 if followup is not None else 1)
