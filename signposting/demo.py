"""Demo teams, users and about 2,000 referrals over 12 months (for `make run` only).

Intake outcomes follow the South West London pilot evaluation: about two thirds of referrals
are accepted by the team; of the rest, about 40% could not be contacted, 35% declined (mostly a
need out of the link worker's scope) and 25% were not eligible, mostly because they lived out of
borough. A few are still waiting. Each need of an accepted referral then has its own path: a
referral to a service that covers it (or "no service available" where the demo directory has a
deliberate gap), and what the service said. Accepted referrals then have sessions with the
link worker, outcome measures at baseline and follow-up, and some patients leave feedback
(signposting.synthetic.engagement, seeded like the rest), so the dashboard shows every report.
"""

import datetime as dt
import random

import numpy as np
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from accounts.demo_accounts import DEMO_PASSWORD, mark_demo
from directory.demo import DELIBERATE_GAPS
from directory.models import Area, Need, Postcode, Service
from signposting.actions import age_band, refresh_states
from signposting.generated import mark_generated
from signposting.models import Membership, OutcomeEvent, Referral, ReferralNeed, Team
from signposting.references import unused_reference
from signposting.synthetic import COUNT_FIELDS, engagement, insert_engagement
from signposting.vocabulary import Kind, Stage

TEAMS = {
    "St George's pain clinic": "QWE",
    "Epsom and St Helier pain clinic": "QWE",
    "Sutton PCN social prescribing": "E09000029",
}
USERS = [
    ("linkworker", "Link worker", "Epsom and St Helier pain clinic", False),
    ("coach", "Link worker", "St George's pain clinic", False),
    ("clinician", "Clinician", "Epsom and St Helier pain clinic", False),
    ("sutton.linkworker", "Link worker", "Sutton PCN social prescribing", False),
    ("lead", "Network lead", None, False),
    ("editor", "Directory editor", None, True),
    ("admin", "Administrator", None, True),
]
SOURCES = {
    "St George's pain clinic": (
        ["pain_clinic_assessment", "nurse_follow_up", "pain_management_programme", "other"],
        [30, 17, 40, 13],
    ),
    "Epsom and St Helier pain clinic": (
        ["ward", "pain_management_programme", "other"],
        [66, 30, 4],
    ),
    "Sutton PCN social prescribing": (["gp", "self", "vcse", "other"], [60, 20, 15, 5]),
}
NEEDS = {
    "St George's pain clinic": [
        "relaxation",
        "meaningful-activity",
        "physical-activity",
        "healthy-eating",
        "sleep",
        "structure-routine",
    ],
    "Epsom and St Helier pain clinic": [
        "social-support",
        "isolation",
        "physical-activity",
        "financial",
        "mental-wellbeing",
    ],
    "Sutton PCN social prescribing": [
        "isolation",
        "financial",
        "debt",
        "bereavement",
        "housing",
        "mental-wellbeing",
        "carers",
    ],
}
HOME_AREAS = ["E09000029", "E09000024", "E09000008", "E09000032", "E09000021", "E09000027"]
OUT_OF_AREA = ["E07000208", "E07000211", "E07000210", "E07000207"]


@transaction.atomic
def load_demo_users() -> list[tuple[str, str, str | None]]:
    """Create the demo teams and one user per role (idempotent); return who they are."""
    for name, area in TEAMS.items():
        team, created = Team.objects.update_or_create(name=name, defaults={"funding_area_id": area})
        if created:  # marked only if this loader made it (signposting.generated)
            mark_generated(generator="load_demo_users", teams=[team])
    User = get_user_model()
    made = []
    for username, role, team, staff in USERS:
        user, created = User.objects.get_or_create(username=username)
        if created:
            user.set_password(DEMO_PASSWORD)
            mark_generated(generator="load_demo_users", users=[user])
        if created or user.check_password(DEMO_PASSWORD):
            mark_demo(user)  # refused whenever DEBUG is off (accounts.backends)
        user.is_staff = staff
        # A reserved domain: the weekly review digest (console backend) has someone to address.
        user.email = user.email or f"{username}@example.invalid"
        user.save()
        user.groups.set([Group.objects.get(name=role)])
        if team:
            Membership.objects.update_or_create(
                user=user, defaults={"team": Team.objects.get(name=team)}
            )
        made.append((username, role, team))
    return made


