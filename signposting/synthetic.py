"""A synthetic referral history for report benchmarks: a million referrals in a few seconds.

Referrals, their needs and their events are written with bulk inserts and explicit ids, and
each referral's stored state is set from the events generated for it. Synthetic referrals
belong to teams (named "Synthetic team ...") and a user that the generator marks as its own
(signposting.generated). It runs only on a benchmark database, and never deletes anything:
outcome events are append-only, so a second run is refused (start from a new database, as
`make bench` does).
"""

import datetime as dt
import json
from dataclasses import dataclass, field

import numpy as np
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from directory.bulk import insert_rows, reset_sequence
from directory.models import Area, Need, Postcode, Service
from signposting.engagement import item_changes, item_scores
from signposting.generated import NotABenchmarkDatabase, mark_generated, refuse_real_records
from signposting.measures import MYCAW_CATEGORIES, ONS4_ITEMS, PSEQ_ITEMS, MeasureName
from signposting.models import (
    FeedbackResponse,
    MeasureItem,
    MeasureRecord,
    OutcomeEvent,
    Referral,
    ReferralNeed,
    Session,
    Team,
)
from signposting.vocabulary import (
    FEEDBACK_QUESTIONS,
    RECOMMEND,
    REFUSALS,
    STRATEGIES,
    TAKEN_UP,
    WAITING,
    Kind,
    Reason,
    SessionDnaReason,
    SessionMode,
    SessionStatus,
    Stage,
)

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


@transaction.atomic
def generate_referrals(*, referrals: int, seed: int) -> int:
    """Add `referrals` synthetic referrals to a benchmark database; return how many."""
    refuse_real_records("generate_referrals")
    made_before = Referral.objects.count()
    if made_before:
        raise NotABenchmarkDatabase(
            f"This database already holds {made_before:,} generated referrals. Generators never "
            "delete outcome events, so generate_referrals runs once, on a new benchmark "
            "database: `make bench` builds a new one each run."
        )
    rng = np.random.default_rng(seed)
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
    # Every team and user here is a generator's (refuse_real_records): reuse the demo's or an
    # earlier generator's by name, or make and mark them.
    user, _ = get_user_model().objects.get_or_create(username="synthetic.referrer")
    teams = [
        Team.objects.get_or_create(name=f"{TEAM_PREFIX}{icb.code}", defaults={"funding_area": icb})[
            0
        ]
        for icb in icbs
        if members[icb.code]
    ]
    mark_generated(generator="generate_referrals", teams=teams, users=[user])

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
    accepted = np.flatnonzero(intake == INTAKE.index(Kind.ACCEPTED))
    made = engagement(
        rng,
        [(int(ids[i]), teams[team_pick[i]].pk, created[i], int(keys[i]), str(home[i]), str(gp[i]))
         for i in accepted.tolist()],
        user_id=user.pk,
        now=now,
    )  # fmt: skip
    counts = np.zeros((referrals, len(COUNT_FIELDS)), dtype=np.int64)
    counts[accepted] = made.counts
    counts = counts.tolist()

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
                ages[i], "", "", kind, kind == Kind.ACCEPTED, int(keys[i]), *counts[i],
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
         "record_key", *COUNT_FIELDS),
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
    insert_engagement(made)
    reset_sequence(Referral)
    return referrals


# --- Sessions, outcome measures and feedback -------------------------------------------------

# Sessions booked per accepted referral (0 to 8), and what became of each one.
SESSION_COUNT_WEIGHTS = [0.10, 0.12, 0.14, 0.15, 0.14, 0.12, 0.10, 0.08, 0.05]
SESSION_OUTCOMES = [SessionStatus.ATTENDED, SessionStatus.DID_NOT_ATTEND, SessionStatus.CANCELLED]
SESSION_OUTCOME_WEIGHTS = [0.80, 0.11, 0.09]
DNA_REASON_WEIGHTS = {
    SessionDnaReason.AWAY: 0.25,
    SessionDnaReason.BEREAVEMENT: 0.10,
    SessionDnaReason.TOO_UNWELL: 0.45,
    SessionDnaReason.OTHER: 0.20,
}
# Accepted referrals with a baseline, which measures they took, and how many were followed up.
BASELINE_SHARE = 0.6
MEASURE_SHARES = {MeasureName.MYCAW: 0.8, MeasureName.PSEQ: 0.4, MeasureName.ONS4: 0.6}
FOLLOW_UP_SHARE = 0.6
FOLLOW_UP_AFTER = 90  # days after the referral
FEEDBACK_SHARE = 0.25
SATISFACTION_WEIGHTS = [0.55, 0.30, 0.09, 0.04, 0.02]
RECOMMEND_WEIGHTS = [0.55, 0.25, 0.08, 0.04, 0.03, 0.05]


@dataclass
class Engagement:
    """Rows for insert_rows (columns below) and each referral's session counts."""

    sessions: list[tuple] = field(default_factory=list)
    records: list[tuple] = field(default_factory=list)
    items: list[tuple] = field(default_factory=list)
    feedback: list[tuple] = field(default_factory=list)
    # booked, attended, missed, in_person, remote: one row per referral given, in order.
    counts: np.ndarray | None = None


