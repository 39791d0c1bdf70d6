"""Nothing deletes an outcome event: the database refuses (SQLite as PostgreSQL), the
benchmark generators run only on a database of generated records and never delete, and only a
flush of the whole database (the test runner's, or an operator's before a restore) empties it."""

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from directory.models import Service
from signposting.actions import create_referral, record_intake_outcome
from signposting.generated import mark_generated, records_made_by_people
from signposting.models import GeneratedTeam, OutcomeEvent, Referral, Team
from signposting.synthetic import TEAM_PREFIX

from .factories import make_service

TABLE = OutcomeEvent._meta.db_table


def a_real_history(personas, outcomes=3):
    """A referral by a person in a team an administrator made, with intake outcomes."""
    referral = create_referral(
        referrer=personas["lw"], source="ward", home_postcode="SM2 6AA", needs=["isolation"],
        gp_area="E09000029", age=70,
    )  # fmt: skip
    for _ in range(outcomes):
        record_intake_outcome(referral=referral, recorded_by=personas["lw"], kind="accepted")
    return referral


@pytest.mark.django_db(transaction=True)
def test_a_flush_empties_the_database_and_the_guard_stands_after_it(personas):
    referral = a_real_history(personas)
    call_command("flush", verbosity=0, interactive=False)
    assert not OutcomeEvent.objects.exists()
    assert not Referral.objects.exists()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM signposting_event_maintenance")
            assert cursor.fetchone()[0] == 0
    # An event written after the flush is as undeletable as before.
    user = User.objects.create_user("after.flush")
    referral = Referral.objects.create(
        team=Team.objects.create(name="After the flush"), referrer=user, source="ward",
        created_at=timezone.now(), postcode_sector="SM2 6",
    )  # fmt: skip
    event = OutcomeEvent.objects.create(
        referral=referral, stage="intake", kind="accepted", recorded_by=user,
        recorded_at=timezone.now(),
    )  # fmt: skip
    with pytest.raises(Exception, match="append-only"), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [event.pk])  # noqa: S608
    assert OutcomeEvent.objects.filter(pk=event.pk).exists()


@pytest.fixture
def renamed(personas, geography):
    """A real team an administrator renamed to look like a generator's, with its events."""
    make_service(service="Sutton befriending", needs="isolation;debt", postcode="SM1 1AA")
    a_real_history(personas)
    team = personas["lw"].membership.team
    team.name = f"{TEAM_PREFIX}QWE"
    team.save()
    return team


@pytest.mark.parametrize(
    "command",
    [
        ("generate_referrals", "--referrals", "50"),
        ("generate_directory", "--services", "20"),
        ("bench_import", "--rows", "5"),
        ("bench_reports", "--dashboard-only", "--repeat", "1"),
    ],
)
def test_benchmark_commands_refuse_a_database_people_recorded_in(renamed, command):
    events = sorted(OutcomeEvent.objects.values_list("pk", flat=True))
    services, users = Service.objects.count(), User.objects.count()
    with pytest.raises(CommandError) as refusal:
        call_command(*command)
    assert str(refusal.value) == (
        "This database holds 1 referral, 3 outcome events, 2 teams and 5 users recorded by "
        f"people (not made by a generator); {command[0]} runs only on a benchmark database, so "
        "nothing was changed. Run `make bench`, which builds its own (bench.sqlite3, or "
        "BENCH_DATABASE_URL), or point DATABASE_URL at a new, empty database."
    )
    assert sorted(OutcomeEvent.objects.values_list("pk", flat=True)) == events
    assert (Service.objects.count(), User.objects.count()) == (services, users)
    assert not GeneratedTeam.objects.exists()


def test_one_user_made_by_hand_is_enough_to_refuse(geography):
    User.objects.create_user("someone")
    with pytest.raises(CommandError, match="holds 1 user recorded by people"):
        call_command("check_benchmark_database")


def test_a_generators_own_records_do_not_count_as_peoples(geography):
    from signposting.demo import load_demo_users

    load_demo_users()
    assert records_made_by_people() == {"referrals": 0, "outcome events": 0, "teams": 0, "users": 0}
    call_command("check_benchmark_database")
    # A team renamed by an administrator keeps no mark, whatever its name says.
    Team.objects.create(name=f"{TEAM_PREFIX}E54000064")
    assert records_made_by_people()["teams"] == 1


def test_demo_users_mark_only_what_they_make(personas):
    from signposting.demo import load_demo_users

    load_demo_users()  # "Epsom and St Helier pain clinic" and "lead" exist already: not marked
    assert not Team.objects.filter(
        name="Epsom and St Helier pain clinic", generator_mark__isnull=False
    ).exists()
    assert records_made_by_people()["teams"] == 2
    mark_generated(generator="test", teams=Team.objects.all())
    assert records_made_by_people()["teams"] == 0


def test_the_admin_cannot_mark_anything_generated():
    from django.contrib import admin

    from signposting.models import GeneratedUser

    assert GeneratedTeam not in admin.site._registry
    assert GeneratedUser not in admin.site._registry
