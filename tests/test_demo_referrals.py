"""The demo referrals (`make run`) have sessions, outcome measures and feedback, so that the
dashboard shows every report; they are seeded, and stored as the write path stores them."""

import pytest
from django.core.management import call_command
from django.db import transaction

from signposting.demo import TEAMS, load_demo_referrals, load_demo_users
from signposting.engagement import recount_sessions, refresh_measure_items
from signposting.measures import MeasureName
from signposting.models import FeedbackResponse, MeasureItem, MeasureRecord, Referral, Session
from signposting.reports import Scope, build_report, default_scope
from signposting.synthetic import COUNT_FIELDS


def engagement_rows():
    return (
        sorted(Session.objects.values_list("referral__created_at", "date", "mode", "status",
                                           "dna_reason")),
        sorted(MeasureItem.objects.values_list("referral__created_at", "measure", "item",
                                               "category", "baseline", "followup", "change")),
        sorted(FeedbackResponse.objects.values_list("team__name", "month", "recommend")),
    )  # fmt: skip


@pytest.fixture
def demo(geography):
    call_command("load_demo_directory", "--seed", "1")
    load_demo_users()
    assert load_demo_referrals(count=400, seed=1) == 400
    return Referral.objects.filter(team__name__in=TEAMS)


def test_accepted_demo_referrals_have_sessions_measures_and_feedback(demo):
    accepted = demo.filter(ever_accepted=True)
    assert Session.objects.count() > accepted.count()
    assert not Session.objects.exclude(referral__in=accepted).exists()
    assert set(MeasureRecord.objects.values_list("measure", flat=True)) == set(MeasureName)
    assert FeedbackResponse.objects.exists()
    for referral in accepted[:60]:
        stored = [getattr(referral, name) for name in COUNT_FIELDS]
        recount_sessions(referral.pk)
        referral.refresh_from_db()
        assert [getattr(referral, name) for name in COUNT_FIELDS] == stored
        for measure in MeasureName:
            rows = MeasureItem.objects.filter(referral=referral, measure=measure)
            fields = ("item", "category", "baseline", "followup", "change", "created_at")
            before = sorted(rows.values_list(*fields))
            refresh_measure_items(referral, measure)
            assert sorted(rows.values_list(*fields)) == before
    year = default_scope()
    team = accepted.first().team
    for scope in (year, Scope(year.start, year.end, team=team, exact=True)):
        for name in ("sessions", "measures", "feedback"):
            assert len(build_report(name, scope)) > 3, (name, scope)


def test_the_demo_engagement_is_the_same_for_a_seed(geography):
    call_command("load_demo_directory", "--seed", "1")
    load_demo_users()
    # Events are never deleted: load the demo once inside a savepoint and roll it back.
    with transaction.atomic():
        assert load_demo_referrals(count=400, seed=1) == 400
        first = engagement_rows()
        transaction.set_rollback(True)
    assert not Referral.objects.exists()
    assert load_demo_referrals(count=400, seed=1) == 400
    # The referrals' times depend on the clock; everything else is the seed's.
    second = engagement_rows()
    assert [len(rows) for rows in second] == [len(rows) for rows in first]
    assert [row[1:] for row in second[1]] == [row[1:] for row in first[1]]
