"""Deny by default: every URL in the URLconf, checked against every persona.

The table below names, for each URL, how to fill in its arguments and the status each persona
gets for a GET. A URL added to the URLconf without an entry here fails
`test_every_url_has_an_entry`, so nothing new is public by accident. Outsiders (a link worker of
another team) get 404 for another team's referral: its existence is not disclosed.
"""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from directory.models import DataImport, Need
from signposting.actions import create_referral, record_intake_outcome
from signposting.engagement import book_session
from signposting.feedback import team_token
from signposting.models import Team

from .factories import make_service

PERSONAS = ["anonymous", "lw", "outsider", "clinician", "lead", "editor", "admin"]
LOGIN = 302  # an anonymous visitor of a page is sent to sign in
API_ANON = 403  # the API answers an anonymous caller itself (no redirect)

PUBLIC = dict.fromkeys(PERSONAS, 200)


def page(**allowed) -> dict:
    """A page: anonymous visitors sign in; the personas named get that status, others 403."""
    statuses = {"anonymous": LOGIN, "admin": 200}
    for persona in PERSONAS[1:]:
        statuses.setdefault(persona, allowed.get(persona, 403))
    return statuses


def api(**allowed) -> dict:
    statuses = {"anonymous": API_ANON, "admin": 200}
    for persona in PERSONAS[1:]:
        statuses.setdefault(persona, allowed.get(persona, 403))
    return statuses


# The referral belongs to the team of lw and clinician; outsider is in another team.
REFERRAL_PAGE = page(lw=200, outsider=404, clinician=200, lead=403, editor=403)
REFERRAL_API = api(lw=200, outsider=404, clinician=200, lead=403, editor=403)
# A form's target: a GET is refused as a method (405) by anyone who may record at all, so it
# discloses nothing about the referral; the lead and the editor may not record (403).
REFERRAL_FORM = page(lw=405, outsider=405, clinician=405, lead=403, editor=403) | {"admin": 405}
SIGNED_IN = page(lw=200, outsider=200, clinician=200, lead=200, editor=200)
REFERRAL_WORK = page(lw=200, outsider=200, clinician=200)
EDITORS = page(editor=200)
# Signed in, with no search in the session: sent back to the search form.
SIGNED_IN_NO_SEARCH = dict.fromkeys(PERSONAS, 302) | {"anonymous": LOGIN}

