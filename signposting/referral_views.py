"""The team's referrals: the list, one referral's page, and the forms that add events to it.

A referral's page shows the intake (the referral to the team) and one section per need with
its own path; each form posts to its own view, which writes through signposting.actions.
"""

import csv
from collections import defaultdict
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from audit import log as audit
from audit.models import Action
from signposting.actions import record_intake_outcome, record_path_event, visible_referrals
from signposting.engagement import book_session, measure_form, record_measure, record_session
from signposting.exports import text_cell
from signposting.forms import (
    BookSessionForm,
    IntakeOutcomeForm,
    MeasureForm,
    PathEventForm,
    ReferralFilterForm,
    SessionOutcomeForm,
    filter_by_status,
)
from signposting.journey import decision
from signposting.matching import MatchError
from signposting.measures import MEASURES, MYCAW_CATEGORIES, MeasureName
from signposting.models import MeasureRecord, OutcomeEvent, ReferralNeed
from signposting.vocabulary import (
    INTAKE_STATE_LABELS,
    PATH_STATE_LABELS,
    WAITING,
    Stage,
    snomed_for,
)


def load_referral(view):
    """Pass the user's own referral (by `pk`) to the view; another team's answers 404."""

    @wraps(view)
    def wrapper(request, pk: int, **kwargs):
        referral = get_object_or_404(
            visible_referrals(request.user).select_related("home_area", "gp_area", "team"),
            pk=pk,
        )
        return view(request, referral, **kwargs)

    return wrapper


@never_cache
@login_required
@permission_required("signposting.view_referral", raise_exception=True)
def referral_list(request):
    form = ReferralFilterForm(request.GET or None)
    referrals = visible_referrals(request.user).select_related("home_area", "gp_area")
    referrals = referrals.prefetch_related(
        Prefetch(
            "need_links",
            queryset=ReferralNeed.objects.select_related("need").order_by("need__name"),
        )
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["status"]:
            referrals = filter_by_status(referrals, data["status"])
        if data["need"]:
            referrals = referrals.filter(needs=data["need"])
        if data["created_from"]:
            referrals = referrals.filter(created_at__date__gte=data["created_from"])
        if data["created_to"]:
            referrals = referrals.filter(created_at__date__lte=data["created_to"])
    page = Paginator(referrals, 50).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = [
        {
            "referral": r,
            "days": (today - timezone.localtime(r.created_at).date()).days,
            "waiting": r.state == WAITING,
            "state_label": INTAKE_STATE_LABELS.get(r.state, r.state),
            "needs": [
                {"name": link.need.name, "label": PATH_STATE_LABELS.get(link.state, link.state)}
                for link in r.need_links.all()
            ],
        }
        for r in page
    ]
    audit.record(request, Action.REFERRALS_LISTED)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "signposting/referral_list.html",
        {"form": form, "rows": rows, "page": page, "query_string": params.urlencode()},
    )


@never_cache
@login_required
@permission_required("signposting.view_referral", raise_exception=True)
@load_referral
def referral_detail(request, referral):
    audit.record(request, Action.REFERRAL_VIEWED, referral_id=referral.pk)
    return render(request, "signposting/referral_detail.html", journey_context(referral))


def recording(view):
    """A form on the referral page that writes: POST only, by a team member who may record."""
    view = require_POST(load_referral(view))
    view = permission_required("signposting.add_outcomeevent", raise_exception=True)(view)
    return never_cache(login_required(view))


def _record(request, referral, form, write, *, done, anchor="", **forms):
    """Write through an action from a valid form: a message and the page again (at the anchor);
    a refusal shows the page with the form's errors (400), and nothing is stored."""
    if form.is_valid():
        try:
            written = write(form.cleaned_data)
        except MatchError as exc:
            form.add_match_errors(exc)
        else:
            audit.record(request, Action.RECORDED, referral_id=referral.pk,
                   detail=request.resolver_match.url_name)  # fmt: skip
            messages.success(request, done(written))
            return redirect(f"{referral.get_absolute_url()}{anchor}")
    context = journey_context(referral, failed=form, **forms)
    return render(request, "signposting/referral_detail.html", context, status=400)


@recording
def record_intake(request, referral):
    """Append an intake outcome (the team's decision) to the referral."""
    form = IntakeOutcomeForm(request.POST, referral=referral)
    return _record(
        request, referral, form,
        lambda data: record_intake_outcome(referral=referral, recorded_by=request.user, **data),
        done=lambda _: "The team's decision was recorded.",
        intake_form=form,
    )  # fmt: skip


@recording
def record_path(request, referral, need: str):
    """Append an event to the path of one of the referral's needs."""
    link = get_object_or_404(referral.need_links.select_related("need"), need__slug=need)
    form = PathEventForm(request.POST, referral=referral, need=link.need)
    return _record(
        request, referral, form,
        lambda data: record_path_event(
            referral=referral, recorded_by=request.user, need=link.need, **data
        ),
        done=lambda _: f"Recorded on {link.need.name.lower()}.",
        anchor=f"#need-{link.need.slug}",
        path_forms={link.need_id: form},
    )  # fmt: skip


@recording
def book(request, referral):
    """Book a session with the link worker."""
    form = BookSessionForm(request.POST)
    return _record(
        request, referral, form,
        lambda data: book_session(referral=referral, recorded_by=request.user, **data),
        done=lambda session: f"Session booked for {session.date:%-d %B %Y}.",
        anchor="#sessions",
        book_form=form,
    )  # fmt: skip


