"""Sessions with the link worker and outcome measures: every write goes through here.

Sessions are booked, then attended, missed (did not attend, with a reason) or cancelled. Outcome
measures (MYCaW, PSEQ, ONS4) are scored by signposting.measures, which knows no Django; a measure
recorded again at the same timepoint replaces the earlier scores (a correction).
"""

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from signposting.matching import MatchError
from signposting.models import Referral, Session
from signposting.vocabulary import SessionDnaReason, SessionMode, SessionStatus

log = logging.getLogger(__name__)

# How far ahead a session may be booked.
BOOKING_HORIZON = dt.timedelta(days=366)


def _choice(errors, field, value, choices) -> None:
    if value not in choices.values:
        errors[field] = [f"'{value}' is not one of {', '.join(choices.values)}"]


@transaction.atomic
def book_session(*, referral: Referral, recorded_by, date: dt.date, mode: str) -> Session:
    """Book a session with the link worker for the referral."""
    errors: dict[str, list[str]] = {}
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
            errors["dna_reason"] = [f"say why ({', '.join(SessionDnaReason.values)})"]
        else:
            _choice(errors, "dna_reason", dna_reason, SessionDnaReason)
    elif dna_reason:
        errors["dna_reason"] = ["a reason is only for a session the patient did not attend"]
    happened = status in (SessionStatus.ATTENDED, SessionStatus.DID_NOT_ATTEND)
    if happened and session.date > timezone.localdate():
        errors["status"] = [f"the session is on {session.date:%-d %B %Y}: record it then"]
    if errors:
        raise MatchError(errors)
    session = Session.objects.select_for_update().get(pk=session.pk)
    session.status, session.dna_reason = status, dna_reason
    session.recorded_by, session.updated_at = recorded_by, timezone.now()
    session.save(update_fields=["status", "dna_reason", "recorded_by", "updated_at"])
    log.info("session recorded session=%s status=%s", session.pk, status)
    return session
