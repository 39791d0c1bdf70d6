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
from signposting.vocabulary import REFUSALS, TAKEN_UP, WAITING, Kind, Reason, Stage

TEAM_PREFIX = "Synthetic team "
# Intake outcomes ("" is still waiting), and the last event of each need's path once accepted.
INTAKE = [Kind.ACCEPTED, Kind.UNABLE_TO_CONTACT, Kind.DECLINED, Kind.NOT_ELIGIBLE, WAITING]
INTAKE_WEIGHTS = [0.62, 0.11, 0.09, 0.08, 0.10]
PATH_ENDS = [
    Kind.REFERRED, Kind.ACCEPTED, Kind.STARTED, Kind.COMPLETED, Kind.SERVICE_FULL,
    Kind.DECLINED_BY_SERVICE, Kind.DECLINED_BY_PATIENT, Kind.NO_SERVICE_AVAILABLE,
]  # fmt: skip
PATH_WEIGHTS = [0.15, 0.15, 0.10, 0.35, 0.07, 0.05, 0.05, 0.08]
REASON = {
    Kind.DECLINED: Reason.NEED_OUT_OF_SCOPE,
    Kind.NOT_ELIGIBLE: Reason.OUT_OF_AREA,
    Kind.DECLINED_BY_SERVICE: Reason.CRITERIA,
    Kind.DECLINED_BY_PATIENT: Reason.NOT_READY,
}


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
    covering: dict[int, list[int]] = {}
    for service_id, need_id in Service.needs.through.objects.filter(
        service_id__in=service_ids.tolist()
    ).values_list("service_id", "need_id"):
        covering.setdefault(need_id, []).append(service_id)
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
    intake = rng.choice(len(INTAKE), referrals, p=INTAKE_WEIGHTS)
    sources = rng.choice(Referral.Source.values, referrals)
    ages = rng.choice(["18-64", "65+", "unknown"], referrals, p=[0.7, 0.25, 0.05])
    keys = rng.integers(0, 256, referrals)
    second_need = rng.random(referrals) < 0.5
    first = rng.choice(need_ids, referrals)
    second = rng.choice(need_ids, referrals)
    ends = rng.choice(len(PATH_ENDS), (referrals, 2), p=PATH_WEIGHTS)
    picks = rng.random((referrals, 2))

    rows, need_rows, event_rows = [], [], []

    def add_event(referral_id, stage, kind, when, service=None, need=None):
        event_rows.append(
            (referral_id, str(stage), str(kind), service, need, str(REASON.get(kind, "")), "",
             user.pk, when,
             None, False, None, "")
        )  # fmt: skip

    for i in range(referrals):
        referral_id, kind, when = int(ids[i]), str(INTAKE[intake[i]]), created[i]
        rows.append(
            (
                referral_id, teams[team_pick[i]].pk, user.pk, sources[i], when,
                sector_list[home[i]][i % len(sector_list[home[i]])], home[i], gp[i],
                ages[i], "", "", kind, kind == Kind.ACCEPTED, int(keys[i]),
            )
        )  # fmt: skip
        if kind:
            add_event(referral_id, Stage.INTAKE, kind, when + dt.timedelta(days=3))
        needs = [int(first[i])] + (
            [int(second[i])] if second_need[i] and second[i] != first[i] else []
        )
        for j, need in enumerate(needs):
            state = WAITING
            options = covering.get(need)
            if kind == Kind.ACCEPTED:
                state = str(PATH_ENDS[ends[i, j]])
                if not options:
                    state = str(Kind.NO_SERVICE_AVAILABLE)
                later = when + dt.timedelta(days=7)
                if state == Kind.NO_SERVICE_AVAILABLE:
                    add_event(referral_id, Stage.PATH, state, later, need=need)
                else:
                    service = options[int(picks[i, j] * len(options))]
                    add_event(referral_id, Stage.PATH, Kind.REFERRED, later, service, need)
                    if state != Kind.REFERRED:
                        end = when + dt.timedelta(days=21)
                        add_event(referral_id, Stage.PATH, state, end, service, need)
            need_rows.append(
                (referral_id, need, when, teams[team_pick[i]].pk, home[i], gp[i], int(keys[i]),
                 state, state in TAKEN_UP, state in REFUSALS or state == Kind.NO_SERVICE_AVAILABLE)
            )  # fmt: skip
    insert_rows(
        Referral._meta.db_table,
        ("id", "team_id", "referrer_id", "source", "created_at", "postcode_sector",
         "home_area_id", "gp_area_id", "age_band", "sex", "ethnic_group", "state", "ever_accepted",
         "record_key"),
        rows,
    )  # fmt: skip
    insert_rows(
        ReferralNeed._meta.db_table,
        ("referral_id", "need_id", "created_at", "team_id", "home_area_id", "gp_area_id",
         "record_key", "state", "taken_up", "unmet"),
        need_rows,
    )  # fmt: skip
    insert_rows(
        OutcomeEvent._meta.db_table,
        ("referral_id", "stage", "kind", "service_id", "need_id", "reason", "note",
         "recorded_by_id", "recorded_at", "corrects_id", "by_migration", "copied_from_id",
         "excluded_reason"),
        event_rows,
    )  # fmt: skip
    reset_sequence(Referral)
    return referrals
