"""The Open Referral UK 3.0 API at /openreferral/, checked against the vendored schemas."""

import datetime as dt
import json
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from jsonschema import Draft202012Validator, FormatChecker, ValidationError

from directory.actions import archive_service, update_service
from directory.models import DirectoryRevision, Need, Schedule, Service
from directory.openreferral import schemas
from directory.openreferral import vocabulary as vocab

from .factories import make_service

SCHEMA_DIR = schemas.SCHEMA_DIR
# Where the ORUK OpenAPI file says its schemas live; the registry serves our copies from there.
BASE = schemas.SCHEMA_BASE
PAGE_KEYS = [
    "total_items",
    "total_pages",
    "page_number",
    "size",
    "first_page",
    "last_page",
    "empty",
    "contents",
]


REGISTRY = schemas.registry()
FORMATS = FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value) -> bool:
    if not isinstance(value, str):
        return True
    dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return "T" in value


@FORMATS.checks("uri")
def _uri(value) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme in ("http", "https") and parts.netloc)


def _operation(path: str) -> dict:
    pointer = path.replace("~", "~0").replace("/", "~1")
    response = "get/responses/200/content/application~1json/schema"
    return {"$ref": f"{BASE}openapi.json#/paths/{pointer}/{response}"}


PAGE = {"type": "object", "required": PAGE_KEYS}
SCHEMAS = {
    "/services": {"allOf": [_operation("/services"), PAGE]},
    "/services/{id}": {"$ref": BASE + "compiled/service.json"},
    "/taxonomies": {"allOf": [_operation("/taxonomies"), PAGE]},
    "/taxonomies/{id}": {"$ref": BASE + "taxonomy.json"},
    "/taxonomy_terms": {"allOf": [_operation("/taxonomy_terms"), PAGE]},
    "/taxonomy_terms/{id}": {"$ref": BASE + "taxonomy_term.json"},
    "/service_at_locations": {"allOf": [_operation("/service_at_locations"), PAGE]},
    # The OpenAPI file points this one at service.json, a slip: a service_at_location is answered.
    "/service_at_locations/{id}": {"$ref": BASE + "service_at_location.json"},
    # Not in the ORUK OpenAPI file: HSDS 3.0's organization endpoints with the profile's schemas.
    "/organizations": {
        "allOf": [
            {"$ref": f"{BASE}openapi.json#/components/schemas/Page"},
            PAGE,
            {
                "properties": {
                    "contents": {
                        "type": "array",
                        "items": {"$ref": BASE + "organization_list.json"},
                    }
                }
            },
        ]
    },
    "/organizations/{id}": {"$ref": BASE + "organization.json"},
    "/": _operation("/"),
}


