import pytest
from geopy.distance import geodesic
from rest_framework.test import APIClient

from directory.models import Postcode, Service

from .factories import make_service


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def services(geography):
    return {
        "sutton": make_service(service="Sutton befriending", needs="isolation", postcode="SM1 1AA"),
        "icb": make_service(
            service="South West London pain course",
            needs="pain-self-management;relaxation",
            areas_served="QWE",
            eligible_areas="QWE",
            postcode="CR0 0LU",
        ),
        "national": make_service(
            service="National grief line",
            needs="bereavement",
            delivery_modes="phone;online",
            postcode="",
            areas_served="national",
            eligible_areas="",
            capacity="waiting_list",
        ),
        "epsom": make_service(
            service="Epsom debt clinic",
            needs="debt",
            postcode="KT17 1AA",
            areas_served="Epsom and Ewell",
            eligible_areas="QXU",
            opening_times="Mon 09:00-12:00, 13:00-17:00; by appointment",
            opening_notes="Closed on bank holidays",
            cost="£5 a session",
            step_free_access="yes",
            hearing_loop="no",
            languages="Polish; urdu",
            accessibility_note="Lift to the first floor",
        ),
        "draft": make_service(service="Draft service", status="draft"),
    }


def names(response):
    assert response.status_code == 200, response.content
    return sorted(row["name"] for row in response.json()["results"])


def test_anyone_sees_published_services_only(api, services):
    assert "Draft service" not in names(api.get("/api/v1/services/"))
    assert api.get(f"/api/v1/services/{services['draft'].pk}/").status_code == 404


def test_an_editor_also_sees_drafts(api, services, editor):
    api.force_authenticate(editor)
    assert "Draft service" in names(api.get("/api/v1/services/?status=draft"))


def test_it_returns_a_whole_service(api, services):
    body = api.get(f"/api/v1/services/{services['epsom'].pk}/").json()
    location = body["locations"][0]
    assert body == {
        "id": services["epsom"].pk,
        "external_id": "",
        "name": "Epsom debt clinic",
        "organisation": "Test Befrienders (demo)",
        "description": "Weekly calls",
        "needs": ["debt"],
        "delivery_modes": ["in_person", "phone"],
        "areas_served": [{"code": "E07000208", "name": "Epsom and Ewell"}],
        "serves_nationally": False,
        "eligibility": {
            "areas": [{"code": "QXU", "name": "NHS Surrey Heartlands Integrated Care Board"}],
            "via": ["lives", "gp"],
            "min_age": None,
            "max_age": None,
            "only_for": [],
        },
        "referral_route": "both",
        "is_free": False,
        "cost": "£5 a session",
        "opening_times": [
            {
                "day": "Monday",
                "opens_at": "09:00:00",
                "closes_at": "12:00:00",
                "by_appointment": False,
            },
            {
                "day": "Monday",
                "opens_at": "13:00:00",
                "closes_at": "17:00:00",
                "by_appointment": False,
            },
            {"day": None, "opens_at": None, "closes_at": None, "by_appointment": True},
        ],
        "opening_notes": "Closed on bank holidays",
        "accessibility": {
            "step_free_access": True,
            "hearing_loop": False,
            "accessible_toilet": None,
            "languages": ["Polish", "Urdu"],
            "note": "Lift to the first floor",
        },
        "capacity": "open",
        "status": "published",
        "last_reviewed": "2026-01-01",
        "phone": "01632 960000",
        "email": "",
        "website": "",
        "locations": [
            {
                "name": "",
                "address": "1 High Street",
                "postcode": "KT17 1AA",
                "latitude": location["latitude"],
                "longitude": location["longitude"],
                "local_authority": {"code": "E07000208", "name": "Epsom and Ewell"},
            }
        ],
        "uuid": str(services["epsom"].uuid),
        "source": None,
        "distance_km": None,
    }


def test_it_filters_by_need_any_of_several(api, services):
    assert names(api.get("/api/v1/services/?need=debt&need=bereavement")) == [
        "Epsom debt clinic",
        "National grief line",
    ]


def test_an_area_filter_includes_icb_wide_and_national_services(api, services):
    assert names(api.get("/api/v1/services/?area=E09000029")) == [
        "National grief line",
        "South West London pain course",
        "Sutton befriending",
    ]
    assert names(api.get("/api/v1/services/?area=QWE")) == [
        "National grief line",
        "South West London pain course",
        "Sutton befriending",
    ]
    assert names(api.get("/api/v1/services/?area=E07000208")) == [
        "Epsom debt clinic",
        "National grief line",
    ]


def test_it_filters_by_delivery_mode_and_capacity(api, services):
    assert names(api.get("/api/v1/services/?delivery_mode=online")) == ["National grief line"]
    assert names(api.get("/api/v1/services/?capacity=waiting_list")) == ["National grief line"]


def test_text_search_covers_need_synonyms(api, services):
    assert names(api.get("/api/v1/services/?q=grief")) == ["National grief line"]
    assert names(api.get("/api/v1/services/?q=lonely")) == ["Sutton befriending"]
    assert names(api.get("/api/v1/services/?q=mindfulness")) == ["South West London pain course"]


