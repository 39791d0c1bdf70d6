"""Routes of the Open Referral UK 3.0 API, mounted at /openreferral/ (paths as the spec names
them, with or without a trailing slash; anything else under the prefix is a JSON 404)."""

from django.urls import path, re_path

from directory.openreferral import views


def _route(name: str, view, with_id: bool = False):
    pattern = rf"^{name}/(?P<id>[^/]+)/?$" if with_id else rf"^{name}/?$"
    return re_path(pattern, view, name=f"openreferral-{name}{'-detail' if with_id else ''}")


urlpatterns = [
    path("", views.api_root, name="openreferral-root"),
    path("openapi.json", views.openapi, name="openreferral-openapi"),
    _route("services", views.services),
    _route("services", views.service, with_id=True),
    _route("taxonomies", views.taxonomies),
    _route("taxonomies", views.taxonomy, with_id=True),
    _route("taxonomy_terms", views.taxonomy_terms),
    _route("taxonomy_terms", views.taxonomy_term, with_id=True),
    _route("organizations", views.organizations),
    _route("organizations", views.organization, with_id=True),
    _route("service_at_locations", views.service_at_locations),
    _route("service_at_locations", views.service_at_location, with_id=True),
    re_path(r"^(?P<rest>.*)$", views.not_found),
]