def nulls(value, where="$") -> list[str]:
    """Return the path of every null in a JSON value."""
    if value is None:
        return [where]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in nulls(v, f"{where}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in nulls(v, f"{where}[{i}]")]
    return []


def validate(body, endpoint: str) -> None:
    """Raise ValidationError unless the body is a valid ORUK response with no null in it."""
    found = nulls(body)
    if found:
        raise ValidationError(f"null at {', '.join(found)}")
    validator = Draft202012Validator(SCHEMAS[endpoint], registry=REGISTRY, format_checker=FORMATS)
    validator.validate(body)


def get(client, url, endpoint=None, status=200):
    response = client.get(url)
    assert response.status_code == status, response.content
    assert response["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    if endpoint:
        validate(body, endpoint)
    return body


@pytest.fixture
def client():
    return Client()


def _enrich(service: Service, **fields) -> Service:
    # No action sets these fields yet (directory/actions.py only has simple fields), so the
    # fixture writes them directly and moves the revision, as a bulk writer does.
    Service.objects.filter(pk=service.pk).update(**fields)
    DirectoryRevision.bump()
    service.refresh_from_db()
    return service


@pytest.fixture
def feed(geography):
    sutton = make_service(
        service="Sutton befriending",
        needs="isolation",
        postcode="SM1 1AA",
        eligible_via="lives;works",
        only_for="carer",
        min_age="18",
    )
    Schedule.objects.create(
        service=sutton, weekday=1, opens_at=dt.time(9), closes_at=dt.time(17, 30)
    )
    Schedule.objects.create(service=sutton, weekday=3, opens_at=dt.time(10), closes_at=dt.time(12))
    Schedule.objects.create(service=sutton, by_appointment=True)
    sutton = _enrich(
        sutton,
        is_free=True,
        languages=["Polish", "Urdu"],
        step_free_access=True,
        hearing_loop=False,
        accessibility_note="Ramp at the side door",
        opening_times="Closed on bank holidays",
        website="https://example.org/befriending",
        email="hello@example.org",
        capacity=Service.Capacity.WAITING_LIST,
    )
    services = {
        "sutton": sutton,
        "icb": make_service(
            service="South West London pain course",
            organisation="Pain Matters (demo)",
            needs="pain-self-management;relaxation",
            areas_served="QWE",
            eligible_areas="QWE",
            postcode="CR0 0LU",
            max_age="65",
        ),
        "national": make_service(
            service="National grief line",
            organisation="Grief Line (demo)",
            needs="bereavement",
            delivery_modes="phone;online",
            postcode="",
            areas_served="national",
            eligible_areas="",
        ),
        "epsom": make_service(
            service="Epsom debt clinic",
            needs="debt",
            postcode="KT17 1AA",
            areas_served="Epsom and Ewell",
            eligible_areas="QXU",
        ),
        "merton": make_service(
            service="Merton walking group",
            needs="physical-activity",
            postcode="SW19 1AA",
            areas_served="Merton",
            eligible_areas="",
        ),  # fmt: skip
        "areafree": make_service(
            service="Reigate repair cafe",
            needs="isolation",
            postcode="RH2 0AA",
            areas_served="Reigate and Banstead",
            eligible_areas="",
        ),  # fmt: skip
        "draft": make_service(service="Draft service", status="draft"),
        "archived": make_service(service="Archived service"),
    }
    services["icb"] = _enrich(services["icb"], is_free=False, cost="£3 a session")
    services["areafree"].areas_served.clear()  # as an ORUK feed might give it: no areas at all
    archive_service(services["archived"])
    return services


def published(feed):
    return [s for k, s in feed.items() if k not in ("draft", "archived")]


def all_pages(client, url, per_page):
    endpoint = url.removeprefix("/openreferral")
    first = get(client, f"{url}?per_page={per_page}", endpoint)
    pages = [first]
    for page in range(2, first["total_pages"] + 1):
        pages.append(get(client, f"{url}?per_page={per_page}&page={page}", endpoint))
    return pages


# The root, the schema, the envelope ---------------------------------------------------------


def test_the_root_names_the_version_profile_and_openapi_file(client, db):
    body = get(client, "/openreferral/", "/")
    assert body["version"] == "HSDS-UK-3.0"
    assert body["profile"].startswith("https://")
    assert body["openapi_url"] == "http://testserver/openreferral/openapi.json"
    response = client.get("/openreferral/openapi.json")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    served = json.loads(b"".join(response.streaming_content))
    assert served == json.loads((SCHEMA_DIR / "openapi.json").read_text())


def test_first_middle_and_last_pages_and_every_service_validate(client, feed):
    pages = all_pages(client, "/openreferral/services", per_page=2)
    assert len(pages) == 3  # six published services: first, middle and last page
    assert [p["first_page"] for p in pages] == [True, False, False]
    assert [p["last_page"] for p in pages] == [False, False, True]
    assert {p["total_items"] for p in pages} == {6}
    ids = [item["id"] for p in pages for item in p["contents"]]
    assert sorted(ids) == sorted(str(s.uuid) for s in published(feed))
    for service_id in ids:
        body = get(client, f"/openreferral/services/{service_id}", "/services/{id}")
        assert body["id"] == service_id


def test_a_page_past_the_end_is_empty_and_says_so(client, feed):
    body = get(client, "/openreferral/services?page=9&per_page=5", "/services")
    assert body == {
        "total_items": 6,
        "total_pages": 2,
        "page_number": 9,
        "size": 0,
        "first_page": False,
        "last_page": True,
        "empty": True,
        "contents": [],
    }


def test_an_empty_feed_is_a_valid_empty_page(client, db):
    body = get(client, "/openreferral/services", "/services")
    assert body["total_items"] == 0 and body["empty"] and body["contents"] == []


def test_the_other_endpoints_validate_with_their_id_forms(client, feed):
    taxonomies = get(client, "/openreferral/taxonomies", "/taxonomies")
    assert {t["name"] for t in taxonomies["contents"]} == {"signpost-needs", "signpost-eligibility"}
    for taxonomy in taxonomies["contents"]:
        get(client, f"/openreferral/taxonomies/{taxonomy['id']}", "/taxonomies/{id}")

    terms = all_pages(client, "/openreferral/taxonomy_terms", per_page=200)
    contents = [t for p in terms for t in p["contents"]]
    assert len(contents) == terms[0]["total_items"]
    codes = {t["code"] for t in contents}
    assert set(Need.objects.values_list("slug", flat=True)) <= codes
    assert {"via:lives", "via:works", "via:gp", "published:no", "area:QWE"} <= codes
    assert len({t["id"] for t in contents}) == len(contents)
    for term in [contents[0], *[t for t in contents if t["code"] in ("via:gp", "area:QWE")]]:
        body = get(client, f"/openreferral/taxonomy_terms/{term['id']}", "/taxonomy_terms/{id}")
        assert body == term

    organizations = all_pages(client, "/openreferral/organizations", per_page=2)
    names = [o["name"] for p in organizations for o in p["contents"]]
    assert sorted(names) == ["Grief Line (demo)", "Pain Matters (demo)", "Test Befrienders (demo)"]
    org_id = organizations[0]["contents"][0]["id"]
    body = get(client, f"/openreferral/organizations/{org_id}", "/organizations/{id}")
    assert body["services"]

    locations = all_pages(client, "/openreferral/service_at_locations", per_page=2)
    items = [i for p in locations for i in p["contents"]]
    assert len(items) == 5  # every published service but the national one has a location
    for item in items:
        detail = get(
            client, f"/openreferral/service_at_locations/{item['id']}", "/service_at_locations/{id}"
        )
        assert detail["location"]["id"] == item["location"]["id"] == item["location_id"]


# The validator itself can fail --------------------------------------------------------------


def test_the_validator_rejects_broken_responses(client, feed):
    good = get(client, f"/openreferral/services/{feed['sutton'].uuid}", "/services/{id}")
    page = get(client, "/openreferral/services", "/services")

    with_null = json.loads(json.dumps(good))
    with_null["schedules"][0]["notes"] = None
    no_name = {k: v for k, v in good.items() if k != "name"}
    bad_id = {**good, "id": "service-1"}
    bad_status = {**good, "status": "published"}
    bad_nested = json.loads(json.dumps(good))
    bad_nested["service_at_locations"][0]["location"]["addresses"][0].pop("postal_code")
    for broken in (with_null, no_name, bad_id, bad_status, bad_nested):
        with pytest.raises(ValidationError):
            validate(broken, "/services/{id}")

    no_total = {k: v for k, v in page.items() if k != "total_items"}
    bad_item = {**page, "contents": [{**page["contents"][0], "last_modified": "yesterday"}]}
    for broken in (no_total, bad_item):
        with pytest.raises(ValidationError):
            validate(broken, "/services")


def test_no_response_holds_a_null(client, feed):
    assert nulls({"a": [1, {"b": None}]}) == ["$.a[1].b"]
    for url in [
        "/openreferral/services?per_page=200",
        "/openreferral/service_at_locations?per_page=200",
        "/openreferral/organizations",
        "/openreferral/taxonomy_terms?per_page=200",
        *[f"/openreferral/services/{s.uuid}" for s in published(feed)],
    ]:
        assert nulls(get(client, url)) == []


# Read-only, open to anyone, published only --------------------------------------------------


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_it_refuses_writes(client, feed, method):
    response = getattr(client, method)(
        "/openreferral/services", data={}, content_type="application/json"
    )
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert Service.objects.count() == len(feed)


def test_every_answer_carries_the_cors_header(client, feed):
    for url, status in [
        ("/openreferral/services", 200),
        ("/openreferral/services?page=0", 400),
        (f"/openreferral/services/{feed['draft'].uuid}", 404),
        ("/openreferral/nothing-here", 404),
    ]:
        response = client.get(url)
        assert response.status_code == status
        assert response["Access-Control-Allow-Origin"] == "*"
    options = client.options("/openreferral/services")
    assert options.status_code == 204
    assert options["Access-Control-Allow-Origin"] == "*"
    assert client.head("/openreferral/services").status_code == 200


def test_drafts_and_archived_services_are_absent(client, feed):
    hidden = {str(feed["draft"].uuid), str(feed["archived"].uuid)}
    listed = {s["id"] for s in get(client, "/openreferral/services?per_page=200")["contents"]}
    assert listed and not listed & hidden
    at_locations = get(client, "/openreferral/service_at_locations?per_page=200")["contents"]
    assert not {i["service_id"] for i in at_locations} & hidden
    for service_id in hidden:
        get(client, f"/openreferral/services/{service_id}", status=404)


def test_a_service_archived_after_a_page_was_read_leaves_the_next_read(client, feed):
    before = get(client, "/openreferral/services")
    archive_service(feed["epsom"])
    after = get(client, "/openreferral/services")
    assert after["total_items"] == before["total_items"] - 1
    assert str(feed["epsom"].uuid) not in {s["id"] for s in after["contents"]}


def test_a_page_takes_the_same_few_queries_whatever_its_size(
    client, feed, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        get(client, "/openreferral/services?per_page=200&minimum_age=1")
    with django_assert_max_num_queries(8):
        get(client, f"/openreferral/services/{feed['sutton'].uuid}")


# What maps to what --------------------------------------------------------------------------


def test_a_whole_service_says_everything_we_know(client, feed):
    sutton = feed["sutton"]
    body = get(client, f"/openreferral/services/{sutton.uuid}", "/services/{id}")
    assert body["name"] == "Sutton befriending"
    assert body["status"] == "active"
    assert body["alert"] == "Waiting list: new referrals join a waiting list."
    assert body["minimum_age"] == 18 and "maximum_age" not in body
    assert body["url"] == "https://example.org/befriending"
    assert body["last_modified"] == sutton.updated_at.astimezone(dt.UTC).isoformat(
        timespec="milliseconds"
    ).replace("+00:00", "Z")
    assert body["cost_options"] == [
        {
            "id": vocab.stable_uuid("cost_option", sutton.uuid),
            "service_id": str(sutton.uuid),
            "option": "Free",
            "amount": 0,
            "currency": "GBP",
        }
    ]
    assert "fees" not in body
    keys = ("byday", "opens_at", "closes_at", "description")
    assert [tuple(s.get(k) for k in keys) for s in body["schedules"]] == [
        ("MO", "09:00:00", "17:30:00", "Monday 09:00 to 17:30"),
        ("WE", "10:00:00", "12:00:00", "Wednesday 10:00 to 12:00"),
        (None, None, None, "By appointment"),
        (None, None, None, "Closed on bank holidays"),
    ]  # fmt: skip
    assert {s.get("freq") for s in body["schedules"][:2]} == {"WEEKLY"}
    assert [lang["name"] for lang in body["languages"]] == ["Polish", "Urdu"]
    assert body["phones"][0]["number"] == "01632 960000"
    assert body["service_areas"] == [
        {
            "id": vocab.stable_uuid("service_area", sutton.uuid, "E09000029"),
            "service_id": str(sutton.uuid),
            "name": "Sutton",
            "service_area": "Sutton",
            "uri": "http://statistics.data.gov.uk/id/statistical-geography/E09000029",
        }
    ]
    location = body["service_at_locations"][0]["location"]
    assert location["addresses"][0] | {"id": "-"} == {
        "id": "-",
        "location_id": location["id"],
        "address_1": "1 High Street",
        "city": "Sutton",
        "state_province": "England",
        "postal_code": "SM1 1AA",
        "country": "GB",
        "address_type": "physical",
    }
    assert [a["description"] for a in location["accessibility"]] == [
        "Step-free access",
        "No hearing loop",
        "Ramp at the side door",
    ]
    assert vocab.accessibility_from_items(location["accessibility"]) == {
        "step_free_access": True,
        "hearing_loop": False,
        "accessible_toilet": None,
        "accessibility_note": "Ramp at the side door",
    }
    needs = [a for a in body["attributes"] if a["link_type"] == "need"]
    assert [a["taxonomy_term"]["code"] for a in needs] == ["isolation"]
    assert needs[0]["taxonomy_term"]["id"] == str(Need.objects.get(slug="isolation").uuid)
    assert vocab.criteria_from_attributes(body["attributes"]) == {
        "eligible_areas": ["E09000029"],
        "eligible_if_lives": True,
        "eligible_if_works": True,
        "eligible_if_gp": False,
        "only_for": ["carer"],
        "eligibility_published": True,
    }


def test_charges_national_services_and_icbs_map_as_documented(client, feed):
    icb = get(client, f"/openreferral/services/{feed['icb'].uuid}", "/services/{id}")
    assert icb["fees"] == "£3 a session"
    assert icb["cost_options"][0]["option"] == "Fees"
    assert icb["cost_options"][0]["amount_description"] == "£3 a session"
    assert icb["maximum_age"] == 65
    [area] = icb["service_areas"]
    assert area["name"] == "NHS South West London Integrated Care Board"
    assert area["uri"].endswith("/organisations/QWE")
    assert vocab.area_code_from_service_area(area) == "QWE"
    assert vocab.criteria_from_attributes(icb["attributes"])["eligible_areas"] == ["QWE"]

    national = get(client, f"/openreferral/services/{feed['national'].uuid}", "/services/{id}")
    [area] = national["service_areas"]
    assert area["name"] == "United Kingdom" and area["uri"].endswith("/K02000001")
    assert vocab.is_national_service_area(area)
    assert vocab.area_code_from_service_area(area) is None
    assert "service_at_locations" not in national and "cost_options" not in national
    assert vocab.criteria_from_attributes(national["attributes"])["eligible_areas"] == []


# Filters ------------------------------------------------------------------------------------


def names(client, query, endpoint="/openreferral/services"):
    body = get(client, f"{endpoint}?per_page=200&{query}", endpoint.removeprefix("/openreferral"))
    if endpoint.endswith("service_at_locations"):
        return sorted(i["service"]["name"] for i in body["contents"])
    return sorted(s["name"] for s in body["contents"])


def test_it_filters_by_search_term_and_taxonomy(client, feed):
    assert names(client, "search=grief") == ["National grief line"]
    assert names(client, "search=pain+course") == ["South West London pain course"]
    isolation = Need.objects.get(slug="isolation").uuid
    assert names(client, f"taxonomy_term_id={isolation}") == [
        "Reigate repair cafe",
        "Sutton befriending",
    ]
    qwe = vocab.eligibility_term_id("area:QWE")
    assert names(client, f"taxonomy_term_id={qwe}") == ["South West London pain course"]
    works = vocab.eligibility_term_id("via:works")
    assert names(client, f"taxonomy_term_id={works}") == ["Sutton befriending"]
    carers = vocab.eligibility_term_id("only-for:carer")
    assert names(client, f"taxonomy_term_id={carers}") == ["Sutton befriending"]
    unknown = "00000000-0000-4000-8000-000000000000"
    assert names(client, f"taxonomy_term_id={unknown}") == []
    needs = vocab.taxonomy_id("signpost-needs")
    assert len(names(client, f"taxonomy_id={needs}")) == 6


def test_it_filters_by_organisation_date_age_and_day(client, feed):
    org = feed["icb"].organisation.uuid
    assert names(client, f"organization_id={org}") == ["South West London pain course"]
    update_service(feed["epsom"], last_reviewed=dt.date(2026, 2, 1))
    since = feed["epsom"].updated_at - dt.timedelta(milliseconds=1)
    stamp = since.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert names(client, f"modified_after={stamp}") == ["Epsom debt clinic"]
    assert len(names(client, "modified_after=2000-01-01")) == 6
    tomorrow = (timezone.now() + dt.timedelta(days=1)).date().isoformat()
    assert names(client, f"modified_after={tomorrow}") == []
    assert names(client, "minimum_age=18") == ["Sutton befriending"]
    assert names(client, "minimum_age=19") == []
    assert names(client, "maximum_age=65") == ["South West London pain course"]
    assert names(client, "maximum_age=64") == []
    assert names(client, "day=MO") == ["Sutton befriending"]
    assert names(client, "day=wednesday") == ["Sutton befriending"]
    assert names(client, "day=TU") == []
    assert names(client, "day=MO&start_time=09:00&end_time=18:00") == ["Sutton befriending"]
    assert names(client, "day=MO&start_time=10:00") == []


def test_service_at_locations_cover_a_postcode_by_area_or_by_distance(client, feed):
    at = "/openreferral/service_at_locations"
    # SM1 1AA is in Sutton, in South West London: Sutton's and the ICB's services cover it.
    assert names(client, "postcode=sm11aa", at) == [
        "South West London pain course",
        "Sutton befriending",
    ]
    # Merton (SW19) is covered by the ICB only; a service with no areas only by distance.
    assert names(client, "postcode=SW19 1AA", at) == [
        "Merton walking group",
        "South West London pain course",
    ]
    assert names(client, "postcode=RH2 0AA", at) == []
    assert names(client, "postcode=RH2 0AA&proximity=2000", at) == ["Reigate repair cafe"]
    assert names(client, "postcode=SM1 1AA&proximity=2000", at) == [
        "South West London pain course",
        "Sutton befriending",
    ]
    assert names(client, "postcode=SM1 1AA&proximity=40000", at) == [
        "Reigate repair cafe",
        "South West London pain course",
        "Sutton befriending",
    ]


# Bad requests -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/openreferral/services?page=0", "page must be a whole number from 1"),
        ("/openreferral/services?page=two", "page must be a whole number from 1"),
        ("/openreferral/services?per_page=100000", "per_page must be a whole number from 1 to 200"),
        ("/openreferral/services?per_page=0", "per_page must be a whole number"),
        ("/openreferral/services?taxonomy_term_id=isolation", "taxonomy_term_id must be a UUID"),
        ("/openreferral/services?organization_id=1", "organization_id must be a UUID"),
        ("/openreferral/services?modified_after=yesterday", "modified_after must be a date"),
        ("/openreferral/services?modified_after=2026-02-30", "modified_after must be a date"),
        ("/openreferral/services?day=Funday", "day must be a day of the week"),
        ("/openreferral/services?minimum_age=-1", "minimum_age must be a number from 0"),
        ("/openreferral/services?maximum_age=nan", "maximum_age must be a number from 0"),
        ("/openreferral/services?start_time=9am", "start_time must be a time of day"),
        ("/openreferral/services/not-a-uuid", "id must be a UUID"),
        ("/openreferral/taxonomy_terms/123", "id must be a UUID"),
        ("/openreferral/service_at_locations?proximity=500", "proximity needs a postcode"),
        ("/openreferral/service_at_locations?postcode=SM1 XYZ", "is not a valid UK postcode"),
        ("/openreferral/service_at_locations?postcode=ZZ9 9ZZ", "is not in the ONS postcode data"),
        (
            "/openreferral/service_at_locations?postcode=SM1 1AA&proximity=far",
            "proximity must be a distance in metres",
        ),
    ],
)
def test_bad_parameters_get_a_plain_400(client, feed, url, message):
    body = get(client, url, status=400)
    assert message in body["detail"]


def test_an_unknown_id_is_a_404(client, feed):
    missing = "00000000-0000-4000-8000-000000000000"
    for kind in (
        "services",
        "taxonomies",
        "taxonomy_terms",
        "organizations",
        "service_at_locations",
    ):
        body = get(client, f"/openreferral/{kind}/{missing}", status=404)
        assert body["detail"]


def test_an_organisation_with_only_drafts_is_not_published(client, feed):
    make_service(service="Hidden", organisation="Draft Only (demo)", status="draft")
    listed = get(client, "/openreferral/organizations?per_page=200")["contents"]
    assert "Draft Only (demo)" not in {o["name"] for o in listed}
