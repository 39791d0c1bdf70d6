import datetime as dt

import pytest
from rest_framework.test import APIClient

from directory.models import Schedule

from .factories import make_service


@pytest.fixture
def api(django_user_model):
    client = APIClient()
    client.force_authenticate(django_user_model.objects.create_user("lw", password="x-pass-123"))
    return client


@pytest.fixture
def services(geography):
    return [
        make_service(service="Sutton befriending", needs="isolation", postcode="SM1 1AA"),
        make_service(
            service="Surrey befriending", needs="isolation", postcode="KT17 1AA",
            areas_served="Epsom and Ewell", eligible_areas="QXU",
        ),
    ]  # fmt: skip


def test_it_needs_a_signed_in_user(services):
    response = APIClient().post(
        "/api/v1/match/", {"home_postcode": "SM1 1AA", "needs": ["isolation"]}, format="json"
    )
    assert response.status_code in (401, 403)


def test_it_accepts_a_token(services, django_user_model):
    django_user_model.objects.create_user("tok", password="x-pass-123")
    client = APIClient()
    made = client.post("/api/v1/auth/token/", {"username": "tok", "password": "x-pass-123"})
    client.credentials(HTTP_AUTHORIZATION=f"Token {made.json()['token']}")
    body = {"home_postcode": "SM1 1AA", "needs": ["isolation"]}
    assert client.post("/api/v1/match/", body, format="json").status_code == 200


def opens(service, weekday, opens="10:00", closes="12:00"):
    Schedule.objects.create(
        service=service,
        weekday=weekday,
        opens_at=dt.time.fromisoformat(opens),
        closes_at=dt.time.fromisoformat(closes),
    )


def test_it_returns_patient_results_and_unmet_needs(api, services):
    surrey = services[1]
    surrey.is_free, surrey.cost = False, "£2 a session"
    surrey.save()
    opens(surrey, Schedule.Weekday.THURSDAY)
    opens(surrey, Schedule.Weekday.TUESDAY)
    opens(surrey, Schedule.Weekday.TUESDAY, "14:00", "16:00")
    Schedule.objects.create(service=surrey, by_appointment=True)
    response = api.post(
        "/api/v1/match/",
        {
            "home_postcode": "kt17 1aa",
            "gp_area": "E07000208",
            "age": 54,
            "needs": ["isolation", "debt"],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["patient"] == {
        "home_area": {"code": "E07000208", "name": "Epsom and Ewell"},
        "gp_area": {"code": "E07000208", "name": "Epsom and Ewell"},
        "work_area": None,
        "icbs": [{"code": "QXU", "name": "NHS Surrey Heartlands Integrated Care Board"}],
    }
    assert body["unmet_needs"] == ["debt"]
    assert body["total_results"] == 2
    first, second = body["results"]
    assert first == {
        "service": {
            "id": services[1].pk,
            "name": "Surrey befriending",
            "organisation": "Test Befrienders (demo)",
            "capacity": "open",
            "delivery_modes": ["in_person", "phone"],
            "referral_route": "both",
            "phone": "01632 960000",
            "email": "",
            "website": "",
            "last_reviewed": "2026-01-01",
            "address": {"address": "1 High Street", "postcode": "KT17 1AA"},
            "is_free": False,
            "cost": "£2 a session",
            "open_days": ["tuesday", "thursday"],
            "by_appointment": True,
        },
        "eligibility": "eligible",
        "reasons": ["Lives in Epsom and Ewell (Surrey Heartlands ICB)"],
        "matched_needs": ["isolation"],
        "distance_km": 0.0,
    }
    assert second["service"]["name"] == "Sutton befriending"
    assert {
        k: second["service"][k] for k in ("is_free", "cost", "open_days", "by_appointment")
    } == {
        "is_free": None,
        "cost": "",
        "open_days": [],
        "by_appointment": False,
    }
    assert second["eligibility"] == "not_eligible"
    assert second["distance_km"] > 5


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"home_postcode": "SM1 XYZ", "needs": ["isolation"]}, "home_postcode"),
        ({"home_postcode": "ZZ9 9ZZ", "needs": ["isolation"]}, "home_postcode"),
        ({"home_postcode": "SM1 1AA", "needs": ["unicorns"]}, "needs"),
        ({"home_postcode": "SM1 1AA"}, "needs"),
        ({"needs": ["isolation"]}, "home_postcode"),
        (
            {"home_postcode": "SM1 1AA", "needs": ["isolation"], "gp_practice": "NOPE1"},
            "gp_practice",
        ),
        ({"home_postcode": "SM1 1AA", "needs": ["isolation"], "age": "old"}, "age"),
        ({"home_postcode": "SM1 1AA", "needs": ["isolation"], "for": ["wizards"]}, "for"),
        ({"home_postcode": "SM1 1AA", "needs": ["x"] * 60}, "needs"),
        ({"home_postcode": "S" * 5000, "needs": ["isolation"]}, "home_postcode"),
    ],
)
def test_bad_input_answers_400_naming_the_field(api, services, body, field):
    response = api.post("/api/v1/match/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_a_malformed_body_is_a_clear_400(api, services):
    response = api.post("/api/v1/match/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def names(response):
    assert response.status_code == 200, response.content
    return [item["service"]["name"] for item in response.json()["results"]]


def test_it_filters_on_an_open_day_and_free_only(api, services):
    sutton, surrey = services
    opens(sutton, Schedule.Weekday.MONDAY)
    opens(surrey, Schedule.Weekday.MONDAY)
    opens(surrey, Schedule.Weekday.FRIDAY)
    Schedule.objects.create(service=sutton, by_appointment=True)
    surrey.is_free = True
    surrey.save()
    body = {"home_postcode": "SM1 1AA", "needs": ["isolation"]}
    assert names(api.post("/api/v1/match/", body, format="json")) == [
        "Sutton befriending",
        "Surrey befriending",
    ]
    both = names(api.post("/api/v1/match/", {**body, "open_on": "Monday"}, format="json"))
    assert both == ["Sutton befriending", "Surrey befriending"]
    friday = names(api.post("/api/v1/match/", {**body, "open_on": "friday"}, format="json"))
    assert friday == ["Surrey befriending"]
    free = api.post("/api/v1/match/", {**body, "free_only": True}, format="json")
    assert names(free) == ["Surrey befriending"]
    # The Sutton resident cannot use the Surrey service: the free filter leaves isolation unmet.
    assert free.json()["unmet_needs"] == ["isolation"]
    none = api.post("/api/v1/match/", {**body, "open_on": "sunday"}, format="json")
    assert (names(none), none.json()["unmet_needs"]) == ([], ["isolation"])


def test_an_unknown_day_answers_400_naming_the_field(api, services):
    body = {"home_postcode": "SM1 1AA", "needs": ["isolation"], "open_on": "Funday"}
    response = api.post("/api/v1/match/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "open_on": [
            "'Funday' is not a day of the week: give one of monday, tuesday, wednesday, "
            "thursday, friday, saturday, sunday"
        ]
    }
    body = {"home_postcode": "SM1 1AA", "needs": ["isolation"], "free_only": "perhaps"}
    assert "free_only" in api.post("/api/v1/match/", body, format="json").json()


def test_the_schema_documents_the_filters(api, db):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    fields = schema["components"]["schemas"]["MatchRequest"]["properties"]
    assert fields["open_on"]["description"].startswith("monday, tuesday, wednesday")
    assert "by appointment only" in fields["open_on"]["description"]
    assert fields["free_only"]["type"] == "boolean"
    assert "cost is not known" in fields["free_only"]["description"]
