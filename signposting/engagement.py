"""Sessions with the link worker and outcome measures: every write goes through here.

Sessions are booked, then attended, missed (did not attend, with a reason) or cancelled. Outcome
measures (MYCaW, PSEQ, ONS4) are scored by signposting.measures, which knows no Django; a measure
recorded again at the same timepoint replaces the earlier scores (a correction).
"""

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from signposting.matching import MatchError
from signposting.measures import (
    MEASURES,
    MYCAW_CATEGORIES,
    MYCAW_CONCERN_SLOTS,
    Direction,
    MeasureError,
    MeasureName,
    score_mycaw,
    score_ons4,
    score_pseq,
)
from signposting.models import MeasureItem, MeasureRecord, Referral, Session
from signposting.vocabulary import (
    INTAKE_LABELS,
    Kind,
    SessionDnaReason,
    SessionMode,
    SessionStatus,
)

log = logging.getLogger(__name__)

# How far ahead a session may be booked.
BOOKING_HORIZON = dt.timedelta(days=366)


def _choice(errors, field, value, choices) -> None:
    if value not in choices.values:
        errors[field] = [f"'{value}' is not one of {', '.join(choices.values)}"]


# A referral the team decided not to take on (its latest decision) takes no sessions or
# measures until the team records that it accepted it (a closed one may: a follow-up is often
# taken at discharge).
NOT_TAKEN_ON = frozenset({Kind.DECLINED, Kind.NOT_ELIGIBLE, Kind.UNABLE_TO_CONTACT})


def _check_taken_on(errors, referral: Referral) -> None:
    if referral.state in NOT_TAKEN_ON:
        errors["referral"] = [
            f"The team's decision is '{INTAKE_LABELS[referral.state]}': record that the team "
            "accepted the referral first"
        ]


@transaction.atomic
def book_session(*, referral: Referral, recorded_by, date: dt.date, mode: str) -> Session:
    """Book a session with the link worker for the referral."""
    errors: dict[str, list[str]] = {}
    _check_taken_on(errors, referral)
    _choice(errors, "mode", mode, SessionMode)
    today = timezone.localdate()
    if not isinstance(date, dt.date):
        errors["date"] = ["give the session's date as YYYY-MM-DD"]
    elif date < timezone.localtime(referral.created_at).date():
        errors["date"] = ["a session cannot be before the referral was made"]
    elif date > today + BOOKING_HORIZON:
        errors["date"] = ["book sessions no more than a year ahead"]
    if errors:
        raise MatchError(errors)
    Referral.objects.select_for_update().filter(pk=referral.pk).first()  # counts stay right
    session = Session.objects.create(
        referral=referral,
        team_id=referral.team_id,
        created_at=referral.created_at,
        record_key=referral.record_key,
        date=date,
        mode=mode,
        recorded_by=recorded_by,
        updated_at=timezone.now(),
    )
    recount_sessions(referral.pk)
    log.info("session booked referral=%s session=%s", referral.pk, session.pk)
    return session


@transaction.atomic
def record_session(*, session: Session, recorded_by, status: str, dna_reason: str = "") -> Session:
    """Record what happened to a booked session (or correct it): attended, did not attend
    (with a reason), cancelled, or back to booked."""
    errors: dict[str, list[str]] = {}
    _choice(errors, "status", status, SessionStatus)
    if status == SessionStatus.DID_NOT_ATTEND:
        if not dna_reason:
            errors["dna_reason"] = [
                "Say why they did not attend: "
                + ", ".join(label.lower() for label in SessionDnaReason.labels)
            ]
        else:
            _choice(errors, "dna_reason", dna_reason, SessionDnaReason)
    elif dna_reason:
        errors["dna_reason"] = ["a reason is only for a session the patient did not attend"]
    happened = status in (SessionStatus.ATTENDED, SessionStatus.DID_NOT_ATTEND)
    if happened and session.date > timezone.localdate():
        errors["status"] = [f"the session is on {session.date:%-d %B %Y}: record it then"]
    if errors:
        raise MatchError(errors)
    Referral.objects.select_for_update().filter(pk=session.referral_id).first()
    session = Session.objects.select_for_update().get(pk=session.pk)
    session.status, session.dna_reason = status, dna_reason
    session.recorded_by, session.updated_at = recorded_by, timezone.now()
    session.save(update_fields=["status", "dna_reason", "recorded_by", "updated_at"])
    recount_sessions(session.referral_id)
    log.info("session recorded session=%s status=%s", session.pk, status)
    return session