SESSION_COLUMNS = ("referral_id", "team_id", "created_at", "record_key", "date", "mode",
                   "status", "dna_reason", "recorded_by_id", "updated_at")  # fmt: skip
RECORD_COLUMNS = ("referral_id", "team_id", "created_at", "record_key", "measure", "timepoint",
                  "taken_on", "scores", "total", "concern_1_category", "concern_2_category",
                  "recorded_by_id", "recorded_at")  # fmt: skip
ITEM_COLUMNS = ("referral_id", "team_id", "home_area_id", "gp_area_id", "created_at",
                "record_key", "measure", "item", "category", "baseline", "followup",
                "change")  # fmt: skip
FEEDBACK_COLUMNS = ("team_id", "month", "answers", "strategies", "recommend", "record_key")
COUNT_FIELDS = ("sessions_booked", "sessions_attended", "sessions_missed",
                "sessions_in_person", "sessions_remote")  # fmt: skip


def engagement(rng, accepted: list[tuple], *, user_id: int, now: dt.datetime) -> Engagement:
    """Sessions, measures and feedback for accepted referrals, given as (id, team_id,
    created_at, record_key, home_area_id, gp_area_id): rows as signposting.engagement and
    signposting.feedback would have written them, and each referral's session counts as
    engagement.recount_sessions stores them."""
    out = Engagement(counts=np.zeros((len(accepted), 5), dtype=np.int64))
    if not accepted:
        return out
    today = timezone.localdate(now).toordinal()
    dates: dict[int, dt.date] = {}

    def day(ordinal: int) -> dt.date:
        if ordinal not in dates:
            dates[ordinal] = dt.date.fromordinal(ordinal)
        return dates[ordinal]

    n = len(accepted)
    # The referral's own (local) day: nothing is dated before it.
    created_day = np.array([timezone.localtime(r[2]).toordinal() for r in accepted])
    _sessions(rng, accepted, created_day, today, day, user_id, now, out)
    _measures(rng, accepted, created_day, today, day, user_id, now, out)

    # Feedback: anonymous, by team and month (a month or so after the referral).
    givers = np.flatnonzero(rng.random(n) < FEEDBACK_SHARE)
    questions = list(FEEDBACK_QUESTIONS.items())
    answered = rng.random((len(givers), len(questions))) < 0.95
    answer = rng.choice(5, (len(givers), len(questions)), p=SATISFACTION_WEIGHTS)
    strategy_names = list(STRATEGIES)
    ticked = rng.random((len(givers), len(strategy_names))) < 0.35
    recommends = rng.choice(len(RECOMMEND), len(givers), p=RECOMMEND_WEIGHTS)
    recommended = rng.random(len(givers)) < 0.9
    keys = rng.integers(0, 256, len(givers))
    given = np.minimum(created_day[givers] + rng.integers(14, 60, len(givers)), today)
    for j, i in enumerate(givers.tolist()):
        answers = {
            name: options[answer[j, q]][0]
            for q, (name, (_, options)) in enumerate(questions)
            if answered[j, q]
        }
        strategies = [s for s, tick in zip(strategy_names, ticked[j], strict=True) if tick]
        recommend = RECOMMEND[recommends[j]][0] if recommended[j] else ""
        if not answers and not strategies and not recommend:
            recommend = RECOMMEND[0][0]  # record_feedback needs one answer
        out.feedback.append(
            (accepted[i][1], day(int(given[j])).replace(day=1), json.dumps(answers),
             json.dumps(strategies), recommend, int(keys[j]))
        )  # fmt: skip
    return out


def _sessions(rng, accepted, created_day, today, day, user_id, now, out) -> None:
    n = len(accepted)
    booked = rng.choice(len(SESSION_COUNT_WEIGHTS), n, p=SESSION_COUNT_WEIGHTS)
    owner = np.repeat(np.arange(n), booked)  # the referral of each session
    total = len(owner)
    nth = np.arange(total) - np.repeat(np.cumsum(booked) - booked, booked)
    date = created_day[owner] + 7 + 7 * nth + rng.integers(0, 4, total)
    status = rng.choice(len(SESSION_OUTCOMES), total, p=SESSION_OUTCOME_WEIGHTS)
    status[date > today] = -1  # not happened yet: still booked
    reasons = list(DNA_REASON_WEIGHTS)
    reason = rng.choice(len(reasons), total, p=list(DNA_REASON_WEIGHTS.values()))
    prefers_remote = rng.random(n) < 0.4
    remote = np.where(rng.random(total) < 0.8, prefers_remote[owner], ~prefers_remote[owner])
    kept = status != SESSION_OUTCOMES.index(SessionStatus.CANCELLED)
    for column, mask in enumerate((kept, status == 0, status == 1, kept & ~remote, kept & remote)):
        out.counts[:, column] = np.bincount(owner[mask], minlength=n)
    modes = (SessionMode.IN_PERSON.value, SessionMode.REMOTE.value)
    statuses = [s.value for s in SESSION_OUTCOMES] + [SessionStatus.BOOKED.value]
    reason_values = [r.value for r in reasons]
    for i, d, s, r, m in zip(owner.tolist(), date.tolist(), status.tolist(), reason.tolist(),
                             remote.tolist(), strict=True):  # fmt: skip
        referral_id, team_id, created, key = accepted[i][:4]
        out.sessions.append(
            (referral_id, team_id, created, key, day(d), modes[m], statuses[s],
             reason_values[r] if s == 1 else "", user_id, now)
        )  # fmt: skip


