"""What signposting tells the directory about its listings: problems link workers report, and
the evidence of the paths they record (seed: feedback that triggers review).

The directory's review functions (directory/reviews.py) know nothing of patients: the check
that a note identifies no patient, and the counting of path events, live here.
"""

from django.core.exceptions import ValidationError
from django.utils import timezone

from directory.models import ListingProblem, Service
from directory.reviews import EVIDENCE_WINDOW, add_outcome_evidence, report_problem
from signposting.identifiers import note_errors
from signposting.models import OutcomeEvent
from signposting.vocabulary import Kind, Stage

# Path kinds that count as evidence against a listing. There is no path kind for "could not
# reach the service" yet (UNABLE_TO_CONTACT is the team failing to reach the patient, an intake
# outcome), so UNREACHABLE has no source here; a new path kind would be one more line.
EVIDENCE_FOR_KIND = {Kind.SERVICE_FULL: ListingProblem.Reason.OFTEN_FULL}


def report_listing_problem(*, service: Service, reason: str, note: str, reported_by):
    """Report a problem with a listing, refusing a note that could identify a patient."""
    identifying = note_errors(note or "")
    if identifying:
        raise ValidationError({"note": identifying})
    return report_problem(service, reason, note, reported_by)


def record_listing_evidence(event: OutcomeEvent):
    """After a path event about a service: count such events for the service in the last 30
    days, across every team, and let the directory decide whether the listing needs review.

    Events later corrected, or left out by the migration, do not count. Runs inside the
    transaction that stored the event.
    """
    reason = EVIDENCE_FOR_KIND.get(event.kind)
    if reason is None or event.service_id is None or event.stage != Stage.PATH:
        return None
    now = timezone.now()
    corrected = OutcomeEvent.objects.filter(
        corrects__service_id=event.service_id, corrects__kind=event.kind
    ).values("corrects_id")
    times = (
        OutcomeEvent.objects.filter(
            service_id=event.service_id,
            stage=Stage.PATH,
            kind=event.kind,
            excluded_reason="",
            recorded_at__gt=now - EVIDENCE_WINDOW,
        )
        .exclude(pk__in=corrected)
        .values_list("recorded_at", flat=True)
    )
    return add_outcome_evidence(event.service, reason, list(times), now=now)
