"""Importing an Open Referral UK feed: a real local HTTP server, a round trip, clear failures."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from directory.importers import openreferral
from directory.importers.base import ImportFileError
from directory.importers.feed_server import FeedServer, normalise
from directory.importers.openreferral import import_openreferral
from directory.models import (
    DataImport,
    Location,
    Need,
    Organisation,
    Schedule,
    Service,
    Source,
    TaxonomyMapping,
)
from signposting.matching import MatchQuery, match

from .factories import make_service


@pytest.fixture
def published(geography):
    """A small directory with every kind of listing our feed publishes."""
    return [
        make_service(
            service="Sutton befriending",
            needs="isolation;social-support",
            opening_times="Mon 09:00-12:00, 13:00-17:00; by appointment",
            opening_notes="Closed on bank holidays",
            cost="free",
            step_free_access="yes",
            hearing_loop="no",
            languages="Polish; Urdu",
            accessibility_note="Lift to the first floor",
            capacity="waiting_list",
        ),
        make_service(
            service="Epsom debt clinic",
            needs="debt",
            postcode="KT17 1AA",
            areas_served="Epsom and Ewell",
            eligible_areas="QXU",
            eligible_via="lives;works;gp",
            cost="£5 a session",
            min_age="18",
            max_age="65",
        ),
        make_service(
            service="South West London pain course",
            needs="pain-self-management",
            areas_served="QWE",
            eligible_areas="QWE",
            eligible_via="gp",
            only_for="chronic-pain",
        ),
        make_service(
            service="National grief line",
            needs="bereavement",
            delivery_modes="phone",
            postcode="",
            address="",
            areas_served="national",
            eligible_areas="",
        ),
        make_service(
            service="Carers cafe",
            needs="carers",
            postcode="SM2 5AA",
            eligible_areas="",
            only_for="carer",
        ),
        make_service(service="Hidden draft", status="draft"),
    ]


def feed_routes(per_page: int, exclude: tuple[str, ...] = ()) -> dict:
    """Our own /openreferral/ feed, read through the test client, as a server's routes."""
    client = Client()
    routes = {}
    ids = []
    page = 1
    while True:
        body = client.get("/openreferral/services", {"page": page, "per_page": per_page}).json()
        body["contents"] = [s for s in body["contents"] if s["name"] not in exclude]
        routes[normalise(f"/services?page={page}&per_page={per_page}")] = (
            200,
            json.dumps(body).encode(),
        )
        ids += [s["id"] for s in body["contents"]]
        if body["last_page"]:
            break
        page += 1
    for service_id in ids:
        response = client.get(f"/openreferral/services/{service_id}")
        routes[normalise(f"/services/{service_id}")] = (200, response.content)
    return routes


def state() -> list[tuple]:
    """What a link worker sees of each published service, comparable across databases."""
    rows = []
    services = (
        Service.objects.filter(status="published")
        .select_related("organisation")
        .prefetch_related("needs", "areas_served", "eligible_areas", "locations", "schedules")
    )
    for s in services:
        rows.append(
            (
                s.name,
                s.organisation.name,
                s.description,
                tuple(sorted(n.slug for n in s.needs.all())),
                tuple(sorted(a.code for a in s.areas_served.all())),
                s.serves_nationally,
                tuple(sorted(a.code for a in s.eligible_areas.all())),
                tuple(s.eligible_via),
                tuple(s.only_for),
                (s.min_age, s.max_age),
                tuple(
                    (loc.postcode, loc.address, loc.local_authority_id) for loc in s.locations.all()
                ),
                tuple(str(x) for x in s.schedules.all()),
                s.opening_times,
                (s.is_free, s.cost),
                (s.step_free_access, s.hearing_loop, s.accessible_toilet),
                tuple(s.languages),
                s.accessibility_note,
                s.capacity,
                s.last_reviewed,
                s.phone,
                s.eligibility_published,
                str(s.uuid),
            )
        )
    return sorted(rows)


def wipe_directory() -> None:
    Schedule.objects.all().delete()
    Location.objects.all().delete()
    Service.objects.all().delete()
    Organisation.objects.all().delete()
    Source.objects.all().delete()


