"""Pages for places and the directory: home, postcode check, services list and detail."""

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from directory.filters import ServiceFilter
from directory.forms import PostcodeForm
from directory.models import Area, Location, Need, Postcode, Service
from directory.postcodes import PostcodeError, postcode_sector
from directory.queries import nearest_first

PAGE_SIZE = 20


@login_not_required
def home(request):
    return render(
        request,
        "directory/home.html",
        {
            "postcode_count": Postcode.objects.count(),
            "service_count": Service.objects.filter(status=Service.Status.PUBLISHED).count(),
            "icbs": Area.objects.filter(kind=Area.Kind.ICB).prefetch_related("members"),
        },
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def postcode_check(request):
    """Check a postcode sent by POST, so that it is in no URL and no access log.

    The answer is the POST's own page: redirecting would need the postcode in the next URL or
    kept in the session, and Signpost keeps no patient's postcode."""
    form = PostcodeForm(request.POST if request.method == "POST" else None)
    found = form.cleaned_data["postcode"] if form.is_valid() else None
    return render(request, "directory/postcode_check.html", {"form": form, "found": found})


def published_services():
    return (
        Service.objects.filter(status=Service.Status.PUBLISHED)
        .select_related("organisation", "source")
        .prefetch_related(
            "needs",
            "schedules",
            Prefetch("locations", queryset=Location.objects.select_related("local_authority")),
        )
        .order_by("name", "id")
    )


def shareable_filters(params: QueryDict) -> QueryDict | None:
    """The filters with a full postcode in near cut to its sector, or None if near has none.

    A link to the directory can then be shared, bookmarked and logged without a patient's
    postcode; distances are measured from the middle of the sector (directory.postcodes)."""
    near = params.get("near", "")
    try:
        sector = postcode_sector(near)
    except PostcodeError:
        return None
    shared = params.copy()
    shared["near"] = sector
    return shared


def directory_link(params: QueryDict) -> str:
    """The directory's address with these filters (and only these)."""
    query = filter_query(params)
    return f"{reverse('service-list')}?{query}" if query else reverse("service-list")


def filter_query(params: QueryDict) -> str:
    """The query string of the filters given: no empty fields, no page, no CSRF token."""
    kept = QueryDict(mutable=True)
    for key in ServiceFilter.base_filters:
        values = [value for value in params.getlist(key) if value.strip()]
        if values:
            kept.setlist(key, values)
    return kept.urlencode()


@login_not_required
@require_http_methods(["GET", "POST"])
def service_list(request):
    """The directory, filtered. The filter form is POSTed (its near field may hold a patient's
    postcode) and answered with a redirect to a link that names the postcode's sector at most."""
    if request.method == "POST":
        params = request.POST.copy()
        filterset = ServiceFilter(params, queryset=published_services())
        if filterset.is_valid():
            return redirect(directory_link(shareable_filters(params) or params))
    else:
        params = request.GET.copy()
        params.pop("page", None)
        shared = shareable_filters(params)
        if shared is not None:
            # An old link, or a hand-made one, with a full postcode: show the sector's link.
            return redirect(directory_link(shared))
        filterset = ServiceFilter(params or None, queryset=published_services())
    services = published_services()
    if filterset.is_bound and filterset.is_valid():
        services = filterset.qs
        if filterset.near_point is not None:
            services = nearest_first(services, filterset.near_point)
    page = Paginator(services, PAGE_SIZE).get_page(request.GET.get("page"))
    selected_needs = set(params.getlist("need"))
    boroughs = Area.objects.filter(
        kind=Area.Kind.LOCAL_AUTHORITY, icb__isnull=False
    ).select_related("icb")
    return render(
        request,
        "directory/service_list.html",
        {
            "filterset": filterset,
            "form": filterset.form,
            "near_place": filterset.form.near_place if filterset.is_bound else None,
            "near_point": filterset.form.near_point if filterset.is_bound else None,
            "page": page,
            "needs": Need.objects.order_by("name"),
            "selected_needs": selected_needs,
            "boroughs": boroughs.order_by("name"),
            "icbs": Area.objects.filter(kind=Area.Kind.ICB).order_by("name"),
            "query_string": filter_query(params),
        },
    )


@login_not_required
def service_detail(request, pk: int):
    service = get_object_or_404(published_services(), pk=pk)
    return render(request, "directory/service_detail.html", {"service": service})
