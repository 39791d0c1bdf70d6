"""The synthetic referral history for benchmarks: sessions, measures and feedback are what the
write path (signposting.engagement, signposting.feedback) would have stored."""

import random
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from directory.models import Service
from signposting.engagement import _scored, recount_sessions, refresh_measure_items
from signposting.generated import records_made_by_people
from signposting.measures import MeasureName
from signposting.models import (
    FeedbackResponse,
    MeasureItem,
    MeasureRecord,
    OutcomeEvent,
    Referral,
    Session,
)
from signposting.reports import REPORTS, Scope, build_report, default_scope
from signposting.synthetic import COUNT_FIELDS, TEAM_PREFIX
from signposting.vocabulary import FEEDBACK_QUESTIONS, RECOMMEND, STRATEGIES, SessionStatus

ITEM_FIELDS = ("referral_id", "team_id", "home_area_id", "gp_area_id", "created_at",
               "record_key", "measure", "item", "category", "baseline", "followup",
               "change")  # fmt: skip


@pytest.fixture
def synthetic(geography):
    call_command("generate_directory", "--services", "300", "--seed", "3")
    call_command("generate_referrals", "--referrals", "3000", "--seed", "5")
    return Referral.objects.filter(team__name__startswith=TEAM_PREFIX)


def test_sessions_and_their_counts_are_as_the_write_path_keeps_them(synthetic):
    accepted = synthetic.filter(ever_accepted=True)
    assert Session.objects.exclude(referral__in=accepted).count() == 0
    statuses = Counter(Session.objects.values_list("status", flat=True))
    assert statuses[SessionStatus.ATTENDED] > statuses[SessionStatus.DID_NOT_ATTEND] > 0
    assert statuses[SessionStatus.CANCELLED] > 0
    assert not Session.objects.filter(status="did_not_attend", dna_reason="").exists()
    assert not Session.objects.exclude(status="did_not_attend").exclude(dna_reason="").exists()
    today = timezone.localdate()
    assert not Session.objects.filter(date__gt=today).exclude(status="booked").exists()
    per_referral = Counter(Session.objects.values_list("referral_id", flat=True))
    assert max(per_referral.values()) <= 8
    sample = random.Random(1).sample(list(accepted.values_list("pk", flat=True)), 200)
    stored = {r[0]: r[1:] for r in synthetic.filter(pk__in=sample).values_list("pk", *COUNT_FIELDS)}
    for pk in sample:
        recount_sessions(pk)
    recounted = {
        r[0]: r[1:] for r in synthetic.filter(pk__in=sample).values_list("pk", *COUNT_FIELDS)
    }
    assert stored == recounted
    assert any(counts[0] for counts in stored.values())


def test_measure_items_are_what_refresh_measure_items_writes(synthetic):
    records = MeasureRecord.objects.all()
    assert set(records.values_list("measure", flat=True)) == set(MeasureName)
    assert records.filter(timepoint="follow_up").exists()
    referrals = list(synthetic.filter(pk__in=records.values("referral_id")).order_by("?")[:150])
    for referral in referrals:
        for measure in MeasureName:
            before = sorted(
                MeasureItem.objects.filter(referral=referral, measure=measure).values_list(
                    *ITEM_FIELDS
                )
            )
            refresh_measure_items(referral, measure)
            after = sorted(
                MeasureItem.objects.filter(referral=referral, measure=measure).values_list(
                    *ITEM_FIELDS
                )
            )
            assert before == after, (referral.pk, measure)


def test_every_record_scores_as_recorded(synthetic):
    for record in MeasureRecord.objects.all()[:500]:
        if record.measure == MeasureName.MYCAW:
            form = {"wellbeing": record.scores["wellbeing"]}
            for slot in ("concern_1", "concern_2"):
                if slot in record.scores:
                    category = getattr(record, f"{slot}_category")
                    form[slot] = {"category": category, "score": record.scores[slot]}
        else:
            form = record.scores
        fields = _scored(record.measure, form)
        assert fields["scores"] == record.scores
        assert fields["total"] == record.total
        assert fields.get("concern_1_category", "") == record.concern_1_category
        assert fields.get("concern_2_category", "") == record.concern_2_category
        assert record.taken_on >= timezone.localtime(record.created_at).date()
        assert record.taken_on <= timezone.localdate()


def test_feedback_uses_the_vocabulary(synthetic):
    responses = FeedbackResponse.objects.all()
    accepted = synthetic.filter(ever_accepted=True).count()
    assert 0.15 * accepted < responses.count() < 0.35 * accepted
    for response in responses:
        assert response.answers or response.strategies or response.recommend
        for question, answer in response.answers.items():
            assert answer in dict(FEEDBACK_QUESTIONS[question][1])
        assert set(response.strategies) <= set(STRATEGIES)
        assert response.recommend in {"", *dict(RECOMMEND)}
        assert response.month.day == 1


def test_the_new_reports_read_it_and_a_new_run_is_refused(synthetic):
    scope = default_scope()
    for name in ("sessions", "measures", "feedback"):
        assert len(build_report(name, scope)) > 3
    team_scope = Scope(scope.start, scope.end, team=synthetic.first().team, exact=True)
    assert len(build_report("sessions", team_scope)) > 3
    assert set(REPORTS) >= {"sessions", "measures", "feedback"}
    assert records_made_by_people() == {"referrals": 0, "outcome events": 0, "teams": 0, "users": 0}
    events = OutcomeEvent.objects.count()
    with pytest.raises(CommandError, match="already holds 3,000 generated referrals"):
        call_command("generate_referrals", "--referrals", "1000", "--seed", "6")
    assert (synthetic.count(), OutcomeEvent.objects.count()) == (3000, events)
    # The directory cannot be replaced under the events either.
    services = Service.objects.count()
    with pytest.raises(CommandError, match="outcome events recorded against them"):
        call_command("generate_directory", "--services", "100", "--seed", "4")
    assert (Service.objects.count(), OutcomeEvent.objects.count()) == (services, events)
