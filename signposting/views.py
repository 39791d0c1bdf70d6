"""Pages for link workers and clinicians: search, record a referral, the team's referrals."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from directory.models import GPPractice, Need, Service
from eligibility.engine import Verdict
from signposting.actions import (
    TeamlessUser,
    create_referral_from,
    record_intake_outcome,
    record_path_event,
    visible_referrals,
)
from signposting.forms import OutcomeForm, RecordReferralForm, ReferralFilterForm, SearchForm
from signposting.matching import MatchError, match
from signposting.models import OutcomeEvent
from signposting.vocabulary import INTAKE_KINDS, INTAKE_STATE_LABELS, WAITING

GROUPS = [
    (Verdict.ELIGIBLE, "can-use", "Can use"),
    (Verdict.CHECK, "check-first", "Check first"),
    (Verdict.NOT_ELIGIBLE, "not-open", "Not open to this patient"),
]
# The search's fields, carried (hidden) into the record step and never stored as typed.
CARRIED = [
    "home_postcode",
    "gp_practice",
    "gp_area",
    "work_postcode",
    "age",
    "needs",
    "groups",
    "delivery_modes",
    "max_distance_km",
]


@never_cache
@login_required
def search(request):
    """Show the search form; on POST, the matched services. The patient's details are not kept.

    POST rather than GET so that the patient's postcode never appears in a URL, a server log
    or the browser history.
    """
    form = SearchForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = match(form.to_query())
        except MatchError as exc:
            form.add_match_errors(exc)
    context = {"form": form, "result": result, "practices": GPPractice.objects.filter(status="A")}
    if result is not None:
        context["groups"] = [
            {
                "slug": slug,
                "title": title,
                "items": [
                    {
                        "match": m,
                        "needs": [result.need_names[n] for n in m.matched_need_ids],
                        "route": Service.ReferralRoute(m.entry.referral_route).label,
                    }
                    for m in result.results
                    if m.decision.verdict == verdict
                ],
            }
            for verdict, slug, title in GROUPS
        ]
        context["unmet_needs"] = [
            {"slug": result.need_slugs[n], "name": result.need_names[n]}
            for n in result.unmet_need_ids
        ]
        context["carried"] = _carried(form)
        context["can_record"] = request.user.has_perm("signposting.add_referral")
    return render(request, "signposting/search.html", context)


def _carried(form) -> list[tuple[str, str]]:
    pairs = []
    for name in CARRIED:
        value = form.data.getlist(name) if hasattr(form.data, "getlist") else []
        pairs += [(name, v) for v in value if v not in (None, "")]
    return pairs


@never_cache
@login_required
@permission_required("signposting.add_referral", raise_exception=True)
@require_POST
def record_referral(request):
    """Confirm and save a referral from the search results, with its first outcome."""
    form = RecordReferralForm(request.POST)
    service = None
    if request.POST.get("service"):
        service = (
            Service.objects.filter(pk=request.POST["service"])
            .select_related("organisation")
            .first()
        )
    need = Need.objects.filter(slug=request.POST.get("need", "")).first()
    if "confirm" in request.POST and form.is_valid():
        data = form.cleaned_data
        try:
            referral = _save_referral(request.user, data, service, need)
        except MatchError as exc:
            form.add_match_errors(exc)
        except TeamlessUser as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "The referral and its outcome were recorded.")
            return redirect(referral)
    elif "confirm" not in request.POST:
        form.errors.clear()  # the first view of the step: no errors yet
    return render(
        request,
        "signposting/record.html",
        {"form": form, "service": service, "need": need, "carried": _carried(form)},
    )


def _save_referral(user, data, service, need):
    with transaction.atomic():
        referral = create_referral_from(user, data)
        if need is None and service is not None:
            need = service.needs.filter(referrals=referral).order_by("name").first()
        record_path_event(
            referral=referral,
            recorded_by=user,
            need=need,
            kind=data["kind"],
            service=service if data["kind"] != OutcomeEvent.Kind.NO_SERVICE_AVAILABLE else None,
            note=data.get("note", ""),
        )
    return referral


@never_cache
@login_required
@permission_required("signposting.view_referral", raise_exception=True)
def referral_list(request):
    form = ReferralFilterForm(request.GET or None)
    referrals = visible_referrals(request.user).select_related("home_area", "gp_area")
    referrals = referrals.prefetch_related("needs")
    if form.is_valid():
        data = form.cleaned_data
        if data["status"] == "awaiting":
            referrals = referrals.filter(state=WAITING)
        elif data["status"]:
            referrals = referrals.filter(state=data["status"])
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
            "awaiting": r.state == WAITING,
            "state_label": INTAKE_STATE_LABELS.get(r.state, r.state),
        }
        for r in page
    ]
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
def referral_detail(request, pk: int):
    referral = get_object_or_404(
        visible_referrals(request.user).select_related("home_area", "gp_area", "team"),
        pk=pk,
    )
    form = OutcomeForm(referral=referral)
    events = referral.events.select_related("service", "need", "recorded_by", "corrects")
    return render(
        request,
        "signposting/referral_detail.html",
        {"referral": referral, "events": events, "form": form},
    )


@never_cache
@login_required
@permission_required("signposting.add_outcomeevent", raise_exception=True)
@require_POST
def add_outcome(request, pk: int):
    referral = get_object_or_404(visible_referrals(request.user), pk=pk)
    form = OutcomeForm(request.POST, referral=referral)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["kind"] in INTAKE_KINDS and not (data["service"] or data["need"]):
                record_intake_outcome(
                    referral=referral,
                    recorded_by=request.user,
                    kind=data["kind"],
                    reason=data["reason"],
                    note=data["note"],
                    corrects=data["corrects"],
                )
            else:
                record_path_event(
                    referral=referral,
                    recorded_by=request.user,
                    kind=data["kind"],
                    service=data["service"],
                    need=data["need"],
                    reason=data["reason"],
                    note=data["note"],
                    corrects=data["corrects"],
                )
        except MatchError as exc:
            for name, problems in exc.errors.items():
                for problem in problems:
                    form.add_error(name if name in form.fields else None, problem)
        else:
            messages.success(request, "Outcome recorded.")
            return redirect(referral)
    events = referral.events.select_related("service", "need", "recorded_by", "corrects")
    return render(
        request,
        "signposting/referral_detail.html",
        {"referral": referral, "events": events, "form": form},
        status=400,
    )
