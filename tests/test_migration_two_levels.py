"""Migration 0004 carries every event of the one-level model into the two levels, on both
databases, and leaves the append-only trigger in place."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from directory.models import Need
from signposting.models import OutcomeEvent, Referral, ReferralNeed

from .factories import make_service

BEFORE = [("signposting", "0003_report_indexes")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_every_event_and_gives_each_need_its_path(personas):
    both = make_service(service="Befriending and debt", needs="isolation;debt")
    money = make_service(service="Money advice", needs="financial")
    draft = make_service(service="Draft befriending", needs="isolation", status="draft")
    need_id = {n.slug: n.pk for n in Need.objects.all()}
    lw, team = personas["lw"], personas["lw"].membership.team

    executor = migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    OldReferral = old.get_model("signposting", "Referral")
    OldNeed = old.get_model("signposting", "ReferralNeed")
    OldEvent = old.get_model("signposting", "OutcomeEvent")
    start = timezone.now() - dt.timedelta(days=30)
    made = {}

    def referral(name, needs):
        made[name] = OldReferral.objects.create(
            team_id=team.pk, referrer_id=lw.pk, source="gp", created_at=start,
            postcode_sector="SM2 6", home_area_id="E09000029", gp_area_id="E09000029",
            state="", ever_accepted=False,
        )  # fmt: skip
        for slug in needs:
            OldNeed.objects.create(
                referral_id=made[name].pk, need_id=need_id[slug], created_at=start,
                team_id=team.pk, home_area_id="E09000029", gp_area_id="E09000029",
            )  # fmt: skip
        return made[name]

    def event(referral, kind, day, service=None, need=None, reason="", corrects=None):
        return OldEvent.objects.create(
            referral_id=referral.pk, kind=kind, service_id=service.pk if service else None,
            need_id=need_id[need] if need else None, reason=reason, recorded_by_id=lw.pk,
            recorded_at=start + dt.timedelta(days=day),
            corrects_id=corrects.pk if corrects else None,
        )  # fmt: skip

    two = referral("two needs, one service", ["isolation", "debt"])
    event(two, "referred", 1, both)
    accepted = event(two, "accepted", 2, both)
    gap = referral("no service for one need", ["isolation", "structure-routine"])
    event(gap, "no_service_available", 1, need="structure-routine")
    event(gap, "referred", 1, both)
    event(gap, "declined", 3, both, reason="need_out_of_scope")
    stray = referral("accepted, never referred", ["financial", "isolation"])
    event(stray, "accepted", 1, money)
    event(stray, "referred", 2, draft)
    event(stray, "accepted", 3, draft)
    lost = referral("a service for none of its needs", ["housing"])
    event(lost, "referred", 1, both)
    fixed = referral("a corrected acceptance", ["isolation"])
    event(fixed, "referred", 1, both)
    wrong = event(fixed, "accepted", 2, both)
    event(fixed, "unable_to_contact", 3, both, corrects=wrong)
    old_ids = set(OldEvent.objects.values_list("id", flat=True))
    assert len(old_ids) == 12

    migrate(executor.loader.graph.leaf_nodes())

    # Every old event is still there, unchanged in what it says happened.
    assert set(OutcomeEvent.objects.filter(id__in=old_ids).values_list("id", flat=True)) == old_ids
    copies = OutcomeEvent.objects.exclude(copied_from=None)
    assert [(c.copied_from_id, c.need.slug) for c in copies] == [
        (e.pk, "debt" if e.need.slug == "isolation" else "isolation")
        for e in OutcomeEvent.objects.filter(referral_id=two.pk, id__in=old_ids)
    ]
    by_migration = OutcomeEvent.objects.filter(by_migration=True).order_by("referral_id")
    assert [(e.referral_id, e.kind, e.reason) for e in by_migration] == [
        (two.pk, "accepted", ""),
        (gap.pk, "declined", "need_out_of_scope"),
        (fixed.pk, "unable_to_contact", ""),
    ]
    assert OutcomeEvent.objects.count() == 12 + copies.count() + 3
    assert all(e.stage == "intake" and e.need is None for e in by_migration)

    def path(referral):
        return {
            link.need.slug: (link.state, link.taken_up, link.unmet)
            for link in ReferralNeed.objects.filter(referral_id=referral.pk)
        }

    assert path(two) == {"isolation": ("accepted", True, False), "debt": ("accepted", True, False)}
    # "declined" said nothing of who declined: kept, left out; the need waits on its referral.
    assert path(gap) == {
        "isolation": ("referred", False, False),
        "structure-routine": ("no_service_available", False, True),
    }
    excluded = dict(
        OutcomeEvent.objects.exclude(excluded_reason="").values_list("id", "excluded_reason")
    )
    stray_events = OutcomeEvent.objects.filter(referral_id=stray.pk).order_by("recorded_at")
    assert [bool(excluded.get(e.pk)) for e in stray_events] == [True, True, True]
    assert "not referred" in excluded[stray_events[0].pk]
    assert "draft" in excluded[stray_events[1].pk]
    assert path(stray) == {"financial": ("", False, False), "isolation": ("", False, False)}
    unassigned = OutcomeEvent.objects.get(referral_id=lost.pk)
    assert (unassigned.stage, unassigned.need, "unassigned" in excluded[unassigned.pk]) == (
        "path",
        None,
        True,
    )
    states = dict(Referral.objects.values_list("id", "state"))
    assert states == {
        two.pk: "accepted", gap.pk: "declined", stray.pk: "", lost.pk: "",
        fixed.pk: "unable_to_contact",
    }  # fmt: skip
    assert Referral.objects.get(pk=two.pk).ever_accepted
    assert path(fixed) == {"isolation": ("referred", False, False)}
    keys = set(Referral.objects.values_list("record_key", flat=True))
    assert len(keys) > 1 or len(made) == 1  # random keys, copied to the needs
    assert all(
        link.record_key == link.referral.record_key
        for link in ReferralNeed.objects.select_related("referral")
    )
    assert accepted.pk in old_ids

    # The append-only trigger is back.
    table = OutcomeEvent._meta.db_table
    with (
        pytest.raises(Exception, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"UPDATE {table} SET kind = 'completed'")  # noqa: S608