def test_our_own_feed_round_trips_into_an_empty_directory_over_http(published):
    before = state()
    assert len(before) == 5
    routes = feed_routes(per_page=2)
    assert len([k for k in routes if k.startswith("/services?")]) == 3
    wipe_directory()
    with FeedServer(routes) as server:
        result = import_openreferral(server.url, per_page=2)
        assert (result.created, result.rejected, result.errors) == (5, 0, [])
        assert state() == before
        again = import_openreferral(server.url, per_page=2)
    assert (again.created, again.updated, again.unchanged, again.archived) == (0, 0, 5, 0)
    assert state() == before
    source = Source.objects.get()
    assert (source.kind, source.name) == ("openreferral", server.url)
    assert Service.objects.filter(source=source).count() == 5
    assert all(s.fetched_at for s in Service.objects.all())
    assert DataImport.objects.filter(source="openreferral", owner=source).count() == 2


def test_a_service_withdrawn_from_the_feed_is_archived_never_deleted(published):
    routes = feed_routes(per_page=100)
    wipe_directory()
    with FeedServer(routes) as server:
        import_openreferral(server.url)
        server.routes = feed_routes(per_page=100, exclude=("Carers cafe",))
        result = import_openreferral(server.url)
    assert (result.archived, result.unchanged) == (1, 4)
    assert Service.objects.get(name="Carers cafe").status == "archived"


def test_the_feed_owns_its_services_and_an_editors_decision_stands(published):
    from django.utils import timezone

    from directory.actions import update_service

    routes = feed_routes(per_page=100)
    wipe_directory()
    with FeedServer(routes) as server:
        import_openreferral(server.url)
        cafe = Service.objects.get(name="Carers cafe")
        update_service(cafe, capacity="closed", editor_decision_at=timezone.now())
        result = import_openreferral(server.url)
    assert result.conflicts == 1
    assert "kept as an editor decided" in result.warnings[0]
    cafe.refresh_from_db()
    assert cafe.capacity == "closed"


def test_a_feed_without_our_criteria_matches_as_check_first(published):
    routes = feed_routes(per_page=100)
    for key, (status, body) in list(routes.items()):
        document = json.loads(body)
        for service in document.get("contents", [document]):
            service["attributes"] = [
                a
                for a in service.get("attributes", [])
                if a["taxonomy_term"].get("taxonomy") != "signpost-eligibility"
            ]
        routes[key] = (status, json.dumps(document).encode())
    wipe_directory()
    with FeedServer(routes) as server:
        import_openreferral(server.url)
    cafe = Service.objects.get(name="Carers cafe")
    assert cafe.eligibility_published is False
    result = match(MatchQuery(home_postcode="SM1 1AA", needs=["carers"], age=40, groups=["carer"]))
    found = {m.entry.name: m for m in result.results}["Carers cafe"]
    assert found.decision.verdict == "check"
    assert [r.text for r in found.decision.reasons] == [
        f"Eligibility not published by {Source.objects.get().name}"
    ]


def test_unmapped_taxonomy_terms_are_reported_and_a_mapping_maps_them(published):
    routes = feed_routes(per_page=100)
    foreign = {
        "id": "6b1c59a4-3f54-4a7f-9a44-2a0f1c3e5d11",
        "name": "Loneliness support",
        "description": "Help for people who feel lonely",
        "taxonomy": "esd-needs",
        "code": "LON-1",
    }
    for key, (status, body) in list(routes.items()):
        document = json.loads(body)
        for service in document.get("contents", [document]):
            if service["name"] == "Carers cafe":
                service.setdefault("attributes", []).append(
                    {
                        "id": "0c6c7f0e-4ad2-4f0e-8f7b-0f6a4c9b2e01",
                        "link_id": service["id"],
                        "link_type": "need",
                        "taxonomy_term_id": foreign["id"],
                        "taxonomy_term": foreign,
                    }
                )
        routes[key] = (status, json.dumps(document).encode())
    wipe_directory()
    with FeedServer(routes) as server:
        first = import_openreferral(server.url)
        assert any(
            "'LON-1' (esd-needs) is not mapped to a need (1 service(s))" in w
            for w in first.warnings
        ), first.warnings
        TaxonomyMapping.objects.create(
            taxonomy="esd-needs", term="LON-1", need=Need.objects.get(slug="isolation")
        )
        second = import_openreferral(server.url)
    assert second.updated == 1
    assert not any("not mapped" in w for w in second.warnings)
    cafe = Service.objects.get(name="Carers cafe")
    assert sorted(cafe.needs.values_list("slug", flat=True)) == ["carers", "isolation"]