@transaction.atomic
def load_demo_referrals(*, count: int = 2000, seed: int = 1) -> int:
    """Create the demo referrals once; return how many were made (0 if they exist)."""
    teams = list(Team.objects.filter(name__in=TEAMS))
    if Referral.objects.filter(team__in=teams).exists():
        return 0
    rng = random.Random(seed)
    now = timezone.now()
    needs = {n.slug: n for n in Need.objects.all()}
    referrers = {
        m.team_id: m.user for m in Membership.objects.filter(team__in=teams).select_related("user")
    }
    sectors = _sectors(HOME_AREAS + OUT_OF_AREA)
    services_by_need: dict[int, list[int]] = {}
    for service_id, need_id in Service.needs.through.objects.filter(
        service__status=Service.Status.PUBLISHED
    ).values_list("service_id", "need_id"):
        services_by_need.setdefault(need_id, []).append(service_id)

    referrals, plans = [], []
    references = set(Referral.objects.exclude(reference=None).values_list("reference", flat=True))
    for _ in range(count):
        team = rng.choice(teams)
        out_of_area = rng.random() < 0.08
        home = rng.choice(OUT_OF_AREA if out_of_area else HOME_AREAS)
        gp = home if rng.random() < 0.85 else rng.choice(HOME_AREAS)
        created = now - dt.timedelta(days=rng.uniform(3, 365), minutes=rng.randint(0, 600))
        sources, weights = SOURCES[team.name]
        age = rng.choice([rng.randint(18, 64)] * 3 + [rng.randint(65, 90)])
        chosen = rng.sample(NEEDS[team.name], rng.choice([1, 2, 2]))
        key = rng.randrange(256)
        referrals.append(
            Referral(
                team=team,
                referrer=referrers[team.pk],
                source=rng.choices(sources, weights)[0],
                created_at=created,
                postcode_sector=rng.choice(sectors[home]),
                home_area_id=home,
                gp_area_id=gp,
                age_band=age_band(age),
                sex=rng.choices(["female", "male", ""], [70, 25, 5])[0],
                ethnic_group=rng.choice(["asian_or_black", "white", "white", "other_or_mixed", ""]),
                record_key=key,
                reference=unused_reference(references),
            )
        )
        references.add(referrals[-1].reference)
        plans.append((chosen, out_of_area and gp not in HOME_AREAS))
    Referral.objects.bulk_create(referrals, batch_size=1000)

    through, events = [], []
    for referral, (chosen, ineligible) in zip(referrals, plans, strict=True):
        need_objs = [needs[s] for s in chosen]
        through += [
            ReferralNeed(
                referral_id=referral.pk,
                need_id=n.pk,
                created_at=referral.created_at,
                team_id=referral.team_id,
                home_area_id=referral.home_area_id,
                gp_area_id=referral.gp_area_id,
                record_key=referral.record_key,
            )
            for n in need_objs
        ]
        events += _story(rng, referral, need_objs, ineligible, services_by_need)
    ReferralNeed.objects.bulk_create(through, batch_size=2000)
    OutcomeEvent.objects.bulk_create(events, batch_size=2000)
    refresh_states([r.pk for r in referrals])
    _engagement(seed, [r.pk for r in referrals], now)
    return len(referrals)


def _engagement(seed: int, pks: list[int], now) -> None:
    """Sessions, outcome measures and feedback for the accepted referrals, as the link workers
    would have recorded them (signposting.synthetic.engagement, seeded)."""
    accepted = list(
        Referral.objects.filter(pk__in=pks, ever_accepted=True)
        .order_by("pk")
        .select_related("referrer")
    )
    made = engagement(
        np.random.default_rng(seed),
        [(r.pk, r.team_id, r.created_at, r.record_key, r.home_area_id, r.gp_area_id)
         for r in accepted],
        user_id=accepted[0].referrer_id if accepted else None,
        now=now,
    )  # fmt: skip
    # Recorded by the referral's own link worker; times stored as Django stores them.
    referrer = {r.pk: r.referrer_id for r in accepted}
    when = connection.ops.adapt_datetimefield_value
    made.sessions = [(*row[:2], when(row[2]), *row[3:8], referrer[row[0]], when(row[9]))
                     for row in made.sessions]  # fmt: skip
    made.records = [(*row[:2], when(row[2]), *row[3:11], referrer[row[0]], when(row[12]))
                    for row in made.records]  # fmt: skip
    made.items = [(*row[:4], when(row[4]), *row[5:]) for row in made.items]
    insert_engagement(made)
    for referral, counts in zip(accepted, made.counts.tolist(), strict=True):
        for name, value in zip(COUNT_FIELDS, counts, strict=True):
            setattr(referral, name, value)
    Referral.objects.bulk_update(accepted, COUNT_FIELDS, batch_size=500)


