"""Feedback that triggers review: problems reported with a listing, outcome evidence, the
editors' review queue, their decisions and the weekly digest.

A listing enters the queue when it has an open problem (a link worker's report, or outcome
evidence such as three paths ending "service full" within 30 days) or when it is published and
has not been reviewed for 12 months. An editor's decision resolves every open problem of the
service at once and stamps `editor_decision_at`, which the importers respect.

The directory knows nothing of patients or referrals: a note's check for patient identifiers
and the counting of path events belong to signposting (signposting/listing_feedback.py), which
calls these functions.
"""

import datetime as dt
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from directory.actions import archive_service, update_service
from directory.models import ListingProblem, ReviewDecision, Service
from directory.queries import REVIEW_AFTER_DAYS, needs_review

log = logging.getLogger(__name__)

Reason = ListingProblem.Reason
Outcome = ReviewDecision.Outcome

EDIT_PERMISSION = "directory.change_service"
NOTE_MAX = 500
# Outcome evidence: this many paths within the window put the service in the queue.
EVIDENCE_THRESHOLD = 3
EVIDENCE_WINDOW = dt.timedelta(days=30)
EVIDENCE_REASONS = (Reason.OFTEN_FULL, Reason.UNREACHABLE)
# The digest names at most this many services of each kind, then says how many more.
DIGEST_NAMES = 50