def _measures(rng, accepted, created_day, today, day, user_id, now, out) -> None:
    """Baseline and follow-up records, scored as signposting.measures scores them, and their
    MeasureItem rows by engagement.item_scores and engagement.item_changes."""
    n = len(accepted)
    with_baseline = rng.random(n) < BASELINE_SHARE
    takes = {m: with_baseline & (rng.random(n) < share) for m, share in MEASURE_SHARES.items()}
    takes[MeasureName.MYCAW] |= with_baseline & ~np.logical_or.reduce(list(takes.values()))
    baseline_day = np.minimum(created_day + 7, today)
    due = created_day + FOLLOW_UP_AFTER <= today
    categories = list(MYCAW_CATEGORIES)
    for measure, taking in takes.items():
        who = np.flatnonzero(taking)
        m = len(who)
        followed = due[who] & (rng.random(m) < FOLLOW_UP_SHARE)
        if measure == MeasureName.MYCAW:
            before = np.column_stack(
                [rng.integers(2, 7, m), rng.integers(1, 7, m), rng.integers(1, 7, m)]
            )  # concern_1, concern_2, wellbeing
            better = rng.choice([3, 2, 1, 0, -1], (m, 3), p=[0.15, 0.3, 0.3, 0.15, 0.1])
            after = np.clip(before - better, 0, 6)
            cats = rng.choice(len(categories), (m, 2))
            second = rng.random(m) < 0.5
        elif measure == MeasureName.PSEQ:
            before = rng.integers(0, 7, (m, len(PSEQ_ITEMS)))
            after = np.clip(before + rng.choice([-1, 0, 1, 2], (m, len(PSEQ_ITEMS))), 0, 6)
        else:
            before = rng.integers(0, 11, (m, len(ONS4_ITEMS)))
            after = np.clip(before + rng.integers(-2, 4, (m, len(ONS4_ITEMS))), 0, 10)
            after[:, -1] = np.clip(before[:, -1] - rng.integers(-2, 4, m), 0, 10)  # anxiety
        for j, i in enumerate(who.tolist()):
            referral_id, team_id, created, key, home, gp = accepted[i]
            records = {}
            for timepoint, scores, taken in (
                (MeasureRecord.Timepoint.BASELINE, before[j], baseline_day[i]),
                (MeasureRecord.Timepoint.FOLLOW_UP, after[j],
                 created_day[i] + FOLLOW_UP_AFTER if followed[j] else None),
            ):  # fmt: skip
                if taken is None:
                    continue
                scores = scores.tolist()
                if measure == MeasureName.MYCAW:
                    fields = {"concern_1": scores[0], "wellbeing": scores[2]}
                    if second[j]:
                        fields["concern_2"] = scores[1]
                    record = _Record(measure, fields, None, categories[cats[j, 0]],
                                     categories[cats[j, 1]] if second[j] else "")  # fmt: skip
                elif measure == MeasureName.PSEQ:
                    fields = dict(zip(PSEQ_ITEMS, scores, strict=True))
                    record = _Record(measure, fields, sum(scores), "", "")
                else:
                    record = _Record(measure, dict(zip(ONS4_ITEMS, scores, strict=True)),
                                     None, "", "")  # fmt: skip
                records[timepoint] = record
                out.records.append(
                    (referral_id, team_id, created, key, measure.value, timepoint.value,
                     day(int(taken)), json.dumps(record.scores), record.total,
                     record.concern_1_category, record.concern_2_category, user_id, now)
                )  # fmt: skip
            follow_up = records.get(MeasureRecord.Timepoint.FOLLOW_UP)
            for item, category, score, then, change in item_changes(
                measure,
                item_scores(records[MeasureRecord.Timepoint.BASELINE]),
                item_scores(follow_up) if follow_up else {},
            ):
                out.items.append(
                    (referral_id, team_id, home, gp, created, key, measure.value, item, category,
                     score, then, change)
                )  # fmt: skip


@dataclass(frozen=True)
class _Record:
    """What engagement.item_scores reads of a MeasureRecord."""

    measure: str
    scores: dict
    total: int | None
    concern_1_category: str
    concern_2_category: str


def insert_engagement(made: Engagement) -> None:
    """Insert the rows of engagement() (session counts are the caller's)."""
    insert_rows(Session._meta.db_table, SESSION_COLUMNS, made.sessions)
    insert_rows(MeasureRecord._meta.db_table, RECORD_COLUMNS, made.records)
    insert_rows(MeasureItem._meta.db_table, ITEM_COLUMNS, made.items)
    insert_rows(FeedbackResponse._meta.db_table, FEEDBACK_COLUMNS, made.feedback)
