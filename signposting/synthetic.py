"""A synthetic referral history for report benchmarks: a million referrals in a few seconds.

Referrals, their needs and their events are written with bulk inserts and explicit ids, and
each referral's stored state is set from the events generated for it. Synthetic referrals
belong to teams named "Synthetic team ..." and a new run replaces them.
"""

import datetime as dt

import numpy as np
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from directory.bulk import insert_rows, reset_sequence
from directory.models import Area, Need, Postcode, Service
from signposting.models import OutcomeEvent, Referral, ReferralNeed, Team

TEAM_PREFIX = "Synthetic team "
OUTCOMES = ["accepted", "unable_to_contact", "declined", "not_eligible", "referred"]
OUTCOME_WEIGHTS = [0.62, 0.11, 0.09, 0.08, 0.10]


def delete_synthetic_referrals() -> None:
    teams = Team.objects.filter(name__startswith=TEAM_PREFIX)
    referrals = Referral.objects.filter(team__in=teams)
    table = OutcomeEvent._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Events are append-only, guarded by a trigger: lift it for this bulk clean-up only.
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER outcome_event_no_change")  # noqa: S608
        ids = referrals.values("id")
        OutcomeEvent.objects.filter(referral__in=ids)._raw_delete(connection.alias)
        Referral.needs.through.objects.filter(referral__in=ids)._raw_delete(connection.alias)
        referrals._raw_delete(connection.alias)
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER outcome_event_no_change")  # noqa: S608


@transaction.atomic
def generate_referrals(*, referrals: int, seed: int) -> int:
    rng = np.random.default_rng(seed)
    delete_synthetic_referrals()
    icbs = list(Area.objects.filter(kind=Area.Kind.ICB).order_by("code"))
    members = {icb.code: list(icb.members.values_list("code", flat=True)) for icb in icbs}
    las = [code for codes in members.values() for code in codes]
    if not las:
        raise ValueError("No ICBs are loaded: run load_areas first.")
    sectors = {}
    for la, postcode in Postcode.objects.filter(local_authority_id__in=las).values_list(
        "local_authority_id", "postcode"
    )[:400_000]:
        sectors.setdefault(la, set()).add(postcode[:-2])
    las = [la for la in las if la in sectors]
    if not las:
        raise ValueError("No postcodes are loaded for the ICBs: run load_postcodes first.")
    sector_list = {la: sorted(s) for la, s in sectors.items()}
    need_ids = np.array(Need.objects.values_list("pk", flat=True))
    service_ids = np.array(Service.objects.values_list("pk", flat=True)[:20_000])
    if len(need_ids) == 0 or len(service_ids) == 0:
        raise ValueError("Load needs and a directory first.")
    user, _ = get_user_model().objects.get_or_create(username="synthetic.referrer")
    teams = [
        Team.objects.get_or_create(name=f"{TEAM_PREFIX}{icb.code}", defaults={"funding_area": icb})[
            0
        ]
        for icb in icbs
        if members[icb.code]
    ]

    start_id = (Referral.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    now = timezone.now()
    ids = np.arange(start_id, start_id + referrals)
    team_pick = rng.integers(0, len(teams), referrals)
    home = rng.choice(las, referrals)
    gp = np.where(rng.random(referrals) < 0.85, home, rng.choice(las, referrals))
    created = [now - dt.timedelta(seconds=int(s)) for s in rng.integers(0, 365 * 86400, referrals)]
    outcome = rng.choice(len(OUTCOMES), referrals, p=OUTCOME_WEIGHTS)
    sources = rng.choice(Referral.Source.values, referrals)
    ages = rng.choice(["18-64", "65+", "unknown"], referrals, p=[0.7, 0.25, 0.05])
    second_need = rng.random(referrals) < 0.5
    first = rng.choice(need_ids, referrals)
    second = rng.choice(need_ids, referrals)
    service = rng.choice(service_ids, referrals)

    rows, need_rows, event_rows = [], [], []
    for i in range(referrals):
        kind = OUTCOMES[outcome[i]]
        rows.append(
            (
                int(ids[i]), teams[team_pick[i]].pk, user.pk, sources[i], created[i],
                sector_list[home[i]][i % len(sector_list[home[i]])], home[i], gp[i],
                ages[i], "", "", kind, kind == "accepted",
            )
        )  # fmt: skip
        link = (created[i], teams[team_pick[i]].pk, home[i], gp[i], kind)
        need_rows.append((int(ids[i]), int(first[i]), *link))
        if second_need[i] and second[i] != first[i]:
            need_rows.append((int(ids[i]), int(second[i]), *link))
        event_rows.append(
            (int(ids[i]), "referred", int(service[i]), None, "", "", user.pk, created[i], None)
        )
        if kind != "referred":
            later = created[i] + dt.timedelta(days=7)
            event_rows.append(
                (int(ids[i]), kind, int(service[i]), None, "", "", user.pk, later, None)
            )
    insert_rows(
        Referral._meta.db_table,
        ("id", "team_id", "referrer_id", "source", "created_at", "postcode_sector",
         "home_area_id", "gp_area_id", "age_band", "sex", "ethnic_group", "state", "ever_accepted"),
        rows,
    )  # fmt: skip
    insert_rows(
        ReferralNeed._meta.db_table,
        ("referral_id", "need_id", "created_at", "team_id", "home_area_id", "gp_area_id", "state"),
        need_rows,
    )
    insert_rows(
        OutcomeEvent._meta.db_table,
        ("referral_id", "kind", "service_id", "need_id", "reason", "note", "recorded_by_id",
         "recorded_at", "corrects_id"),
        event_rows,
    )  # fmt: skip
    reset_sequence(Referral)
    return referrals