def test_near_orders_by_distance_and_reports_it(api, services):
    body = api.get("/api/v1/services/?near=sm11aa&within_km=20").json()
    results = body["results"]
    assert [r["name"] for r in results] == [
        "Sutton befriending",
        "Epsom debt clinic",
        "South West London pain course",
    ]
    home = Postcode.objects.get(postcode="SM1 1AA")
    for row in results:
        loc = row["locations"][0]
        expected = geodesic((home.latitude, home.longitude), (loc["latitude"], loc["longitude"])).km
        assert row["distance_km"] == pytest.approx(expected, abs=0.01)
    assert results[0]["distance_km"] == 0.0
    near = api.get("/api/v1/services/?near=SM1 1AA&within_km=5").json()
    assert [r["name"] for r in near["results"]] == ["Sutton befriending"]


@pytest.mark.parametrize(
    ("query", "param", "message"),
    [
        ("need=unicorns", "need", "unicorns is not one of the available choices"),
        ("area=E99999999", "area", "Select a valid choice"),
        ("delivery_mode=pigeon", "delivery_mode", "pigeon is not one of the available choices"),
        ("capacity=full", "capacity", "full is not one of the available choices"),
        ("near=SM1XYZ", "near", "'SM1XYZ' is not a valid UK postcode"),
        ("near=ZZ99ZZ", "near", "'ZZ9 9ZZ' is not in the ONS postcode data loaded here"),
        ("within_km=5", "near", "give a postcode to measure within_km from"),
        ("near=SM11AA&within_km=5000", "within_km", "less than or equal to 200"),
        ("near=SM11AA&within_km=abc", "within_km", "Enter a number"),
        ("page_size=abc&q=" + "x" * 300, "q", "at most 200 characters"),
    ],
)
def test_invalid_filters_answer_400_naming_the_parameter(api, services, query, param, message):
    response = api.get(f"/api/v1/services/?{query}")
    assert response.status_code == 400
    assert message in " ".join(response.json()[param])


def test_page_size_is_bounded(api, services):
    body = api.get("/api/v1/services/?page_size=100000").json()
    assert body["count"] == 4
    assert len(body["results"]) == 4


def test_needs_are_listed_with_synonyms(api, db, geography):
    body = api.get("/api/v1/needs/").json()
    isolation = next(n for n in body if n["slug"] == "isolation")
    assert "lonely" in isolation["synonyms"]
    assert {n["slug"] for n in body} >= {"relaxation", "sleep", "structure-routine", "bereavement"}


BODY = {
    "organisation": "API Walkers (demo)",
    "service": "Tuesday walk",
    "needs": ["physical-activity", "lonely"],
    "delivery_modes": ["in_person"],
    "postcode": "sm2 5aa",
    "areas_served": ["Sutton"],
    "eligible_areas": ["South West London"],
    "eligible_via": ["lives", "gp"],
    "status": "published",
}


def test_anonymous_users_and_readers_cannot_write(api, services, django_user_model):
    assert api.post("/api/v1/services/", BODY, format="json").status_code in (401, 403)
    reader = django_user_model.objects.create_user("reader", password="x-pass-123")
    api.force_authenticate(reader)
    assert api.post("/api/v1/services/", BODY, format="json").status_code == 403
    assert Service.objects.filter(name="Tuesday walk").count() == 0


def test_an_editor_creates_and_replaces_a_service(api, services, editor):
    api.force_authenticate(editor)
    response = api.post("/api/v1/services/", BODY, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["needs"] == ["isolation", "physical-activity"]
    assert created["locations"][0]["postcode"] == "SM2 5AA"
    assert created["eligibility"]["areas"][0]["code"] == "QWE"
    replaced = api.put(
        f"/api/v1/services/{created['id']}/", {**BODY, "capacity": "closed"}, format="json"
    )
    assert replaced.status_code == 200
    assert replaced.json()["capacity"] == "closed"
    assert Service.objects.filter(name="Tuesday walk").count() == 1


def test_a_bad_body_names_each_field_and_stores_nothing(api, services, editor):
    api.force_authenticate(editor)
    before = Service.objects.count()
    response = api.post(
        "/api/v1/services/",
        {**BODY, "needs": ["unicorns"], "postcode": "SM1 XYZ", "capacity": "full"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "needs": ["'unicorns' is not a known need (see /api/v1/needs/)"],
        "postcode": ["'SM1 XYZ' is not a valid UK postcode"],
        "capacity": ["'full' is not one of open, waiting_list, closed"],
    }
    assert Service.objects.count() == before


def test_a_duplicate_service_is_refused(api, services, editor):
    api.force_authenticate(editor)
    assert api.post("/api/v1/services/", BODY, format="json").status_code == 201
    response = api.post("/api/v1/services/", BODY, format="json")
    assert response.status_code == 400
    assert "exists" in response.json()["service"][0]
