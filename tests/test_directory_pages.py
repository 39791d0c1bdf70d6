import pytest

from directory.models import Service

from .factories import make_service


@pytest.fixture
def services(geography):
    return [
        make_service(service="Sutton befriending", needs="isolation"),
        make_service(
            service="Epsom debt clinic",
            needs="debt",
            postcode="KT17 1AA",
            areas_served="Epsom and Ewell",
            eligible_areas="QXU",
            capacity="waiting_list",
        ),
        make_service(service="Hidden draft", status="draft"),
    ]


def test_the_directory_lists_published_services(client, services):
    response = client.get("/services/")
    assert response.status_code == 200
    assert b"Sutton befriending" in response.content
    assert b"Epsom debt clinic" in response.content
    assert b"Hidden draft" not in response.content
    assert b"2 services found" in response.content


def test_the_directory_filters_by_need_and_borough(client, services):
    response = client.get("/services/", {"need": "debt", "area": "E07000208"})
    assert b"1 service found" in response.content
    assert b"Epsom debt clinic" in response.content
    response = client.get("/services/", {"need": "debt", "area": "E09000029"})
    assert b"0 services found" in response.content


def test_the_directory_explains_a_bad_filter(client, services):
    response = client.get("/services/", {"near": "SM1 XYZ"})
    assert response.status_code == 200
    assert b"There is a problem" in response.content
    assert b"is not a valid UK postcode" in response.content


def test_a_service_page_shows_eligibility_and_contact(client, services):
    response = client.get(services[1].get_absolute_url())
    assert response.status_code == 200
    text = response.content.decode()
    assert "People who live or are registered with a GP in NHS Surrey Heartlands" in text
    assert "This service has a waiting list." in text
    assert "01632 960000" in text
    assert client.get(services[2].get_absolute_url()).status_code == 404


def test_an_editor_adds_a_service_in_the_admin_and_it_appears(client, services, editor):
    client.force_login(editor)
    org = services[0].organisation
    response = client.post(
        "/admin/directory/service/add/",
        {
            "organisation": org.pk,
            "name": "Admin-made walking group",
            "needs": [services[0].needs.get().pk],
            "in_person": "on",
            "is_free": "true",
            "areas_served": ["E09000029"],
            "eligible_if_lives": "on",
            "eligible_if_gp": "on",
            "referral_route": "both",
            "capacity": "open",
            "status": "published",
            "last_reviewed": "2026-10-01",
            "locations-TOTAL_FORMS": "1",
            "locations-INITIAL_FORMS": "0",
            "locations-MIN_NUM_FORMS": "0",
            "locations-MAX_NUM_FORMS": "1000",
            "locations-0-name": "Park gate",
            "locations-0-address": "Park Lane",
            "locations-0-postcode": "sm2 5aa",
            "schedules-TOTAL_FORMS": "0",
            "schedules-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    service = Service.objects.get(name="Admin-made walking group")
    location = service.locations.get()
    assert (location.postcode, location.local_authority_id) == ("SM2 5AA", "E09000029")
    assert location.latitude is not None
    assert b"Admin-made walking group" in client.get("/services/").content


def test_the_admin_refuses_a_bad_location_postcode(client, services, editor):
    client.force_login(editor)
    response = client.post(
        "/admin/directory/service/add/",
        {
            "organisation": services[0].organisation.pk,
            "name": "Bad postcode group",
            "needs": [services[0].needs.get().pk],
            "in_person": "on",
            "areas_served": ["E09000029"],
            "referral_route": "both",
            "capacity": "open",
            "status": "draft",
            "locations-TOTAL_FORMS": "1",
            "locations-INITIAL_FORMS": "0",
            "locations-MIN_NUM_FORMS": "0",
            "locations-MAX_NUM_FORMS": "1000",
            "locations-0-postcode": "SM1 XYZ",
            "schedules-TOTAL_FORMS": "0",
            "schedules-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert b"is not a valid UK postcode" in response.content
    assert not Service.objects.filter(name="Bad postcode group").exists()


def test_the_admin_lists_services_needing_review(client, services, editor):
    stale = make_service(service="Stale service", last_reviewed="2020-01-01")
    client.force_login(editor)
    response = client.get("/admin/directory/service/", {"review": "due"})
    assert response.status_code == 200
    assert stale.name.encode() in response.content
    assert b"Sutton befriending" not in response.content