# URL name -> (arguments, expected status by persona). "{...}" values are filled from the world.
MATRIX = {
    # Public: the directory, the postcode checker, the feed, patient feedback, schema, health.
    # Public; a signed-in user is sent on to where their work starts (tests/test_start_pages.py).
    "home": ({}, dict.fromkeys(PERSONAS, 302) | {"anonymous": 200}),
    "service-list": ({}, PUBLIC),
    "service-detail": ({"pk": "{service}"}, PUBLIC),
    "postcode-check": ({}, PUBLIC),
    "healthz": ({}, PUBLIC),
    "schema": ({}, PUBLIC),
    "api-docs": ({}, PUBLIC),
    "feedback-give": ({"token": "{token}"}, PUBLIC),
    "feedback-print": ({"token": "{token}"}, PUBLIC),
    "feedback-thanks": ({"token": "{token}"}, PUBLIC),
    "openreferral-root": ({}, PUBLIC),
    "openreferral-openapi": ({}, PUBLIC),
    "openreferral-services": ({}, PUBLIC),
    "openreferral-services-detail": ({"id": "{service_uuid}"}, PUBLIC),
    "openreferral-taxonomies": ({}, PUBLIC),
    "openreferral-taxonomies-detail": ({"id": "{taxonomy_uuid}"}, PUBLIC),
    "openreferral-taxonomy_terms": ({}, PUBLIC),
    "openreferral-taxonomy_terms-detail": ({"id": "{need_uuid}"}, PUBLIC),
    "openreferral-organizations": ({}, PUBLIC),
    "openreferral-organizations-detail": ({"id": "{organisation_uuid}"}, PUBLIC),
    "openreferral-service_at_locations": ({}, PUBLIC),
    "openreferral-service_at_locations-detail": ({"id": "{service_at_location}"}, PUBLIC),
    "postcode-detail": ({"postcode": "SM1 1AA"}, PUBLIC),
    "area-list": ({}, PUBLIC),
    "area-detail": ({"code": "E09000029"}, PUBLIC),
    "need-list": ({}, PUBLIC),
    "need-detail": ({"slug": "isolation"}, PUBLIC),
    "service-list-api": ({}, PUBLIC),
    "service-detail-api": ({"pk": "{service}"}, PUBLIC),
    # Signing in and out.
    "login": ({}, dict(PUBLIC)),
    "logout": ({}, dict.fromkeys(PERSONAS, 405) | {"anonymous": LOGIN}),  # signing out: POST
    "password_change": ({}, SIGNED_IN | {"admin": 200}),
    "password_change_done": ({}, SIGNED_IN | {"admin": 200}),
    # An API token is made by POSTing one's own username and password (docs/security.md).
    "api-token": ({}, dict.fromkeys(PERSONAS, 405)),
    # Link workers' and clinicians' work.
    "search": ({}, SIGNED_IN),  # the directory searched for a patient; recording needs a team
    # The last search and its shortlist live in the session: without one, back to the search.
    "search-results": ({}, SIGNED_IN_NO_SEARCH),
    "shortlist": ({}, SIGNED_IN_NO_SEARCH),
    "shortlist-print": ({}, SIGNED_IN_NO_SEARCH),
    "shortlist-add": ({}, page(**dict.fromkeys(PERSONAS[1:], 405)) | {"admin": 405}),
    "shortlist-remove": ({}, page(**dict.fromkeys(PERSONAS[1:], 405)) | {"admin": 405}),
    "shortlist-send": ({}, page(lw=405, outsider=405, clinician=405) | {"admin": 405}),
    "service-report-problem": (
        {"pk": "{service}"},
        page(lw=200, outsider=200, clinician=200, editor=200),
    ),
    "referral-list": ({}, REFERRAL_WORK),
    "referral-export": ({}, REFERRAL_WORK),
    "referral-record": ({}, page(lw=405, outsider=405, clinician=405) | {"admin": 405}),
    "referral-detail": ({"pk": "{referral}"}, REFERRAL_PAGE),
    "referral-record-intake": ({"pk": "{referral}"}, REFERRAL_FORM),
    "referral-record-path-event": (
        {"pk": "{referral}", "need": "isolation"},
        REFERRAL_FORM,
    ),
    "referral-book-session": ({"pk": "{referral}"}, REFERRAL_FORM),
    "referral-session-outcome": (
        {"pk": "{referral}", "session": "{session}"},
        REFERRAL_FORM,
    ),
    "referral-record-measure": (
        {"pk": "{referral}", "measure": "pseq"},
        REFERRAL_FORM,
    ),
    "team-feedback": ({}, REFERRAL_WORK | {"admin": 404}),  # the admin has no team
    "dashboard": ({}, page(lw=200, outsider=200, clinician=200, lead=200)),
    # The API beyond the public directory.
    "api-root": ({}, api(lw=200, outsider=200, clinician=200, lead=200, editor=200)),
    "match": ({}, api(lw=405, outsider=405, clinician=405, lead=405, editor=405) | {"admin": 405}),
    "referral-list-api": ({}, api(lw=200, outsider=200, clinician=200)),
    "referral-detail-api": ({"pk": "{referral}"}, REFERRAL_API),
    "referral-outcomes": ({"pk": "{referral}"}, REFERRAL_API),
    "referral-path-events": ({"pk": "{referral}", "need": "isolation"}, REFERRAL_API),
    "referral-sessions": ({"pk": "{referral}"}, REFERRAL_API),
    "referral-session": ({"pk": "{referral}", "session": "{session}"}, REFERRAL_API),
    "referral-measures": ({"pk": "{referral}"}, REFERRAL_API),
    "outcome-detail": ({"referral_pk": "{referral}", "pk": "{event}"}, REFERRAL_API),
    "report": ({"name": "referrals"}, api(lw=200, outsider=200, clinician=200, lead=200)),
    # Directory editors.
    "review-queue": ({}, EDITORS),
    "review-resolve": ({"pk": "{service}"}, EDITORS | {"editor": 405, "admin": 405}),
    "import-upload": ({}, EDITORS),
    "import-template": ({}, EDITORS),
    "import-result": ({"pk": "{import_run}"}, EDITORS | {"admin": 404}),
    "import-preview": ({"token": "no-such-upload"}, EDITORS | {"editor": 404, "admin": 404}),
    # Form targets: a GET is refused as a method before anything else.
    "import-run": (
        {"token": "no-such-upload"},
        page(**dict.fromkeys(PERSONAS[1:], 405)) | {"admin": 405},
    ),
    "import-cancel": (
        {"token": "no-such-upload"},
        page(**dict.fromkeys(PERSONAS[1:], 405)) | {"admin": 405},
    ),
}

# The router's names are shared by the page and the API; the API's get a suffix here.
API_ALIASES = {
    ("directory.api", "service-list"): "service-list-api",
    ("directory.api", "service-detail"): "service-detail-api",
    ("signposting.api", "referral-list"): "referral-list-api",
    ("signposting.api", "referral-detail"): "referral-detail-api",
}


