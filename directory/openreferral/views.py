"""The Open Referral UK 3.0 API at /openreferral/: anonymous, read-only, open to any origin.

Each view parses nothing itself: it hands the query to publish.py and renders the dict. The
decorator answers every other method with 405, turns a bad parameter into a 400 and an unknown
id into a 404 (JSON, with a plain message), and adds the CORS header the profile requires.
"""

import functools
from pathlib import Path

from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from directory.openreferral import publish

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
ALLOWED = ("GET", "HEAD", "OPTIONS")


def _with_cors(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    return response


def oruk_endpoint(view):
    """Make a view a read-only, CORS-open ORUK endpoint with JSON errors."""

    @login_not_required  # the feed is public (config/access.py)
    @csrf_exempt  # nothing here writes; a POST must meet 405, not the CSRF check's 403
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        allow = ", ".join(ALLOWED)
        if request.method not in ALLOWED:
            response = JsonResponse(
                {"detail": f"{request.method} is not allowed: this API is read-only."}, status=405
            )
            response["Allow"] = allow
            return _with_cors(response)
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Allow"] = allow
            response["Access-Control-Allow-Methods"] = allow
            response["Access-Control-Allow-Headers"] = "Accept, Content-Type"
            return _with_cors(response)
        try:
            response = view(request, *args, **kwargs)
        except publish.BadParameter as exc:
            response = JsonResponse({"detail": str(exc)}, status=400)
        except publish.NotFound as exc:
            response = JsonResponse({"detail": str(exc)}, status=404)
        return _with_cors(response)

    return wrapper


def _json(body: dict) -> JsonResponse:
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


@oruk_endpoint
def api_root(request):
    return _json(publish.api_root(request.build_absolute_uri(reverse("openreferral-openapi"))))


@oruk_endpoint
def openapi(request):
    # The vendored ORUK 3.0 OpenAPI file, unchanged (CC BY-SA 4.0: see schema/README.md).
    return FileResponse(
        open(SCHEMA_DIR / "openapi.json", "rb"),  # noqa: SIM115 - FileResponse closes it
        content_type="application/json",
    )


@oruk_endpoint
def services(request):
    return _json(publish.service_page(request.GET))


@oruk_endpoint
def service(request, id):
    return _json(publish.service_detail(id))


@oruk_endpoint
def taxonomies(request):
    return _json(publish.taxonomy_page(request.GET))


@oruk_endpoint
def taxonomy(request, id):
    return _json(publish.taxonomy_detail(id))


@oruk_endpoint
def taxonomy_terms(request):
    return _json(publish.taxonomy_term_page(request.GET))


@oruk_endpoint
def taxonomy_term(request, id):
    return _json(publish.taxonomy_term_detail(id))


@oruk_endpoint
def organizations(request):
    return _json(publish.organization_page(request.GET))


@oruk_endpoint
def organization(request, id):
    return _json(publish.organization_detail(id))


@oruk_endpoint
def service_at_locations(request):
    return _json(publish.service_at_location_page(request.GET))


@oruk_endpoint
def service_at_location(request, id):
    return _json(publish.service_at_location_detail(id))


@oruk_endpoint
def not_found(request, rest=""):
    return JsonResponse({"detail": "There is no such Open Referral UK endpoint."}, status=404)
