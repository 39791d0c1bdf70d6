import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api():
    return APIClient()


def test_it_returns_a_postcode_with_its_borough_and_icb(api, geography):
    response = api.get("/api/v1/postcodes/sm11aa/")
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "postcode": "SM1 1AA",
        "latitude": body["latitude"],
        "longitude": body["longitude"],
        "local_authority": {"code": "E09000029", "name": "Sutton"},
        "icb": {"code": "QWE", "name": "NHS South West London Integrated Care Board"},
    }
    assert 51.3 < body["latitude"] < 51.4
    assert -0.25 < body["longitude"] < -0.1


def test_it_returns_an_epsom_postcode_in_surrey_heartlands(api, geography):
    body = api.get("/api/v1/postcodes/KT17 1AA/").json()
    assert body["local_authority"] == {"code": "E07000208", "name": "Epsom and Ewell"}
    assert body["icb"]["code"] == "QXU"


def test_it_answers_400_for_a_malformed_postcode(api, geography):
    response = api.get("/api/v1/postcodes/SM1XYZ/")
    assert response.status_code == 400
    assert response.json() == {"detail": "'SM1XYZ' is not a valid UK postcode"}


def test_it_answers_404_for_an_unknown_postcode(api, geography):
    response = api.get("/api/v1/postcodes/ZZ99ZZ/")
    assert response.status_code == 404
    assert response.json() == {
        "detail": "'ZZ9 9ZZ' is not in the ONS postcode data loaded here "
        "(it may be new, or not a real postcode)"
    }


def test_it_lists_icbs(api, geography):
    response = api.get("/api/v1/areas/?kind=icb")
    assert response.status_code == 200
    codes = [row["code"] for row in response.json()["results"]]
    assert set(codes) == {"QWE", "QKK", "QMJ", "QMF", "QRV", "QXU", "QNQ"}


def test_it_lists_an_icbs_members(api, geography):
    rows = api.get("/api/v1/areas/?icb=QWE").json()["results"]
    assert [row["name"] for row in rows] == [
        "Croydon",
        "Kingston upon Thames",
        "Merton",
        "Richmond upon Thames",
        "Sutton",
        "Wandsworth",
    ]


def test_it_rejects_an_unknown_area_kind(api, geography):
    response = api.get("/api/v1/areas/?kind=planet")
    assert response.status_code == 400
    assert "kind" in response.json()


def test_the_openapi_schema_and_docs_are_served(api, db):
    schema = api.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/postcodes/{postcode}/" in schema.content
    assert api.get("/api/docs/").status_code == 200