def url_patterns():
    """(name, route, view module) for every named URL, the admin's and format suffixes aside."""

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                if str(p.pattern).startswith("admin/"):
                    continue
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield p, prefix + str(p.pattern)

    for pattern, route in walk(get_resolver().url_patterns):
        if "format" in route:
            continue
        module = getattr(pattern.callback, "__module__", "")
        yield API_ALIASES.get((module, pattern.name), pattern.name), route


def test_every_url_has_an_entry():
    names = {name for name, _ in url_patterns()}
    missing = sorted(n for n in names if n not in MATRIX and n is not None)
    unnamed = sorted(route for name, route in url_patterns() if name is None)
    assert missing == [], f"add these URLs to the access matrix: {missing}"
    # The only unnamed routes: the NHS.UK icons and the feed's catch-all 404.
    assert unnamed == [
        "^assets/(?P<path>images/.+\\.(?:svg|png|ico))$",
        "openreferral/^(?P<rest>.*)$",
    ]
    assert sorted(set(MATRIX) - names) == []


@pytest.fixture
def world(personas, geography, django_user_model, tmp_path, settings):
    settings.SPREADSHEET_UPLOAD_DIR = tmp_path
    editor = django_user_model.objects.create_user("editor", password="editor-pass-123")
    editor.groups.add(Group.objects.get(name="Directory editor"))
    admin = django_user_model.objects.create_superuser("admin", password="admin-pass-123")
    people = {**personas, "editor": editor, "admin": admin}
    service = make_service(service="Sutton befriending", needs="isolation")
    referral = create_referral(
        referrer=personas["lw"], source="gp", home_postcode="SM1 1AA", needs=["isolation"]
    )
    event = record_intake_outcome(referral=referral, recorded_by=personas["lw"], kind="accepted")
    session = book_session(
        referral=referral, recorded_by=personas["lw"], date=dt.date.today(), mode="in_person"
    )
    run = DataImport.objects.create(source="services-spreadsheet", imported_by=editor)
    from directory.openreferral import vocabulary

    location = service.locations.get()
    values = {
        "service": service.pk,
        "service_uuid": service.uuid,
        "organisation_uuid": service.organisation.uuid,
        "need_uuid": Need.objects.get(slug="isolation").uuid,
        "taxonomy_uuid": vocabulary.taxonomy_id(vocabulary.NEEDS_TAXONOMY),
        "service_at_location": _service_at_location_id(location),
        "referral": referral.pk,
        "event": event.pk,
        "session": session.pk,
        "token": team_token(Team.objects.get(name="Epsom and St Helier pain clinic")),
        "import_run": run.pk,
    }
    return people, values


def _service_at_location_id(location) -> str:
    from directory.openreferral.publish import _service_at_location_id

    return _service_at_location_id(location)


def path_for(route: str, arguments: dict, values: dict) -> str:
    filled = {k: str(v).format(**values) for k, v in arguments.items()}
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: filled[m.group(1)], route)
    route = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: filled[m.group(1)], route)
    route = route.replace("^", "").replace("$", "").replace("/?", "/")
    return "/" + route


def test_every_url_answers_each_persona_as_the_matrix_says(world):
    people, values = world
    routes = dict(url_patterns())
    found, expected = {}, {}
    for name, (arguments, statuses) in MATRIX.items():
        path = path_for(routes[name], arguments, values)
        for persona in PERSONAS:
            client = Client()
            if persona != "anonymous":
                client.force_login(people[persona])
            response = client.get(path)
            found[(name, persona)] = response.status_code
            expected[(name, persona)] = statuses[persona]
            if persona == "anonymous" and response.status_code == LOGIN:
                assert response["Location"].startswith("/accounts/login/"), name
    wrong = {k: (found[k], expected[k]) for k in found if found[k] != expected[k]}
    assert wrong == {}, "\n".join(
        f"{k}: got {g}, expected {e}" for k, (g, e) in sorted(wrong.items())
    )


def unmarked_view(request):
    from django.http import HttpResponse

    return HttpResponse("private by default")


def _urlpatterns():
    from django.urls import path

    from config.urls import urlpatterns as site

    return [path("unmarked/", unmarked_view), *site]


urlpatterns = _urlpatterns()


def test_a_view_nobody_marked_is_for_signed_in_users_only(client, settings, django_user_model):
    settings.ROOT_URLCONF = __name__
    response = client.get("/unmarked/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/unmarked/")
    client.force_login(django_user_model.objects.create_user("someone", password="x-pass-123"))
    assert client.get("/unmarked/").content == b"private by default"