@recording
def session_outcome(request, referral, session: int):
    """Record what happened to a booked session."""
    session = get_object_or_404(referral.sessions, pk=session)
    form = SessionOutcomeForm(request.POST, session=session)
    return _record(
        request, referral, form,
        lambda data: record_session(session=session, recorded_by=request.user, **data),
        done=lambda _: f"Session of {session.date:%-d %B %Y} recorded.",
        anchor="#sessions",
        session_forms={session.pk: form},
    )  # fmt: skip


def journey_context(
    referral,
    *,
    failed=None,
    intake_form=None,
    path_forms=None,
    book_form=None,
    session_forms=None,
    measure_forms=None,
) -> dict:
    """The referral page: the intake with its events and form, one section per need with its
    path and form, and old events no need could be found for ("unassigned")."""
    events = list(
        referral.events.select_related("service", "need", "recorded_by").order_by(
            "recorded_at", "id"
        )
    )
    corrected_by = defaultdict(list)
    for event in events:
        if event.corrects_id:
            corrected_by[event.corrects_id].append(event.pk)
    rows = [{"event": e, "corrected_by": corrected_by.get(e.pk, [])} for e in events]
    links = list(referral.need_links.select_related("need").order_by("need__name"))
    need_ids = {link.need_id for link in links}
    path_forms = path_forms or {}
    needs = [
        {
            "link": link,
            "need": link.need,
            "label": PATH_STATE_LABELS.get(link.state, link.state),
            "rows": [
                r
                for r in rows
                if r["event"].stage == Stage.PATH and r["event"].need_id == link.need_id
            ],
            "form": path_forms.get(link.need_id)
            or PathEventForm(referral=referral, need=link.need),
        }
        for link in links
    ]
    session_forms = session_forms or {}
    sessions = [
        {"session": s, "form": session_forms.get(s.pk) or SessionOutcomeForm(session=s)}
        for s in referral.sessions.all()
    ]
    return {
        "referral": referral,
        "snomed": _snomed(events),
        "sessions": sessions,
        "book_form": book_form or BookSessionForm(),
        **measures_context(referral, measure_forms or {}),
        "form": failed,  # the error summary's form, if a form was refused
        "intake_label": INTAKE_STATE_LABELS.get(referral.state, referral.state),
        "intake_rows": [r for r in rows if r["event"].stage == Stage.INTAKE],
        "intake_form": intake_form or IntakeOutcomeForm(referral=referral),
        "needs": needs,
        "unassigned_rows": [
            r for r in rows if r["event"].stage == Stage.PATH and r["event"].need_id not in need_ids
        ],
    }


def measures_context(referral, forms: dict) -> dict:
    """The referral's outcome measures as recorded, and a form for each measure."""
    records = []
    for record in referral.measures.all():
        measure = MEASURES[MeasureName(record.measure)]
        categories = {"concern_1": record.concern_1_category,
                      "concern_2": record.concern_2_category}  # fmt: skip
        items = [
            (measure.items.get(key, key)
             + (f" ({MYCAW_CATEGORIES[categories[key]].lower()})"
                if record.measure == MeasureName.MYCAW and key in categories else ""), score)
            for key, score in record.scores.items()
        ]  # fmt: skip
        records.append({"record": record, "name": measure.short_name, "items": items})
    return {
        "measure_records": records,
        "measure_forms": [
            forms.get(slug) or MeasureForm(measure=slug) for slug in MeasureRecord.Measure.values
        ],
    }


@recording
def measure(request, referral, measure: str):
    """Record an outcome measure at baseline or follow-up."""
    if measure not in MeasureRecord.Measure.values:
        raise Http404("No such measure")
    form = MeasureForm(request.POST, measure=measure)
    return _record(
        request, referral, form,
        lambda data: record_measure(
            referral=referral, recorded_by=request.user, measure=measure,
            timepoint=data["timepoint"], taken_on=data["taken_on"],
            scores=measure_form(measure, form.scores()),
        ),
        done=lambda _: f"{form.measure.short_name} recorded.",
        anchor="#measures",
        measure_forms={measure: form},
    )  # fmt: skip


@never_cache
@login_required
@permission_required("signposting.view_referral", raise_exception=True)
def referral_export(request):
    """The team's referrals with their reference and SNOMED CT concept, to code the GP record.

    Only for the team: it carries the references that link Signpost to patients' records."""
    referrals = (
        visible_referrals(request.user)
        .prefetch_related(
            Prefetch("need_links", queryset=ReferralNeed.objects.select_related("need")),
            Prefetch(
                "events",
                queryset=OutcomeEvent.objects.filter(stage=Stage.INTAKE).order_by(
                    "recorded_at", "id"
                ),
                to_attr="intake_events",
            ),
        )
        .order_by("created_at", "id")
    )
    audit.record(request, Action.REFERRALS_EXPORTED)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="referrals-for-gp-coding.csv"'
    writer = csv.writer(response)
    writer.writerow(
        ["reference", "referred_on", "team_decision", "decided_on", "snomed_code",
         "snomed_term", "needs"]
    )  # fmt: skip
    for referral in referrals.iterator(chunk_size=2000):
        concept = _snomed(referral.intake_events) or ("", "")
        decided = [e for e in referral.intake_events if e.kind == referral.state]
        writer.writerow(
            text_cell(value or "")
            for value in (
                referral.reference or "",
                timezone.localtime(referral.created_at).date().isoformat(),
                INTAKE_STATE_LABELS.get(referral.state, referral.state),
                timezone.localtime(decided[-1].recorded_at).date().isoformat() if decided else "",
                concept[0],
                concept[1],
                "; ".join(sorted(link.need.name for link in referral.need_links.all())),
            )
        )
    return response


def _snomed(events) -> tuple[str, str] | None:
    """The SNOMED CT concept of the referral's standing decision, from its events."""
    latest = decision(events)
    return None if latest is None else snomed_for(latest.kind, latest.reason)