def _story(rng, referral, need_objs, ineligible, services_by_need) -> list[OutcomeEvent]:
    """The events of one referral: its intake outcome, then a path for each need."""
    when = referral.created_at
    user = referral.referrer

    def event(stage, kind, days, **fields):
        return OutcomeEvent(
            referral=referral,
            stage=stage,
            kind=kind,
            recorded_by=user,
            recorded_at=min(when + dt.timedelta(days=days), timezone.now()),
            **fields,
        )

    if rng.random() < 0.05:
        return []  # still waiting for the team to reach the patient
    # Half of the patients with no connection to the area are turned away as not eligible.
    turned_away = ineligible and rng.random() < 0.5
    if turned_away or rng.random() < 0.30:
        roll = 1.0 if turned_away else rng.random()
        if roll < 0.45:
            return [event(Stage.INTAKE, Kind.UNABLE_TO_CONTACT, rng.randint(7, 21))]
        if roll < 0.85:
            reason = rng.choices(["need_out_of_scope", "not_ready", "other"], [60, 25, 15])[0]
            return [event(Stage.INTAKE, Kind.DECLINED, rng.randint(2, 14), reason=reason)]
        return [event(Stage.INTAKE, Kind.NOT_ELIGIBLE, rng.randint(1, 10), reason="out_of_area")]
    story = [event(Stage.INTAKE, Kind.ACCEPTED, rng.randint(1, 7))]
    for need in need_objs:
        story += _path(rng, event, referral, need, services_by_need.get(need.pk))
    return story


def _path(rng, event, referral, need, options) -> list[OutcomeEvent]:
    """One need's path: where the demo directory has a deliberate gap, no service is found."""
    gap = (referral.home_area_id, need.slug) in DELIBERATE_GAPS
    if not options or gap or rng.random() < 0.03:
        return [event(Stage.PATH, Kind.NO_SERVICE_AVAILABLE, rng.randint(7, 14), need=need)]
    service_id = rng.choice(options)

    def step(kind, days, **fields):
        return event(Stage.PATH, kind, days, need=need, service_id=service_id, **fields)

    path = [step(Kind.REFERRED, rng.randint(7, 14))]
    roll = rng.random()
    if roll < 0.10:
        return path  # waiting for the service
    if roll < 0.18:
        return path + [step(Kind.SERVICE_FULL, rng.randint(15, 25))]
    if roll < 0.23:
        return path + [step(Kind.DECLINED_BY_SERVICE, rng.randint(15, 25), reason="criteria")]
    if roll < 0.30:
        return path + [step(Kind.DECLINED_BY_PATIENT, rng.randint(15, 25), reason="not_ready")]
    path += [step(Kind.ACCEPTED, rng.randint(15, 25)), step(Kind.STARTED, rng.randint(26, 35))]
    finish = rng.random()
    if finish < 0.12:
        path.append(step(Kind.DID_NOT_ATTEND, rng.randint(36, 60), reason="too_unwell"))
    elif finish < 0.75:
        path.append(step(Kind.COMPLETED, rng.randint(60, 120)))
    return path


def _sectors(areas) -> dict[str, list[str]]:
    sectors: dict[str, set[str]] = {a: set() for a in areas}
    for area, postcode in Postcode.objects.filter(local_authority_id__in=areas).values_list(
        "local_authority_id", "postcode"
    ):
        sectors[area].add(postcode[:-2])
    missing = [a for a, s in sectors.items() if not s]
    if missing:
        names = ", ".join(Area.objects.filter(code__in=missing).values_list("name", flat=True))
        raise ValueError(f"Load the postcodes of {names} first (python manage.py load_postcodes).")
    return {a: sorted(s) for a, s in sectors.items()}