@transaction.atomic
def record_measure(
    *,
    referral: Referral,
    recorded_by,
    measure: str,
    timepoint: str,
    taken_on: dt.date,
    scores: dict,
) -> MeasureRecord:
    """Score a measure (signposting.measures) and keep it; nothing is kept if it cannot be
    scored. Recording a measure again at the same timepoint replaces the earlier scores."""
    errors: dict[str, list[str]] = {}
    _choice(errors, "measure", measure, MeasureRecord.Measure)
    _choice(errors, "timepoint", timepoint, MeasureRecord.Timepoint)
    if not isinstance(taken_on, dt.date):
        errors["taken_on"] = ["give the date it was taken as YYYY-MM-DD"]
    elif taken_on > timezone.localdate():
        errors["taken_on"] = ["the date it was taken cannot be in the future"]
    elif taken_on < timezone.localtime(referral.created_at).date():
        errors["taken_on"] = ["the date it was taken cannot be before the referral"]
    _check_taken_on(errors, referral)
    fields: dict = {}
    if not isinstance(scores, dict):
        errors["scores"] = ["give the scores as an object of item: score"]
    elif measure in MeasureRecord.Measure.values:
        try:
            fields = _scored(measure, scores)
        except MeasureError as exc:
            errors.update(exc.errors)
    if not errors:
        _check_against_other_timepoint(errors, referral, measure, timepoint, taken_on, fields)
    if errors:
        raise MatchError(errors)
    record, created = MeasureRecord.objects.update_or_create(
        referral=referral,
        measure=measure,
        timepoint=timepoint,
        defaults={
            "team_id": referral.team_id,
            "created_at": referral.created_at,
            "record_key": referral.record_key,
            "taken_on": taken_on,
            "recorded_by": recorded_by,
            "recorded_at": timezone.now(),
            **fields,
        },
    )
    refresh_measure_items(referral, measure)
    log.info(
        "measure %s referral=%s measure=%s timepoint=%s",
        "recorded" if created else "replaced",
        referral.pk,
        measure,
        timepoint,
    )
    return record


def _check_against_other_timepoint(errors, referral, measure, timepoint, taken_on, fields):
    """A follow-up comes on or after its baseline, and a MYCaW follow-up scores the same
    concerns (by category) as the baseline did."""
    other = (
        MeasureRecord.objects.filter(referral=referral, measure=measure)
        .exclude(timepoint=timepoint)
        .first()
    )
    if other is None:
        return
    baseline = timepoint == MeasureRecord.Timepoint.BASELINE
    if (baseline and taken_on > other.taken_on) or (not baseline and taken_on < other.taken_on):
        errors["taken_on"] = [
            f"The {'baseline' if baseline else 'follow-up'} must be "
            f"{'on or before' if baseline else 'on or after'} the "
            f"{'follow-up' if baseline else 'baseline'} ({other.taken_on:%-d %B %Y})"
        ]
    if measure == MeasureName.MYCAW:
        for slot in MYCAW_CONCERN_SLOTS:
            mine, theirs = fields.get(f"{slot}_category", ""), getattr(other, f"{slot}_category")
            if mine != theirs:
                errors[f"{slot}_category"] = [
                    f"{slot.replace('_', ' ').capitalize()}: the "
                    f"{'follow-up' if baseline else 'baseline'} scored "
                    + (f"'{MYCAW_CATEGORIES[theirs]}'" if theirs else "no concern here")
                    + ": score the same concerns at both times"
                ]


