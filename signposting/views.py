"""Pages for link workers and clinicians: search, and record a referral from the results."""

from contextlib import suppress

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db import transaction
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html_join
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from audit import log as audit
from audit.models import Action
from config.by_ids import ByIds
from directory.models import DeliveryMode, Need, Service
from directory.queries import practices_in
from signposting import result_cards
from signposting.actions import (
    TeamlessUser,
    create_referral_from,
    record_intake_outcome,
    record_path_event,
)
from signposting.forms import RECORD_KINDS, RecordReferralForm, SearchForm, posted_id
from signposting.last_search import attach_referral
from signposting.last_search import load as load_last_search
from signposting.last_search import save as save_last_search
from signposting.listing_feedback_views import may_report
from signposting.matching import (
    NOT_OPEN,
    RESULT_GROUPS,
    MatchError,
    check_query,
    match,
    not_open,
    result_group,
    service_decision,
    shown_listings,
)
from signposting.models import Membership
from signposting.templatetags import shortlist as shortlist_tags
from signposting.vocabulary import PATH_LABELS, Kind

# The search's fields, carried (hidden) into the record step and never stored as typed.
CARRIED = [
    "home_postcode",
    "gp_practice",
    "gp_area",
    "works",
    "work_postcode",
    "age",
    "needs",
    "groups",
    "delivery_modes",
    "max_distance_km",
    "open_on",
    "free_only",
]


_TEAM_FUNDING = ByIds(
    lambda ids: Membership.objects.filter(user_id__in=ids).values_list("team__funding_area_id")
)


@never_cache
@login_required
def search(request, results=False):
    """Show the search form; a POST whose patient facts can be matched keeps the search in the
    session and redirects to the results (GET), which match it (signposting/last_search.py).

    POST rather than GET so that the patient's postcode never appears in a URL, a server log
    or the browser history; the redirect, so that Back never asks to send the form again.
    """
    submitted = request.method == "POST" and not results
    data = request.POST if submitted else None
    last = None
    if results:
        last = load_last_search(request.session)
        if last is None:
            messages.info(
                request, "There are no results to go back to: a search is kept for 30 minutes."
            )
            return redirect("search")
        data = last.querydict()
    form = SearchForm(data)
    result = None
    if form.is_bound and form.is_valid():
        if submitted:
            audit.record(request, Action.SEARCHED)  # what was searched for is not kept
        try:
            if submitted:  # checked here, matched on the results page it redirects to
                check_query(form.to_query())
            else:
                result = match(form.to_query())
        except MatchError as exc:
            form.add_match_errors(exc)
        else:
            if submitted:
                refine = request.POST.get("refine") == "1"  # from the results page
                save_last_search(request.session, request.POST, refine=refine)
                return redirect("search-results")
    # The type-ahead's practices: those of the area that funds the user's team.
    # A row (the funding area,) for a user in a team (one team a user), none for anyone else.
    team = _TEAM_FUNDING.rows([request.user.pk])
    funding_area = team[0][0] if team else None
    context = {"form": form, "result": result, "practices": practices_in(funding_area)}
    if result is not None:
        context["unmet_needs"] = [
            {"slug": result.need_slugs[n], "name": result.need_names[n]}
            for n in result.unmet_need_ids
        ]
        context["filters"] = _filters(form.cleaned_data)
        context["carried"] = _carried(form)
        may_record = request.user.has_perm("signposting.add_referral")
        # Someone in no team (an administrator, say) cannot record: say so before they try.
        context["can_record"] = may_record and bool(team)
        context["teamless"] = may_record and not context["can_record"]
        context["groups"] = _result_groups(
            result,
            last,
            may_report(request.user),
            {
                "csrf": result_cards.csrf_input(get_token(request)),
                "carried": context["carried"],
                "record_url": reverse("referral-record"),
                "results_url": reverse("search-results"),
                "can_record": context["can_record"],
            },
        )
    response = render(request, "signposting/search.html", context)
    if result is not None:
        response["X-Directory-Revision"] = result.revision
    return response


def _result_groups(result, search, can_report: bool, page: dict) -> list[dict]:
    """The results by group, each card's HTML built once here (signposting/result_cards.py:
    through the template engine fifty cards cost more than the rest of the page)."""
    shown = shown_listings(result)
    results_url = page["results_url"]
    control_urls = shortlist_tags.control_urls()
    detail_url = result_cards.url_for_each("service-detail")
    report_url = result_cards.url_for_each("service-report-problem")
    rows_of: dict[str, list[dict]] = {slug: [] for slug, _ in RESULT_GROUPS}
    for m in result.results:
        slug = result_group(m)
        service_id = m.entry.id
        needs = [result.need_names[n] for n in m.matched_need_ids]
        need_slugs = [result.need_slugs[n] for n in m.matched_need_ids]
        row = {
            "match": m,
            "needs": needs,
            "need_slugs": need_slugs,
            "route": Service.ReferralRoute(m.entry.referral_route).label,
            "listing": shown.get(service_id),
            "url": detail_url(service_id),
            "report_url": report_url(service_id) if can_report else "",
            # The shortlist is what the patient may use: a service not open to them is
            # recorded, with a reason, instead.
            "shortlist": {"show": False}
            if slug == NOT_OPEN or m.closed
            else shortlist_tags.control(
                search,
                service_id,
                m.entry.name,
                list(zip(need_slugs, needs, strict=True)),
                f"{results_url}#service-{service_id}",
                control_urls,
            ),
        }
        row["html"] = result_cards.card(row, page)
        rows_of[slug].append(row)
    return [{"slug": slug, "title": title, "items": rows_of[slug]} for slug, title in RESULT_GROUPS]


