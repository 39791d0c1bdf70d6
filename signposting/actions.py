"""Every write to referrals and outcomes goes through these functions."""

import datetime as dt
import logging

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from directory.models import Need, Service
from directory.postcodes import postcode_sector
from signposting.index import current_index
from signposting.matching import MatchError, MatchQuery, resolve_patient
from signposting.models import OutcomeEvent, Referral, ReferralNeed, Team

log = logging.getLogger(__name__)

# The reasons that make sense for each outcome; an empty reason is always allowed.
REASONS_FOR = {
    OutcomeEvent.Kind.DECLINED: {"need_out_of_scope", "not_ready", "other"},
    OutcomeEvent.Kind.NOT_ELIGIBLE: {"out_of_area", "other"},
    OutcomeEvent.Kind.UNABLE_TO_CONTACT: {"other"},
    OutcomeEvent.Kind.DID_NOT_ATTEND: {"too_unwell", "away", "other"},
    OutcomeEvent.Kind.COMPLETED: {"advice_by_email", "other"},
    OutcomeEvent.Kind.SERVICE_FULL: {"other"},
}
# Outcomes after which a referral no longer waits for anything.
FINAL = {
    "accepted",
    "declined",
    "unable_to_contact",
    "not_eligible",
    "no_service_available",
    "service_full",
    "did_not_attend",
    "completed",
}


class TeamlessUser(ValueError):
    """A user who belongs to no team cannot make referrals."""


def age_band(age: int | None) -> str:
    if age is None:
        return Referral.AgeBand.UNKNOWN
    if age < 18:
        return Referral.AgeBand.UNDER_18
    if age < 65:
        return Referral.AgeBand.ADULT
    return Referral.AgeBand.OLDER


def team_of(user) -> Team:
    membership = getattr(user, "membership", None)
    if membership is None:
        raise TeamlessUser(f"{user} belongs to no team: ask an administrator to add them to one")
    return membership.team


@transaction.atomic
def create_referral(
    *,
    referrer,
    source: str,
    home_postcode: str,
    needs: list[str],
    gp_practice: str | None = None,
    gp_area: str | None = None,
    work_postcode: str | None = None,
    age: int | None = None,
    sex: str = "",
    ethnic_group: str = "",
    created_at: dt.datetime | None = None,
) -> Referral:
    """Create a referral with a minimal profile; the postcode is reduced to its sector here."""
    errors: dict[str, list[str]] = {}
    if source not in Referral.Source.values:
        errors["source"] = [f"'{source}' is not one of {', '.join(Referral.Source.values)}"]
    if sex and sex not in Referral.Sex.values:
        errors["sex"] = [f"'{sex}' is not one of {', '.join(Referral.Sex.values)}"]
    if ethnic_group and ethnic_group not in Referral.EthnicGroup.values:
        errors["ethnic_group"] = [
            f"'{ethnic_group}' is not one of {', '.join(Referral.EthnicGroup.values)}"
        ]
    query = MatchQuery(
        home_postcode=home_postcode,
        needs=needs,
        gp_practice=gp_practice,
        gp_area=gp_area,
        work_postcode=work_postcode,
        age=age,
    )
    try:
        resolved = resolve_patient(query, current_index())
    except MatchError as exc:
        errors.update(exc.errors)
    if errors:
        raise MatchError(errors)
    referral = Referral.objects.create(
        team=team_of(referrer),
        referrer=referrer,
        source=source,
        created_at=created_at or timezone.now(),
        postcode_sector=postcode_sector(home_postcode),
        home_area=resolved.home_area,
        gp_area=resolved.gp_area,
        work_area=resolved.work_area,
        age_band=age_band(age),
        sex=sex,
        ethnic_group=ethnic_group,
    )
    referral.needs.set(
        resolved.need_ids,
        through_defaults={
            "created_at": referral.created_at,
            "team": referral.team,
            "home_area": referral.home_area,
            "gp_area": referral.gp_area,
        },
    )
    log.info("referral created id=%s team=%s", referral.pk, referral.team_id)
    return referral


def create_referral_from(referrer, data) -> Referral:
    """create_referral from validated form or serializer data (blank means not given)."""
    return create_referral(
        referrer=referrer,
        source=data["source"],
        home_postcode=data["home_postcode"],
        needs=data["needs"],
        gp_practice=data.get("gp_practice") or None,
        gp_area=data.get("gp_area") or None,
        work_postcode=data.get("work_postcode") or None,
        age=data.get("age"),
        sex=data.get("sex") or "",
        ethnic_group=data.get("ethnic_group") or "",
    )


