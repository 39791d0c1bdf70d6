import pytest
from django.apps import apps

from .factories import make_service


@pytest.fixture
def services(geography):
    return [
        make_service(service="Sutton befriending", needs="isolation", postcode="SM1 1AA"),
        make_service(
            service="Surrey befriending", needs="isolation", postcode="KT17 1AA",
            areas_served="Epsom and Ewell", eligible_areas="QXU",
        ),
    ]  # fmt: skip


@pytest.fixture
def link_worker(client, django_user_model):
    user = django_user_model.objects.create_user("lw", password="x-pass-123")
    client.force_login(user)
    return user


def test_the_search_page_needs_sign_in(client, services):
    response = client.get("/search/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_results_are_grouped_with_reasons(client, services, link_worker):
    response = client.post(
        "/search/", {"home_postcode": "KT17 1AA", "gp_area": "E07000208", "needs": ["isolation"]}
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Can use (1)" in text
    assert "Not open to this patient (1)" in text
    assert "Lives in Epsom and Ewell (Surrey Heartlands ICB)" in text
    assert "Only for people who live in or are registered with a GP in Sutton" in text


def test_a_closed_service_is_listed_under_check_first_with_the_reason(
    client, services, link_worker
):
    make_service(service="Closed befriending", postcode="SM1 1AA", capacity="closed")
    response = client.post(
        "/search/", {"home_postcode": "SM1 1AA", "gp_area": "E09000029", "needs": ["isolation"]}
    )
    text = response.content.decode()
    assert "Can use (1)" in text
    assert "Check first (1)" in text
    check_first = text[text.index('id="check-first"') : text.index('id="not-open"')]
    assert "Closed befriending" in check_first
    assert "Closed to new referrals at the moment" in check_first


def test_bad_input_is_explained(client, services, link_worker):
    response = client.post("/search/", {"home_postcode": "SM1 XYZ", "needs": ["isolation"]})
    assert b"There is a problem" in response.content
    assert b"is not a valid UK postcode" in response.content
    response = client.post("/search/", {"home_postcode": "SM1 1AA", "gp_practice": "NOPE1"})
    assert b"This field is required" in response.content  # no needs ticked


def test_searching_stores_nothing(client, services, link_worker):
    def counts():
        return {m._meta.label: m.objects.count() for m in apps.get_models()}

    before = counts()
    response = client.post(
        "/search/", {"home_postcode": "SM2 6AA", "age": "54", "needs": ["isolation"]}
    )
    assert response.status_code == 200
    assert counts() == before
    assert response["Cache-Control"].startswith("max-age=0")
