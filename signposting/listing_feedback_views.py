"""Report a problem with a listing, from the service page or a search result."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

from directory.forms import ReportProblemForm, add_errors
from directory.models import Service
from signposting.listing_feedback import report_listing_problem

# Who may report: people who refer patients, and the directory's editors.
REPORT_PERMISSIONS = ("signposting.add_referral", "directory.change_service")


def may_report(user) -> bool:
    return any(user.has_perm(p) for p in REPORT_PERMISSIONS)


def reporters_only(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not may_report(request.user):
            raise PermissionDenied("Only link workers, clinicians and editors report problems")
        return view(request, *args, **kwargs)

    return never_cache(login_required(wrapper))


def _came_from(request, service: Service) -> str:
    """Where the user came from, if it is a path on this site; else the service's page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return service.get_absolute_url()


@reporters_only
def report_problem(request, pk: int):
    service = get_object_or_404(
        Service.objects.filter(status=Service.Status.PUBLISHED).select_related("organisation"),
        pk=pk,
    )
    back = _came_from(request, service)
    form = ReportProblemForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            report_listing_problem(
                service=service,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                reported_by=request.user,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                f"Thank you: the directory editors will review the listing for {service.name}.",
            )
            return HttpResponseRedirect(back)
    return render(
        request,
        "signposting/report_problem.html",
        {"service": service, "form": form, "back": back},
        status=400 if form.is_bound else 200,
    )
