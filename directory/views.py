"""Pages for places and the directory: home, postcode check, services list and detail."""

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render

from directory.filters import ServiceFilter
from directory.forms import PostcodeForm
from directory.models import Area, Location, Need, Postcode, Service
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
def postcode_check(request):
    form = PostcodeForm(request.GET or None)
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


@login_not_required
def service_list(request):
    params = request.GET.copy()
    params.pop("page", None)
    filterset = ServiceFilter(params or None, queryset=published_services())
    services = published_services()
    if filterset.is_bound and filterset.is_valid():
        services = filterset.qs
        if filterset.near_point is not None:
            services = nearest_first(services, filterset.near_point)
    page = Paginator(services, PAGE_SIZE).get_page(request.GET.get("page"))
    selected_needs = set(request.GET.getlist("need"))
    boroughs = Area.objects.filter(
        kind=Area.Kind.LOCAL_AUTHORITY, icb__isnull=False
    ).select_related("icb")
    return render(
        request,
        "directory/service_list.html",
        {
            "filterset": filterset,
            "form": filterset.form,
            "page": page,
            "needs": Need.objects.order_by("name"),
            "selected_needs": selected_needs,
            "boroughs": boroughs.order_by("name"),
            "icbs": Area.objects.filter(kind=Area.Kind.ICB).order_by("name"),
            "query_string": params.urlencode(),
        },
    )


@login_not_required
def service_detail(request, pk: int):
    service = get_object_or_404(published_services(), pk=pk)
    return render(request, "directory/service_detail.html", {"service": service})