def _scored(measure: str, scores: dict) -> dict:
    """The stored fields of a scored form (raises MeasureError)."""
    if measure == MeasureName.MYCAW:
        scored = score_mycaw(scores)
        kept = {"concern_1": scored.concern_1.score, "wellbeing": scored.wellbeing}
        if scored.concern_2 is not None:
            kept["concern_2"] = scored.concern_2.score
        return {
            "scores": kept,
            "total": None,
            "concern_1_category": scored.concern_1.category,
            "concern_2_category": scored.concern_2.category if scored.concern_2 else "",
        }
    if measure == MeasureName.PSEQ:
        scored = score_pseq(scores)
        return {"scores": dict(scored.items), "total": scored.total}
    scored = score_ons4(scores)
    return {"scores": scored.scores, "total": None}


def measure_form(measure: str, flat: dict) -> dict:
    """A measure's scores as signposting.measures reads them, from a flat form (a page's
    concern_1_category, concern_1_score ... fields); blank fields are left out."""
    flat = {key: value for key, value in flat.items() if value not in (None, "")}
    if measure != MeasureName.MYCAW:
        return flat
    form: dict = {}
    if "wellbeing" in flat:
        form["wellbeing"] = flat["wellbeing"]
    for slot in MYCAW_CONCERN_SLOTS:
        concern = {
            part: flat[f"{slot}_{part}"]
            for part in ("category", "score")
            if f"{slot}_{part}" in flat
        }
        if concern or slot == "concern_1":
            form[slot] = concern
    return form


def recount_sessions(referral_id: int) -> None:
    """Store the referral's session counts (booked: not cancelled; by mode: booked ones)."""
    sessions = Session.objects.filter(referral_id=referral_id).exclude(
        status=SessionStatus.CANCELLED
    )
    counts = sessions.aggregate(
        booked=Count("pk"),
        attended=Count("pk", filter=Q(status=SessionStatus.ATTENDED)),
        missed=Count("pk", filter=Q(status=SessionStatus.DID_NOT_ATTEND)),
        in_person=Count("pk", filter=Q(mode=SessionMode.IN_PERSON)),
        remote=Count("pk", filter=Q(mode=SessionMode.REMOTE)),
    )
    Referral.objects.filter(pk=referral_id).update(
        **{f"sessions_{name}": value for name, value in counts.items()}
    )


def item_scores(record: MeasureRecord) -> dict[str, tuple[int, str]]:
    """The reported scores of a record: item -> (score, category)."""
    if record.measure == MeasureName.PSEQ:
        return {"total": (record.total, "")}
    if record.measure == MeasureName.MYCAW:
        categories = {"concern_1": record.concern_1_category,
                      "concern_2": record.concern_2_category}  # fmt: skip
        return {k: (v, categories.get(k, "")) for k, v in record.scores.items()}
    return {k: (v, "") for k, v in record.scores.items()}


def item_changes(
    measure: str,
    baseline: dict[str, tuple[int, str]],
    followup: dict[str, tuple[int, str]],
) -> list[tuple[str, str, int, int | None, int | None]]:
    """A referral's reported items for one measure, from its baseline and follow-up item
    scores (item_scores): (item, category, baseline, follow-up or None, change or None), where
    change is 1 better, 0 the same, -1 worse in the measure's own direction."""
    scales = MEASURES[MeasureName(measure)].scales
    items = []
    for item, (score, category) in baseline.items():
        after = followup.get(item, (None, ""))[0]
        change = None
        if after is not None:
            moved = (after > score) - (after < score)
            change = moved if scales[item].better == Direction.HIGHER else -moved
        items.append((item, category, score, after, change))
    return items


def refresh_measure_items(referral: Referral, measure: str) -> None:
    """Rewrite the referral's MeasureItem rows for one measure from its records."""
    records = {
        r.timepoint: r for r in MeasureRecord.objects.filter(referral=referral, measure=measure)
    }
    baseline = item_scores(records["baseline"]) if "baseline" in records else {}
    followup = item_scores(records["follow_up"]) if "follow_up" in records else {}
    MeasureItem.objects.filter(referral=referral, measure=measure).delete()
    MeasureItem.objects.bulk_create(
        MeasureItem(
            referral=referral, team_id=referral.team_id, home_area_id=referral.home_area_id,
            gp_area_id=referral.gp_area_id, created_at=referral.created_at,
            record_key=referral.record_key, measure=measure, item=item, category=category,
            baseline=score, followup=after, change=change,
        )
        for item, category, score, after, change in item_changes(measure, baseline, followup)
    )  # fmt: skip