def failing(published, routes_change) -> tuple[str, list]:
    routes = feed_routes(per_page=2)
    before = state()
    routes_change(routes)
    with FeedServer(routes) as server, pytest.raises(ImportFileError) as caught:
        import_openreferral(server.url, per_page=2)
    assert state() == before  # the directory as it was
    assert not DataImport.objects.filter(source="openreferral").exists()
    return str(caught.value), server.url


def test_a_server_error_names_the_page(published):
    def broken(routes):
        routes[normalise("/services?page=2&per_page=2")] = (500, b"oops")

    message, url = failing(published, broken)
    assert message == f"{url}/services?page=2&per_page=2 answered HTTP 500 (Internal Server Error)"


def test_bad_json_names_the_page(published):
    def broken(routes):
        key = next(k for k in routes if k.startswith("/services/"))
        routes[key] = (200, b"{not json")

    message, url = failing(published, broken)
    assert message.startswith(f"{url}/services/") and "did not answer JSON" in message


def test_a_page_that_fails_the_schema_names_the_page_and_field(published):
    def broken(routes):
        key = next(k for k in routes if k.startswith("/services/"))
        document = json.loads(routes[key][1])
        document["id"] = "not-a-uuid"
        document["organization"].pop("name")
        routes[key] = (200, json.dumps(document).encode())

    message, _ = failing(published, broken)
    assert "does not follow the ORUK service schema" in message
    assert "organization: 'name' is a required property" in message


def test_a_list_page_missing_its_envelope_is_refused(published):
    def broken(routes):
        routes[normalise("/services?page=1&per_page=2")] = (200, b'{"contents": []}')

    message, _ = failing(published, broken)
    assert "is not an ORUK list page: total_pages: is missing" in message


def test_a_timeout_and_an_unreachable_feed_are_clear(published, monkeypatch):
    monkeypatch.setattr(openreferral, "TIMEOUT_SECONDS", 0.2)
    with FeedServer({}, delay=1) as server, pytest.raises(ImportFileError, match="timed out"):
        import_openreferral(server.url)
    with FeedServer({}) as server:
        url = server.url
    with pytest.raises(ImportFileError, match="could not be reached"):
        import_openreferral(url)
    assert Service.objects.count() == 6


def test_a_json_file_of_one_page_or_one_service(published, tmp_path):
    routes = feed_routes(per_page=100)
    page = json.loads(routes[normalise("/services?page=1&per_page=100")][1])
    one_id = page["contents"][0]["id"]
    one = json.loads(routes[normalise(f"/services/{one_id}")][1])
    wipe_directory()
    (tmp_path / "one.json").write_text(json.dumps(one))
    result = import_openreferral(str(tmp_path / "one.json"))
    assert result.created == 1
    (tmp_path / "broken.json").write_text("[1, 2")
    with pytest.raises(ImportFileError, match="broken.json is not JSON"):
        import_openreferral(str(tmp_path / "broken.json"))
    with pytest.raises(ImportFileError, match="No such file"):
        import_openreferral(str(tmp_path / "missing.json"))


def test_the_command_reports_what_it_did_and_refuses_clearly(published, capsys):
    routes = feed_routes(per_page=100)
    wipe_directory()
    with FeedServer(routes) as server:
        call_command("import_openreferral", server.url)
        assert "Services: 5 created, 0 updated, 0 unchanged, 0 rejected." in capsys.readouterr().out
        call_command("import_openreferral", server.url)
        assert "0 created, 0 updated, 5 unchanged" in capsys.readouterr().out
        with pytest.raises(CommandError, match="Nothing was imported. .* answered HTTP 404"):
            call_command("import_openreferral", server.url + "/nowhere")
