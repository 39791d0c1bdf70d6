"""Every write to referrals and outcomes goes through these functions."""

import datetime as dt
import logging
import secrets

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from directory.models import Need, Service
from directory.postcodes import postcode_sector
from signposting.identifiers import note_errors
from signposting.journey import intake_state, path_states
from signposting.listing_feedback import record_listing_evidence
from signposting.matching import MatchError, MatchQuery, resolve_patient
from signposting.models import OutcomeEvent, Referral, ReferralNeed, Team
from signposting.references import unused_reference
from signposting.vocabulary import (
    CONNECTS,
    FOLLOWS_REFERRAL,
    INTAKE_KINDS,
    PATH_KINDS,
    REASON_REQUIRED,
    Kind,
    NotOpen,
    OverrideReason,
    Reason,
    Stage,
    label,
    reasons_for,
)

log = logging.getLogger(__name__)


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
        resolved = resolve_patient(query)
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
        record_key=secrets.randbelow(256),
        reference=unused_reference(lambda ref: Referral.objects.filter(reference=ref).exists()),
    )
    referral.needs.set(
        resolved.need_ids,
        through_defaults={
            "created_at": referral.created_at,
            "team": referral.team,
            "home_area": referral.home_area,
            "gp_area": referral.gp_area,
            "record_key": referral.record_key,
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


def _check_common(errors, referral, *, stage, kind, reason, note, corrects, need=None) -> None:
    allowed = reasons_for(stage, kind)
    words = ", ".join(f"'{Reason(r).label}' ({r})" for r in allowed)
    if reason and reason not in allowed:
        errors["reason"] = [
            f"'{Reason(reason).label if reason in Reason.values else reason}' is not a reason "
            f"for '{label(stage, kind)}'" + (f": choose {words}" if allowed else ": leave it empty")
        ]
    elif not reason and (stage, kind) in REASON_REQUIRED:
        errors["reason"] = [f"Say why: choose {words}"]
    if corrects is not None:
        if corrects.referral_id != referral.pk:
            errors["corrects"] = ["the event corrected must belong to the same referral"]
        elif corrects.stage != stage:
            article = "an" if corrects.stage == Stage.INTAKE else "a"
            errors["corrects"] = [
                f"event {corrects.pk} is {article} {corrects.stage} event: correct it with "
                "another one"
            ]
        elif stage == Stage.PATH and corrects.need_id not in (None, getattr(need, "pk", None)):
            errors["corrects"] = [
                f"event {corrects.pk} is on the path of another need: correct it there"
            ]
        else:
            later = OutcomeEvent.objects.filter(corrects=corrects).values_list("pk", flat=True)
            if later:
                errors["corrects"] = [
                    f"event {corrects.pk} was already corrected by event {later[0]}: "
                    "correct that one instead"
                ]
    if len(note) > 2000:
        errors["note"] = ["keep the note to 2,000 characters"]
    elif identifying := note_errors(note):
        errors["note"] = identifying


def _lock(referral: Referral) -> None:
    """Lock the referral, so that two events recorded at once both land and the stored states
    are derived from both."""
    Referral.objects.select_for_update().filter(pk=referral.pk).first()


@transaction.atomic
def record_intake_outcome(
    *,
    referral: Referral,
    recorded_by,
    kind: str,
    reason: str = "",
    note: str = "",
    corrects: OutcomeEvent | None = None,
    recorded_at: dt.datetime | None = None,
) -> OutcomeEvent:
    """Append an outcome of the referral to the team (it names no service or need)."""
    errors: dict[str, list[str]] = {}
    if kind not in INTAKE_KINDS:
        errors["kind"] = [f"'{kind}' is not an intake outcome: use one of {_listed(INTAKE_KINDS)}"]
    else:
        _check_common(
            errors, referral, stage=Stage.INTAKE, kind=kind, reason=reason, note=note,
            corrects=corrects,
        )  # fmt: skip
    if errors:
        raise MatchError(errors)
    _lock(referral)
    event = OutcomeEvent.objects.create(
        referral=referral,
        stage=Stage.INTAKE,
        kind=kind,
        reason=reason,
        note=note,
        recorded_by=recorded_by,
        recorded_at=recorded_at or timezone.now(),
        corrects=corrects,
    )
    refresh_states([referral.pk], referral=referral)
    log.info("intake outcome recorded referral=%s kind=%s event=%s", referral.pk, kind, event.pk)
    return event


@transaction.atomic
def record_path_event(
    *,
    referral: Referral,
    recorded_by,
    need: Need | None,
    kind: str,
    service: Service | None = None,
    reason: str = "",
    note: str = "",
    corrects: OutcomeEvent | None = None,
    recorded_at: dt.datetime | None = None,
    not_open: str = "",
    override_reason: str = "",
) -> OutcomeEvent:
    """Append an event to one need's path: a connection to a service, or "no service available".

    An event about a service names a published service that covers the need; the service's
    answers (accepted, started, full, ...) follow a referral or signposting to it on this need.
    A referral or signposting to a service that is not open to the patient (`not_open`, as the
    search said) must say why the team went ahead (`override_reason`; "other" needs a note).
    """
    errors: dict[str, list[str]] = {}
    need_ids = set(ReferralNeed.objects.filter(referral=referral).values_list("need_id", flat=True))
    if need is None:
        errors["need"] = ["say which of the referral's needs this is about"]
    elif need.pk not in need_ids:
        errors["need"] = [f"'{need.slug}' is not one of this referral's needs"]
    if kind not in PATH_KINDS:
        errors["kind"] = [f"'{kind}' is not a path event: use one of {_listed(PATH_KINDS)}"]
    elif kind == Kind.NO_SERVICE_AVAILABLE:
        if service is not None:
            errors["service"] = ["leave the service empty when no service is available"]
    elif service is None:
        errors["service"] = [f"Say which service this is about ({label(Stage.PATH, kind).lower()})"]
    else:
        if service.status != Service.Status.PUBLISHED:
            errors["service"] = [
                f"'{service.name}' is {service.get_status_display().lower()}, not published"
            ]
        elif need is not None and not service.needs.filter(pk=need.pk).exists():
            errors["service"] = [f"'{service.name}' does not offer help with {need.name.lower()}"]
        elif (
            need is not None
            and kind in FOLLOWS_REFERRAL
            and not _connected(referral, need, service)
        ):
            errors["service"] = [
                f"the patient was not referred or signposted to '{service.name}' for "
                f"{need.name.lower()}: record that first"
            ]
    if kind in PATH_KINDS:
        _check_common(
            errors, referral, stage=Stage.PATH, kind=kind, reason=reason, note=note,
            corrects=corrects, need=need,
        )  # fmt: skip
    _check_override(errors, kind=kind, service=service, not_open=not_open,
                    override_reason=override_reason, note=note)  # fmt: skip
    if errors:
        raise MatchError(errors)
    _lock(referral)
    event = OutcomeEvent.objects.create(
        referral=referral,
        stage=Stage.PATH,
        need=need,
        kind=kind,
        service=service,
        reason=reason,
        note=note,
        not_open=not_open,
        override_reason=override_reason,
        recorded_by=recorded_by,
        recorded_at=recorded_at or timezone.now(),
        corrects=corrects,
    )
    refresh_states([referral.pk], referral=referral)
    record_listing_evidence(event)  # "service full" three times in 30 days: review the listing
    log.info(
        "path event recorded referral=%s need=%s kind=%s event=%s",
        referral.pk,
        need.pk,
        kind,
        event.pk,
    )
    return event


def _check_override(errors, *, kind, service, not_open, override_reason, note) -> None:
    """A connection to a service not open to the patient says why; nothing else carries one."""
    if not_open and not_open not in NotOpen.values:
        errors["not_open"] = [f"'{not_open}' is not one of {', '.join(NotOpen.values)}"]
        return
    if override_reason and override_reason not in OverrideReason.values:
        errors["override_reason"] = [
            f"'{override_reason}' is not one of {', '.join(OverrideReason.values)}"
        ]
        return
    if not not_open:
        if override_reason:
            errors["override_reason"] = [
                "leave it empty: the reason is for a service not open to the patient"
            ]
        return
    if kind not in CONNECTS or service is None:
        errors["not_open"] = ["only a referral or signposting to a service can be not open"]
    elif not override_reason:
        errors["override_reason"] = [
            f"{NotOpen(not_open).label}: say why you are recording this all the same"
        ]
    elif override_reason == OverrideReason.OTHER and not note.strip():
        errors.setdefault("note", []).append("Say in the note why you are going ahead")


def _connected(referral: Referral, need: Need, service: Service) -> bool:
    """Whether a standing event referred or signposted the patient to the service for the need."""
    events = OutcomeEvent.objects.filter(referral=referral, stage=Stage.PATH)
    corrected = set(events.exclude(corrects=None).values_list("corrects_id", flat=True))
    return (
        events.filter(need=need, service=service, kind__in=CONNECTS, excluded_reason="")
        .exclude(pk__in=corrected)
        .exists()
    )


def _listed(kinds) -> str:
    return ", ".join(k for k in Kind.values if k in kinds)


def refresh_states(referral_ids, *, referral: Referral | None = None) -> None:
    """Recompute the stored intake and path states of referrals from their events.

    Each need's state comes from its own path's events only. Used after every event and by the
    bulk loaders; reads the events afresh (a caller may hold an older, prefetched list).
    """
    referral_ids = list(referral_ids)
    events: dict[int, list] = {}
    needs: dict[int, list[ReferralNeed]] = {}
    for start in range(0, len(referral_ids), 5000):
        chunk = referral_ids[start : start + 5000]
        for event in OutcomeEvent.objects.filter(referral_id__in=chunk).only(
            "id", "referral_id", "stage", "kind", "need_id", "service_id", "recorded_at",
            "corrects_id", "excluded_reason",
        ):  # fmt: skip
            events.setdefault(event.referral_id, []).append(event)
        for link in ReferralNeed.objects.filter(referral_id__in=chunk).only(
            "id", "referral_id", "need_id", "state", "taken_up", "unmet"
        ):
            needs.setdefault(link.referral_id, []).append(link)
    referrals = list(Referral.objects.filter(pk__in=referral_ids).only("id"))
    links = []
    for row in referrals:
        mine = events.get(row.pk, [])
        intake = intake_state(mine)
        row.state, row.ever_accepted = intake.state, intake.accepted
        states = path_states(mine, [link.need_id for link in needs.get(row.pk, [])])
        for link in needs.get(row.pk, []):
            path = states[link.need_id]
            link.state, link.taken_up, link.unmet = path.state, path.taken_up, path.unmet
            links.append(link)
    Referral.objects.bulk_update(referrals, ["state", "ever_accepted"], batch_size=2000)
    ReferralNeed.objects.bulk_update(links, ["state", "taken_up", "unmet"], batch_size=2000)
    if referral is not None and referrals:
        referral.state, referral.ever_accepted = referrals[0].state, referrals[0].ever_accepted


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
