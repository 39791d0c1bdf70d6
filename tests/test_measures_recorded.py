"""Outcome measures recorded on a referral: through the action, the page and the API."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from signposting.actions import create_referral
from signposting.engagement import measure_form, record_measure
from signposting.matching import MatchError
from signposting.measures import PSEQ_ITEMS
from signposting.models import MeasureRecord

from .factories import make_service


@pytest.fixture
def referral(personas, geography):
    make_service(service="Sutton befriending", needs="isolation", postcode="SM1 1AA")
    return create_referral(
        referrer=personas["lw"],
        source="ward",
        home_postcode="SM2 6AA",
        needs=["isolation"],
        created_at=timezone.now() - dt.timedelta(days=60),
    )


def pseq(score=3, **overrides):
    return {**dict.fromkeys(PSEQ_ITEMS, score), **overrides}


def record(referral, user, measure, scores, timepoint="baseline"):
    return record_measure(
        referral=referral,
        recorded_by=user,
        measure=measure,
        timepoint=timepoint,
        taken_on=timezone.localdate(),
        scores=scores,
    )


def test_each_measure_is_scored_and_kept(personas, referral):
    lw = personas["lw"]
    assert record(referral, lw, "pseq", pseq(4)).total == 40
    mycaw = record(
        referral, lw, "mycaw",
        {"concern_1": {"category": "physical", "score": 5}, "wellbeing": 3},
    )  # fmt: skip
    assert (mycaw.scores, mycaw.concern_1_category, mycaw.concern_2_category) == (
        {"concern_1": 5, "wellbeing": 3},
        "physical",
        "",
    )
    ons4 = record(
        referral, lw, "ons4",
        {"life_satisfaction": 6, "worthwhile": 7, "happiness": 5, "anxiety": 8},
    )  # fmt: skip
    assert ons4.scores["anxiety"] == 8
    assert MeasureRecord.objects.filter(referral=referral).count() == 3


def test_recording_again_replaces_the_same_timepoint(personas, referral):
    record(referral, personas["lw"], "pseq", pseq(2))
    record(referral, personas["lw"], "pseq", pseq(5))
    assert MeasureRecord.objects.get().total == 50


@pytest.mark.parametrize(
    ("measure", "scores", "field"),
    [
        ("pseq", pseq(3, work=None), "work"),
        ("pseq", {k: v for k, v in pseq(3).items() if k != "goals"}, "goals"),
        ("pseq", pseq(3, work=7), "work"),
        ("pseq", pseq(3, work=-1), "work"),
        ("mycaw", {"concern_1": {"category": "aliens", "score": 3}, "wellbeing": 2},
         "concern_1_category"),
        ("mycaw", {"concern_1": {"category": "physical", "score": 9}, "wellbeing": 2},
         "concern_1_score"),
        ("ons4", {"life_satisfaction": 11, "worthwhile": 7, "happiness": 5, "anxiety": 8},
         "life_satisfaction"),
        ("wellbeing_vibes", {}, "measure"),
    ],
)  # fmt: skip
def test_a_form_that_cannot_be_scored_names_the_field_and_stores_nothing(
    personas, referral, measure, scores, field
):
    record(referral, personas["lw"], "pseq", pseq(2))
    with pytest.raises(MatchError) as error:
        record(referral, personas["lw"], measure, scores)
    assert field in error.value.errors
    assert list(MeasureRecord.objects.values_list("total", flat=True)) == [20]


def test_the_flat_page_form_becomes_the_scoring_shape():
    flat = {"concern_1_category": "physical", "concern_1_score": "4", "concern_2_category": "",
            "concern_2_score": "", "wellbeing": "2"}  # fmt: skip
    assert measure_form("mycaw", flat) == {
        "concern_1": {"category": "physical", "score": "4"},
        "wellbeing": "2",
    }


def test_the_page_records_a_measure_and_explains_a_refusal(client, personas, referral):
    client.force_login(personas["lw"])
    prefix = "measure-pseq-"
    data = {f"{prefix}timepoint": "baseline", f"{prefix}taken_on": timezone.localdate().isoformat()}
    data.update({f"{prefix}{item}": "4" for item in PSEQ_ITEMS})
    missing = {k: v for k, v in data.items() if k != f"{prefix}work"}
    refused = client.post(f"/referrals/{referral.pk}/measures/pseq/", missing)
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "There is a problem" in text
    assert f'href="#id_{prefix}work"' in text
    assert MeasureRecord.objects.count() == 0
    saved = client.post(f"/referrals/{referral.pk}/measures/pseq/", data)
    assert saved.status_code == 302
    page = client.get(f"/referrals/{referral.pk}/").content.decode()
    assert "Total 40" in page


def test_the_api_records_and_lists_measures(personas, referral):
    api = APIClient()
    api.force_authenticate(personas["lw"])
    url = f"/api/v1/referrals/{referral.pk}/measures/"
    body = {"measure": "pseq", "timepoint": "baseline",
            "taken_on": timezone.localdate().isoformat(), "scores": pseq(6)}  # fmt: skip
    created = api.post(url, body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["total"] == 60
    bad = api.post(url, {**body, "scores": pseq(6, enjoyment="lots")}, format="json")
    assert bad.status_code == 400
    assert "enjoyment" in bad.json()
    assert [m["total"] for m in api.get(url).json()] == [60]


def test_each_score_is_kept_beside_its_baseline_with_its_direction(personas, referral):
    from signposting.models import MeasureItem

    lw = personas["lw"]
    record(referral, lw, "pseq", pseq(3))
    record(referral, lw, "pseq", pseq(4), timepoint="follow_up")
    form = {"concern_1": {"category": "physical", "score": 5}, "wellbeing": 2}
    record(referral, lw, "mycaw", form)
    record(referral, lw, "mycaw", {**form, "wellbeing": 4}, timepoint="follow_up")
    ons = {"life_satisfaction": 5, "worthwhile": 5, "happiness": 5, "anxiety": 5}
    record(referral, lw, "ons4", ons)
    record(referral, lw, "ons4", {**ons, "anxiety": 2, "happiness": 4}, timepoint="follow_up")
    items = {
        (i.measure, i.item): (i.baseline, i.followup, i.change) for i in MeasureItem.objects.all()
    }
    assert items == {
        ("pseq", "total"): (30, 40, 1),
        ("mycaw", "concern_1"): (5, 5, 0),
        ("mycaw", "wellbeing"): (2, 4, -1),  # higher is worse on MYCaW
        ("ons4", "life_satisfaction"): (5, 5, 0),
        ("ons4", "worthwhile"): (5, 5, 0),
        ("ons4", "happiness"): (5, 4, -1),
        ("ons4", "anxiety"): (5, 2, 1),  # lower anxiety is better
    }
    assert MeasureItem.objects.get(item="concern_1").category == "physical"


def test_a_follow_up_scores_the_same_concerns_after_the_baseline(personas, referral):
    lw = personas["lw"]
    day = timezone.localdate()
    baseline = {"concern_1": {"category": "physical", "score": 6}, "wellbeing": 4}
    record_measure(referral=referral, recorded_by=lw, measure="mycaw", timepoint="baseline",
                   taken_on=day - dt.timedelta(days=7), scores=baseline)  # fmt: skip
    other = {"concern_1": {"category": "mental_emotional", "score": 2}, "wellbeing": 3}
    with pytest.raises(MatchError) as error:
        record_measure(referral=referral, recorded_by=lw, measure="mycaw",
                       timepoint="follow_up", taken_on=day, scores=other)  # fmt: skip
    assert "Physical" in error.value.errors["concern_1_category"][0]
    with pytest.raises(MatchError) as error:
        record_measure(referral=referral, recorded_by=lw, measure="mycaw", timepoint="follow_up",
                       taken_on=day - dt.timedelta(days=8), scores=baseline)  # fmt: skip
    assert "on or after the baseline" in error.value.errors["taken_on"][0]
    assert MeasureRecord.objects.count() == 1
    record_measure(referral=referral, recorded_by=lw, measure="mycaw", timepoint="follow_up",
                   taken_on=day, scores={**baseline, "wellbeing": 2})  # fmt: skip
    assert MeasureRecord.objects.count() == 2
