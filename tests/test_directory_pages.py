import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from directory.models import Schedule, Service, Source

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
    assert b'<a href="#result-count">Skip to results</a>' in response.content


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


def opens(service, weekday, opens, closes):
    Schedule.objects.create(
        service=service,
        weekday=weekday,
        opens_at=dt.time.fromisoformat(opens),
        closes_at=dt.time.fromisoformat(closes),
    )


def row(text, key):
    """The value of a summary list row, by its key."""
    start = text.index(f'<dt class="nhsuk-summary-list__key">{key}</dt>')
    value = text.index('<dd class="nhsuk-summary-list__value">', start)
    return text[value + len('<dd class="nhsuk-summary-list__value">') : text.index("</dd>", value)]


def test_a_service_page_shows_opening_times_cost_and_accessibility(client, services):
    service = services[0]
    opens(service, Schedule.Weekday.WEDNESDAY, "10:00", "12:00")
    opens(service, Schedule.Weekday.MONDAY, "13:00", "17:00")
    opens(service, Schedule.Weekday.MONDAY, "09:00", "12:00")
    Schedule.objects.create(service=service, by_appointment=True)
    service.opening_times = "Closed on bank holidays"
    service.is_free, service.cost = False, "£5 a session"
    service.step_free_access, service.hearing_loop = True, False
    service.languages = ["Polish", "Tamil"]
    service.accessibility_note = "Ramp at the side door"
    service.save()
    text = client.get(service.get_absolute_url()).content.decode()
    assert row(text, "Opening times") == (
        "Monday 9am to 12pm and 1pm to 5pm<br>Wednesday 10am to 12pm<br>By appointment"
    )
    assert row(text, "About opening") == "Closed on bank holidays"
    assert row(text, "Cost") == "£5 a session"
    assert row(text, "Step-free access") == "Yes"
    assert row(text, "Hearing loop") == "No"
    assert row(text, "Accessible toilet") == "Not known"
    assert row(text, "Languages besides English") == "Polish and Tamil"
    assert row(text, "Accessibility note") == "Ramp at the side door"


def test_a_service_page_says_what_is_not_known(client, services):
    text = client.get(services[0].get_absolute_url()).content.decode()
    assert row(text, "Opening times") == "Not known"
    assert "About opening" not in text
    assert row(text, "Cost") == "Cost not known"
    for key in ("Step-free access", "Hearing loop", "Accessible toilet"):
        assert row(text, key) == "Not known"
    assert row(text, "Languages besides English") == "None listed"
    assert "Accessibility note" not in text


def test_a_service_page_says_when_its_source_publishes_no_eligibility(client, services):
    service = services[0]
    source = Source.objects.create(kind=Source.Kind.OPENREFERRAL, name="Sutton Council feed")
    Service.objects.filter(pk=service.pk).update(source=source, eligibility_published=False)
    text = client.get(service.get_absolute_url()).content.decode()
    assert (
        "Eligibility not published by Sutton Council feed: check with the service who can use it."
        in row(text, "Who can use it")
    )
    assert "People who live" not in row(text, "Who can use it")


def test_the_directory_cards_show_cost_and_open_days(client, services):
    for day in (1, 2, 3, 4, 5, 7):
        opens(services[0], day, "09:00", "17:00")
    services[1].is_free = True
    services[1].save()
    text = client.get("/services/").content.decode()
    assert "Cost not known · Open Monday to Friday and Sunday" in text
    assert "Free · Opening days not given" in text


def test_the_directory_list_costs_no_query_a_card(client, services):
    def queries_for_the_list():
        with CaptureQueriesContext(connection) as queries:
            client.get("/services/")
        return len(queries.captured_queries)

    before = queries_for_the_list()
    for n in range(5):
        added = make_service(service=f"Walking group {n}")
        opens(added, Schedule.Weekday.FRIDAY, "10:00", "11:00")
    assert queries_for_the_list() == before


def test_the_near_filter_is_posted_and_redirects_to_a_link_with_only_the_sector(client, services):
    response = client.post("/services/", {"near": "sm11aa", "within_km": "20", "need": "debt"})
    assert response.status_code == 302
    assert response["Location"] == "/services/?need=debt&near=SM1+1&within_km=20"
    page = client.get(response["Location"])
    assert b"1 service found" in page.content
    assert b"the middle of postcode sector SM1 1" in page.content
    assert b"Epsom debt clinic" in page.content
    assert b"SM1 1AA" not in page.content.replace(b"SM1 1AA or SM1 1", b"")


def test_a_link_with_a_full_postcode_is_turned_into_the_sectors_link(client, services):
    response = client.get("/services/", {"near": "SM1 1AA", "q": "befriending", "page": "2"})
    assert response.status_code == 302
    assert response["Location"] == "/services/?q=befriending&near=SM1+1"


def test_the_near_filter_sorts_by_distance_from_the_sectors_middle(client, services):
    page = client.get("/services/", {"near": "sm1 1", "within_km": "30"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "2 services found" in text
    assert text.index("Sutton befriending") < text.index("Epsom debt clinic")
    assert "km away" in text


def test_a_bad_posted_postcode_is_explained_and_put_in_no_url(client, services):
    response = client.post("/services/", {"near": "ZZ9 9ZZ", "q": "debt"})
    assert response.status_code == 200
    assert b"There is a problem" in response.content
    assert b"&#x27;ZZ9 9ZZ&#x27; is not in the ONS postcode data loaded here" in response.content
    # What was typed is kept in the form, to correct.
    assert b'value="debt"' in response.content
    response = client.get("/services/", {"near": "ZZ9 9"})
    assert (
        b"&#x27;ZZ9 9&#x27; is not a postcode sector in the ONS postcode data" in response.content
    )


def test_posting_no_filters_shows_the_whole_directory(client, services):
    response = client.post("/services/", {"q": "  ", "near": ""})
    assert response.status_code == 302
    assert response["Location"] == "/services/"