def _listed(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _check_note(errors: dict, note: str) -> None:
    if len(note) > NOTE_MAX:
        errors["note"] = [f"Keep the note to {NOTE_MAX} characters (it has {len(note)})"]


def _lock(service: Service) -> None:
    """Lock the service's row: two reports or decisions at once are then taken in turn."""
    Service.objects.select_for_update().filter(pk=service.pk).first()


@transaction.atomic
def report_problem(service: Service, reason: str, note: str, user) -> ListingProblem:
    """Record a link worker's report of a problem with a published listing.

    The note is checked for length only: callers taking a note from a person check it for
    patient identifiers first (signposting.listing_feedback.report_listing_problem does).
    """
    note = (note or "").strip()
    errors: dict[str, list[str]] = {}
    if reason not in ListingProblem.REPORTABLE:
        errors["reason"] = [
            f"'{reason}' is not a problem you can report: choose one of "
            f"{_listed(ListingProblem.REPORTABLE)}"
            if reason
            else "Choose what is wrong with the listing"
        ]
    elif reason == Reason.OTHER and not note:
        errors["note"] = ["Say what is wrong with the listing"]
    _check_note(errors, note)
    if user is None or not user.is_authenticated:
        errors["reported_by"] = ["Sign in to report a problem with a listing"]
    if service.status != Service.Status.PUBLISHED:
        errors["service"] = [
            f"'{service.name}' is {service.get_status_display().lower()}, not listed: "
            "there is nothing to report"
        ]
    if not errors:
        _lock(service)
        earlier = ListingProblem.objects.filter(
            service=service, reason=reason, reported_by=user, decision__isnull=True
        ).first()
        if earlier is not None:
            errors["reason"] = [
                f"You reported this on {timezone.localtime(earlier.reported_at):%-d %B %Y}: "
                "the editors have not reviewed it yet"
            ]
    if errors:
        raise ValidationError(errors)
    problem = ListingProblem.objects.create(
        service=service, reason=reason, note=note, reported_by=user, reported_at=timezone.now()
    )
    log.info("listing problem reported service=%s reason=%s id=%s", service.pk, reason, problem.pk)
    return problem


@transaction.atomic
def add_outcome_evidence(
    service: Service, reason: str, times: Iterable[dt.datetime], now: dt.datetime | None = None
) -> ListingProblem | None:
    """Open an outcome-evidence problem when enough paths point at the service, else nothing.

    `times` are when the paths were recorded (full, or could not reach the service). Those in
    the 30 days up to `now` count, and only those after the editors' latest decision on the
    service: evidence an editor has already weighed does not reopen the listing. Nothing is
    opened while a problem for the same reason is still open.
    """
    if reason not in EVIDENCE_REASONS:
        raise ValueError(
            f"'{reason}' is not outcome evidence: use one of {_listed(EVIDENCE_REASONS)}"
        )
    now = now or timezone.now()
    since = now - EVIDENCE_WINDOW
    latest = service.decisions.order_by("-decided_at").values_list("decided_at", flat=True)
    if latest:
        since = max(since, latest[0])
    count = sum(1 for t in times if since < t <= now)
    if count < EVIDENCE_THRESHOLD:
        return None
    _lock(service)
    if ListingProblem.objects.filter(service=service, reason=reason, decision__isnull=True):
        return None
    what = "service full" if reason == Reason.OFTEN_FULL else "could not reach the service"
    problem = ListingProblem.objects.create(
        service=service,
        reason=reason,
        note=f"{count} paths recorded as {what} in the {EVIDENCE_WINDOW.days} days "
        f"to {timezone.localtime(now):%-d %B %Y}",
        reported_at=now,
    )
    log.info("outcome evidence service=%s reason=%s id=%s", service.pk, reason, problem.pk)
    return problem


@dataclass(frozen=True)
class QueueEntry:
    """A service in the review queue: its open problems (oldest first) and whether it is due."""

    service: Service
    problems: tuple[ListingProblem, ...]
    due: bool

    @property
    def reasons(self) -> list[tuple[str, int]]:
        """Each open reason's words and how many times it was raised, most often first."""
        counts = Counter(p.reason for p in self.problems)
        return [(Reason(r).label, n) for r, n in counts.most_common()]

    @property
    def since(self) -> dt.datetime | None:
        return self.problems[0].reported_at if self.problems else None


def _due_services():
    return needs_review(Service.objects.all()).order_by(
        F("last_reviewed").asc(nulls_first=True), "name", "pk"
    )


def review_queue(*, due_limit: int | None = None) -> list[QueueEntry]:
    """Return the services to review: those with open problems first (oldest problem first),
    then those not reviewed for 12 months (never reviewed first, then the oldest review).

    A service with both appears once, among the problems. `due_limit` bounds how many services
    due for review are returned (a large directory has thousands).
    """
    open_problems = ListingProblem.objects.filter(decision__isnull=True)
    by_service: dict[int, list[ListingProblem]] = {}
    for problem in open_problems.select_related("reported_by").order_by("reported_at", "pk"):
        by_service.setdefault(problem.service_id, []).append(problem)
    services = Service.objects.select_related("organisation").in_bulk(list(by_service))
    due_ids = set(_due_services().filter(pk__in=list(by_service)).values_list("pk", flat=True))
    # Oldest open problem first: each list is oldest first already.
    order = sorted(by_service, key=lambda pk: (by_service[pk][0].reported_at, pk))
    entries = [QueueEntry(services[pk], tuple(by_service[pk]), pk in due_ids) for pk in order]
    due = _due_services().exclude(pk__in=[e.service.pk for e in entries])
    due = due.select_related("organisation")
    if due_limit is not None:
        due = due[:due_limit]
    entries += [QueueEntry(service, (), True) for service in due]
    return entries


def due_count() -> int:
    """How many published services have not been reviewed for 12 months."""
    return _due_services().count()


@transaction.atomic
def resolve(service: Service, outcome: str, user, note: str = "") -> ReviewDecision:
    """Record an editor's decision on a listing and close every open problem with it.

    Confirmed or updated (the editor has edited it in the admin): reviewed today. Archived: out
    of search and feeds. Either way the decision's time is kept on the service, so that an
    import does not overwrite it.
    """
    note = (note or "").strip()
    errors: dict[str, list[str]] = {}
    if outcome not in Outcome.values:
        words = ", ".join(f"'{o.label}' ({o.value})" for o in Outcome)
        errors["outcome"] = [
            f"'{outcome}' is not a decision: choose {words}"
            if outcome
            else "Choose your decision on the listing"
        ]
    _check_note(errors, note)
    if errors:
        raise ValidationError(errors)
    if user is None or not user.has_perm(EDIT_PERMISSION):
        raise PermissionDenied(f"{user} may not review listings: it needs {EDIT_PERMISSION}")
    _lock(service)
    now = timezone.now()
    decision = ReviewDecision.objects.create(
        service=service, outcome=outcome, note=note, decided_by=user, decided_at=now
    )
    closed = ListingProblem.objects.filter(service=service, decision__isnull=True).update(
        decision=decision
    )
    if outcome == Outcome.ARCHIVED:
        archive_service(service)
        update_service(service, editor_decision_at=now)
    else:
        update_service(service, last_reviewed=timezone.localdate(), editor_decision_at=now)
    log.info(
        "review decision service=%s outcome=%s problems=%s id=%s",
        service.pk,
        outcome,
        closed,
        decision.pk,
    )
    return decision


def editors():
    """Active users who may review listings (by permission, never by group name)."""
    permission = Permission.objects.get(
        content_type__app_label="directory", codename="change_service"
    )
    may = Q(is_superuser=True) | Q(user_permissions=permission) | Q(groups__permissions=permission)
    return get_user_model().objects.filter(may, is_active=True).distinct().order_by("pk")


def _link(site_url: str, path: str) -> str:
    return site_url.rstrip("/") + path


def review_digest(site_url: str = "") -> tuple[str, str] | None:
    """The digest's subject and text, or None when nothing needs review.

    Links start with `site_url` (settings.SITE_URL); without one they are paths on the site.
    """
    entries = review_queue(due_limit=DIGEST_NAMES)
    with_problems = [e for e in entries if e.problems]
    due_total = due_count()
    if not with_problems and not due_total:
        return None
    lines = []
    if with_problems:
        lines.append(f"Services with open problems: {len(with_problems)}")
        for entry in with_problems[:DIGEST_NAMES]:
            reasons = "; ".join(f"{text} ({n})" for text, n in entry.reasons)
            lines.append(f"- {entry.service.name} ({entry.service.organisation}): {reasons}")
        if len(with_problems) > DIGEST_NAMES:
            lines.append(f"- and {len(with_problems) - DIGEST_NAMES} more")
        lines.append("")
    if due_total:
        days = REVIEW_AFTER_DAYS
        lines.append(f"Services due for review (not reviewed for {days} days): {due_total}")
        due = [e for e in entries if e.due and not e.problems]
        for entry in due:
            when = entry.service.last_reviewed
            lines.append(
                f"- {entry.service.name} ({entry.service.organisation}): "
                + (f"last reviewed {when:%-d %B %Y}" if when else "never reviewed")
            )
        also = sum(1 for e in with_problems if e.due)
        if also:
            lines.append(f"- and {also} listed above with open problems")
        if due_total > len(due) + also:
            lines.append(f"- and {due_total - len(due) - also} more")
        lines.append("")
    lines.append(f"Open the review queue: {_link(site_url, reverse('review-queue'))}")
    subject = (
        f"Signpost review queue: {len(with_problems)} with problems, {due_total} due for review"
    )
    return subject, "\n".join(lines) + "\n"


def send_review_digest(*, site_url: str = "", from_email: str | None = None) -> int:
    """Email the digest to every active editor with an email address; return how many."""
    digest = review_digest(site_url)
    if digest is None:
        return 0
    subject, body = digest
    recipients = [user.email for user in editors() if user.email]
    messages = [EmailMessage(subject, body, from_email, [to]) for to in recipients]
    if messages:
        get_connection().send_messages(messages)
    log.info("review digest sent to %s editors", len(messages))
    return len(messages)