@transaction.atomic
def record_outcome(
    *,
    referral: Referral,
    recorded_by,
    kind: str,
    service: Service | None = None,
    need: Need | None = None,
    reason: str = "",
    note: str = "",
    corrects: OutcomeEvent | None = None,
    recorded_at: dt.datetime | None = None,
) -> OutcomeEvent:
    """Append an outcome event to a referral (a correction names the event it corrects)."""
    errors: dict[str, list[str]] = {}
    if kind not in OutcomeEvent.Kind.values:
        errors["kind"] = [f"'{kind}' is not one of {', '.join(OutcomeEvent.Kind.values)}"]
    elif kind == OutcomeEvent.Kind.NO_SERVICE_AVAILABLE:
        if service is not None:
            errors["service"] = ["leave the service empty when no service is available"]
        if need is None:
            errors["need"] = ["say which need no service is available for"]
    elif service is None:
        errors["service"] = ["say which service this outcome is about"]
    if reason:
        allowed = REASONS_FOR.get(kind, set())
        if reason not in allowed:
            errors["reason"] = [
                f"'{reason}' is not a reason for {kind}"
                + (f" (use one of {', '.join(sorted(allowed))})" if allowed else "")
            ]
    if need is not None and not referral.needs.filter(pk=need.pk).exists():
        errors["need"] = [f"'{need.slug}' is not one of this referral's needs"]
    if corrects is not None and corrects.referral_id != referral.pk:
        errors["corrects"] = ["the event corrected must belong to the same referral"]
    if len(note) > 2000:
        errors["note"] = ["keep the note to 2,000 characters"]
    if errors:
        raise MatchError(errors)
    # Lock the referral so that two outcomes recorded at once both land and the stored state
    # is derived from both.
    Referral.objects.select_for_update().filter(pk=referral.pk).first()
    event = OutcomeEvent.objects.create(
        referral=referral,
        kind=kind,
        service=service,
        need=need,
        reason=reason,
        note=note,
        recorded_by=recorded_by,
        recorded_at=recorded_at or timezone.now(),
        corrects=corrects,
    )
    # Read the events afresh: a caller may hold a prefetched (older) list of them.
    state, accepted = derive_state(list(OutcomeEvent.objects.filter(referral=referral)))
    Referral.objects.filter(pk=referral.pk).update(state=state, ever_accepted=accepted)
    ReferralNeed.objects.filter(referral=referral).update(state=state)
    referral.state, referral.ever_accepted = state, accepted
    log.info("outcome recorded referral=%s kind=%s event=%s", referral.pk, kind, event.pk)
    return event


def derive_state(events) -> tuple[str, bool]:
    """Return (current state, ever accepted) from a referral's events.

    The current state is the kind of the latest event that no later event corrects; a
    referral counts as accepted if any uncorrected event says so.
    """
    corrected = {e.corrects_id for e in events if e.corrects_id}
    standing = sorted(
        (e for e in events if e.id not in corrected), key=lambda e: (e.recorded_at, e.id)
    )
    state = standing[-1].kind if standing else ""
    return state, any(e.kind == OutcomeEvent.Kind.ACCEPTED for e in standing)


def refresh_states(referral_ids) -> None:
    """Recompute the stored state of many referrals from their events (for bulk loaders)."""
    events: dict[int, list] = {}
    for event in OutcomeEvent.objects.filter(referral_id__in=referral_ids).only(
        "id", "referral_id", "kind", "recorded_at", "corrects_id"
    ):
        events.setdefault(event.referral_id, []).append(event)
    referrals = list(Referral.objects.filter(pk__in=referral_ids).only("id"))
    by_state: dict[str, list[int]] = {}
    for referral in referrals:
        referral.state, referral.ever_accepted = derive_state(events.get(referral.pk, []))
        by_state.setdefault(referral.state, []).append(referral.pk)
    Referral.objects.bulk_update(referrals, ["state", "ever_accepted"], batch_size=2000)
    for state, ids in by_state.items():
        for start in range(0, len(ids), 5000):
            ReferralNeed.objects.filter(referral_id__in=ids[start : start + 5000]).update(
                state=state
            )


def visible_referrals(user) -> QuerySet:
    """The referrals a user may see: their team's; everyone's for a superuser; none otherwise."""
    if user.is_superuser:
        return Referral.objects.all()
    if not user.has_perm("signposting.view_referral"):
        return Referral.objects.none()
    membership = getattr(user, "membership", None)
    if membership is None:
        return Referral.objects.none()
    return Referral.objects.filter(team_id=membership.team_id)