def _filters(data) -> list[str]:
    """The filters chosen, in words: a need they leave unmet may be met without them."""
    words = [DeliveryMode(mode).label.lower() for mode in data.get("delivery_modes") or ()]
    if data.get("max_distance_km"):
        words.append(f"within {data['max_distance_km']:g} km")
    if data.get("open_on"):
        words.append(f"open on {data['open_on'].title()}")
    if data.get("free_only"):
        words.append("free")
    return words


def _carried(form) -> str:
    """The search's fields as typed, as hidden inputs, but the GP practice as its code (a name
    may match several practices, and the one chosen is known by now). Built once a page: the
    results repeat them in every card's form."""
    pairs = []
    cleaned = getattr(form, "cleaned_data", {})
    for name in CARRIED:
        if name == "gp_practice" and cleaned.get("gp_practice"):
            pairs.append((name, cleaned["gp_practice"]))
            continue
        value = form.data.getlist(name) if hasattr(form.data, "getlist") else []
        pairs += [(name, v) for v in value if v not in (None, "")]
    return format_html_join("", '<input type="hidden" name="{}" value="{}">', pairs)


@never_cache
@login_required
@permission_required("signposting.add_referral", raise_exception=True)
@require_POST
def record_referral(request):
    """Confirm and save a referral from the search results: the team's decision and the first
    event on the path of the one need the service (or "no suitable service") is about."""
    form = RecordReferralForm(request.POST)
    service = None
    if (service_id := posted_id(request.POST, "service")) is not None:
        service = Service.objects.filter(pk=service_id).select_related("organisation").first()
    # The patient's needs this step can be about: those the service covers, if there is one.
    choices = Need.objects.filter(slug__in=request.POST.getlist("needs")).order_by("name")
    if service is not None:
        choices = choices.filter(pk__in=service.needs.values("pk"))
    choices = list(choices)
    need = next((n for n in choices if n.slug == request.POST.get("need")), None)
    if need is None and len(choices) == 1:
        need = choices[0]
    if service is None and need is not None:
        choices = [need]  # "no suitable service" names its need: nothing to choose
    # Whether the service is open to the patient is decided again here, from the patient's
    # facts, never taken from the page; before the team's decision is asked for.
    warning = None
    facts = SearchForm(request.POST)
    if service is not None and facts.is_valid():
        with suppress(MatchError):  # saving says what is wrong with the facts
            warning = not_open(service_decision(facts.to_query(), service))
    if "confirm" in request.POST and form.is_valid():
        try:
            referral = _save_referral(request.user, form.cleaned_data, service, need, warning)
        except MatchError as exc:
            form.add_match_errors(exc)
        except TeamlessUser as exc:
            form.add_error(None, str(exc))
        else:
            audit.record(request, Action.REFERRAL_CREATED, referral_id=referral.pk)
            attach_referral(request.session, referral.pk, request.POST["home_postcode"])
            messages.success(request, "The referral was recorded.")
            return redirect(referral)
    elif "confirm" not in request.POST:
        form.errors.clear()  # the first view of the step: no errors yet
    return render(
        request,
        "signposting/record.html",
        {
            "form": form,
            "service": service,
            "need": need,
            "need_choices": choices,
            "kinds": [
                (kind.value, PATH_LABELS[kind])
                for kind in RECORD_KINDS
                if (kind == Kind.NO_SERVICE_AVAILABLE) == (service is None)
            ],
            "carried": _carried(form),
            "confirmed": "confirm" in request.POST,
            "not_open": warning,
        },
    )


def _save_referral(user, data, service, need, warning=None):
    """Create the referral, its intake outcome if decided, and the event on its need, or
    nothing (one transaction)."""
    with transaction.atomic():
        referral = create_referral_from(user, data)
        if data.get("intake"):
            record_intake_outcome(referral=referral, recorded_by=user, kind=data["intake"])
        record_path_event(
            referral=referral,
            recorded_by=user,
            need=need,
            kind=data["kind"],
            service=service,
            note=data.get("note", ""),
            # Asked only when the service was not open: a reason left on a stale page is not kept.
            not_open=warning.why if warning else "",
            override_reason=(data.get("override_reason") or "") if warning else "",
        )
    return referral
