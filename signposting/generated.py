"""What generators made, and the guard that keeps benchmark generators off real records.

A generator (the benchmark generators, the demo loaders) marks each team and user it creates
(GeneratedTeam, GeneratedUser); nothing else writes those marks. A database is a benchmark
database when every team and every user in it carries a mark: then every referral, event,
session and measure in it was made by a generator too, since each names a team and a user.
Areas, postcodes, needs and services are reference data and do not count.
"""

import logging

from django.contrib.auth import get_user_model
from django.db.models import Q

from signposting.models import GeneratedTeam, GeneratedUser, OutcomeEvent, Referral, Team

log = logging.getLogger(__name__)


class NotABenchmarkDatabase(ValueError):
    """The database holds records people made: a generator must not run on it."""


def mark_generated(*, generator: str, teams=(), users=()) -> None:
    """Mark teams and users as made by this generator."""
    GeneratedTeam.objects.bulk_create(
        [GeneratedTeam(team=team, generator=generator) for team in teams], ignore_conflicts=True
    )
    GeneratedUser.objects.bulk_create(
        [GeneratedUser(user=user, generator=generator) for user in users], ignore_conflicts=True
    )


def records_made_by_people() -> dict[str, int]:
    """Count the teams, users, referrals and outcome events no generator made."""
    teams = Team.objects.filter(generator_mark__isnull=True).count()
    users = get_user_model().objects.filter(generator_mark__isnull=True).count()
    referrals = events = 0
    if teams or users:  # otherwise every referral and event names a generated team and user
        referrals = Referral.objects.filter(
            Q(team__generator_mark__isnull=True) | Q(referrer__generator_mark__isnull=True)
        ).count()
        events = OutcomeEvent.objects.filter(
            Q(referral__team__generator_mark__isnull=True)
            | Q(recorded_by__generator_mark__isnull=True)
        ).count()
    return {"referrals": referrals, "outcome events": events, "teams": teams, "users": users}


def refuse_real_records(generator: str) -> None:
    """Raise NotABenchmarkDatabase, saying plainly why, unless this is a benchmark database."""
    held = {name: count for name, count in records_made_by_people().items() if count}
    if not held:
        return
    parts = [
        f"{count:,} {name if count != 1 else name.rstrip('s')}" for name, count in held.items()
    ]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    log.warning("%s refused: the database holds records people made (%s)", generator, listed)
    raise NotABenchmarkDatabase(
        f"This database holds {listed} recorded by people (not made by a generator); "
        f"{generator} runs only on a benchmark database, so nothing was changed. Run "
        "`make bench`, which builds its own (bench.sqlite3, or BENCH_DATABASE_URL), or point "
        "DATABASE_URL at a new, empty database."
    )


def refuse_for_signal(sender, **kwargs) -> None:
    """Receiver of directory.synthetic.generating (directory cannot see teams or users)."""
    refuse_real_records(str(sender))
