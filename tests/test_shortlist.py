"""The last search kept in the session, the patient's shortlist, and sending it through GOV.UK
Notify (a local server that speaks Notify's API: tests/notify_server.py)."""

import logging

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured

from audit.models import AuditEvent
from config.notify import notify_settings
from signposting import last_search, shortlist
from signposting.models import OutcomeEvent, Referral
from signposting.shortlist_views import SEND_TOKEN
from signposting.vocabulary import Kind

from .factories import make_service
from .notify_server import NotifyServer, configure

PATIENT = "SM2 6AA"
PHONE = "07700 900123"
EMAIL = "patient@example.com"
SEARCH = {"home_postcode": PATIENT, "gp_area": "E09000029", "needs": ["isolation", "debt"]}


# The shortlist's entries --------------------------------------------------------------------


def test_a_service_is_added_once_for_its_need_and_removed():
    entries = shortlist.add([], service_id=1, need="isolation")
    entries = shortlist.add(entries, service_id=2, need="debt")
    assert shortlist.add(entries, service_id=1, need="debt") == entries
    assert entries == [{"service": 1, "need": "isolation"}, {"service": 2, "need": "debt"}]
    assert shortlist.remove(entries, service_id=1) == [{"service": 2, "need": "debt"}]
    assert shortlist.remove(entries, service_id=9) == entries


def test_the_shortlist_refuses_a_service_past_the_most_and_keeps_what_it_had():
    entries = []
    for service_id in range(shortlist.MAX_SERVICES):
        entries = shortlist.add(entries, service_id=service_id, need="isolation")
    with pytest.raises(shortlist.ShortlistError, match="remove one to add another"):
        shortlist.add(entries, service_id=99, need="isolation")
    assert len(entries) == shortlist.MAX_SERVICES


# The last search in the session ------------------------------------------------------------


def test_the_last_search_is_kept_for_30_minutes_and_then_forgotten():
    session = {}
    last_search.save(session, SEARCH, now=1000.0)
    kept = last_search.load(session, now=1000.0 + 30 * 60 - 1)
    assert kept.querydict().getlist("needs") == ["isolation", "debt"]
    assert kept.querydict()["home_postcode"] == PATIENT
    assert last_search.load(session, now=1000.0 + 30 * 60) is None
    assert session == {}  # gone from the session, not only hidden


def test_a_refined_search_for_the_same_patient_keeps_the_shortlist_and_a_new_one_starts_anew():
    session = {}
    search = last_search.save(session, SEARCH, now=0)
    search.shortlist = [{"service": 1, "need": "isolation"}, {"service": 2, "need": "debt"}]
    search.referral_id = 7
    last_search.store(session, search)
    spaced = {**SEARCH, "home_postcode": "sm26aa"}
    refined = last_search.save(session, spaced, refine=True, now=60)
    assert refined.shortlist == search.shortlist and refined.referral_id == 7
    fewer = last_search.save(session, {**SEARCH, "needs": ["isolation"]}, refine=True, now=120)
    assert fewer.shortlist == [{"service": 1, "need": "isolation"}]
    assert fewer.referral_id is None  # other needs: another referral
    other = last_search.save(session, {**SEARCH, "home_postcode": "SM1 1AA"}, refine=True, now=180)
    assert other.shortlist == [] and other.referral_id is None


def test_a_second_person_at_the_same_address_never_inherits_the_first_ones_shortlist():
    """Two people at one address, seen one after the other: each search from the search page
    starts afresh, and a refinement with other facts (an age) is another patient."""
    session = {}
    first = last_search.save(session, SEARCH, now=0)
    first.shortlist = [{"service": 1, "need": "isolation"}]
    first.referral_id = 7
    last_search.store(session, first)
    second = last_search.save(session, SEARCH, now=60)  # a new search, not a refinement
    assert second.shortlist == [] and second.referral_id is None
    last_search.store(session, first)
    older = last_search.save(session, {**SEARCH, "age": ["81"]}, refine=True, now=120)
    assert older.shortlist == [] and older.referral_id is None


def test_only_the_search_forms_fields_are_kept():
    session = {}
    last_search.save(session, {**SEARCH, "csrfmiddlewaretoken": "x", "note": "a name"}, now=0)
    assert set(session[last_search.KEY]["data"]) == {"home_postcode", "gp_area", "needs"}


# Pages: Post/Redirect/Get and sign-out --------------------------------------------------------


@pytest.fixture
def services(geography):
    return [
        make_service(
            service=f"Sutton service {n}",
            needs="isolation;debt",
            postcode="SM1 1AA",
            phone=f"020 8000 000{n}",
            description=f"What service {n} offers",
            address=f"{n} High Street",
        )  # fmt: skip
        for n in range(1, 5)
    ]


def sessions_holding(text: str) -> list[str]:
    return [s.session_key for s in Session.objects.all() if text in str(s.get_decoded())]


def test_a_search_redirects_to_results_with_no_postcode_in_the_address(client, personas, services):
    client.force_login(personas["lw"])
    response = client.post("/search/", SEARCH)
    assert (response.status_code, response["Location"]) == (302, "/search/results/")
    results = client.get("/search/results/")
    assert "Sutton service 1" in results.content.decode()
    assert results["Cache-Control"].startswith("max-age=0")
    # The postcode is in the server's session store, not in the cookie.
    assert PATIENT not in client.cookies["sessionid"].value
    assert sessions_holding(PATIENT) == [client.session.session_key]
    # Going back to the results later shows the same ones, prefilled.
    again = client.get("/search/results/").content.decode()
    assert 'value="SM2 6AA"' in again and "Sutton service 4" in again


def test_without_a_search_the_results_page_says_so(client, personas):
    client.force_login(personas["lw"])
    response = client.get("/search/results/", follow=True)
    assert response.redirect_chain == [("/search/", 302)]
    assert "a search is kept for 30 minutes" in response.content.decode()


def test_a_search_that_finds_a_problem_is_shown_at_once_and_not_kept(client, personas, services):
    client.force_login(personas["lw"])
    response = client.post("/search/", {**SEARCH, "home_postcode": "SM1 XYZ"})
    assert response.status_code == 200
    assert "is not a valid UK postcode" in response.content.decode()
    assert last_search.KEY not in client.session


def test_signing_out_deletes_the_session_holding_the_search(client, personas, services):
    client.force_login(personas["lw"])
    client.post("/search/", SEARCH)
    key = client.session.session_key
    assert sessions_holding(PATIENT) == [key]
    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=key).exists()
    assert sessions_holding(PATIENT) == []


def test_the_results_page_expires_after_30_minutes(client, personas, services, monkeypatch):
    client.force_login(personas["lw"])
    client.post("/search/", SEARCH)
    saved_at = client.session[last_search.KEY]["saved_at"]
    monkeypatch.setattr(last_search.time, "time", lambda: saved_at + 30 * 60)
    response = client.get("/search/results/")
    assert response["Location"] == "/search/"
    assert sessions_holding(PATIENT) == []


def test_a_referral_recorded_from_the_results_offers_the_way_back(client, personas, services):
    client.force_login(personas["lw"])
    client.post("/search/", SEARCH)
    record = client.post("/referrals/record/", {**SEARCH, "service": services[0].pk})
    assert 'href="/search/results/">Back to results' in record.content.decode()
    saved = client.post(
        "/referrals/record/",
        {**SEARCH, "service": services[0].pk, "need": "isolation", "source": "gp",
         "kind": "referred", "confirm": "1"},
    )  # fmt: skip
    referral = Referral.objects.get()
    page = client.get(saved["Location"]).content.decode()
    assert 'href="/search/results/">Back to results' in page
    assert client.session[last_search.KEY]["referral_id"] == referral.pk


# Adding from the results and from a service's page ------------------------------------------


def add(client, service, need="isolation", next_url="/search/results/"):
    return client.post(
        "/search/shortlist/add/", {"service": service.pk, "need": need, "next": next_url}
    )


def test_services_are_added_from_the_results_and_a_service_page(client, personas, services):
    client.force_login(personas["lw"])
    client.post("/search/", SEARCH)
    results = client.get("/search/results/").content.decode()
    assert "</span> to shortlist</button>" in results
    assert add(client, services[0], "debt")["Location"] == "/search/results/"
    page = client.get(f"/services/{services[1].pk}/").content.decode()
    assert f'href="/search/results/#service-{services[1].pk}">Back to results' in page
    assert 'name="need"' in page  # two of the searched needs: which one is chosen
    add(client, services[1], "isolation", f"/services/{services[1].pk}/")
    assert client.session[last_search.KEY]["shortlist"] == [
        {"service": services[0].pk, "need": "debt"},
        {"service": services[1].pk, "need": "isolation"},
    ]
    shown = client.get("/search/shortlist/").content.decode()
    assert "Sutton service 1" in shown and "Sutton service 2" in shown
    client.post("/search/shortlist/remove/", {"service": services[0].pk})
    assert [e["service"] for e in client.session[last_search.KEY]["shortlist"]] == [services[1].pk]


def test_a_service_for_a_need_not_searched_is_refused_and_the_list_is_kept(
    client, personas, services
):
    client.force_login(personas["lw"])
    client.post("/search/", SEARCH)
    add(client, services[0])
    response = client.post(
        "/search/shortlist/add/", {"service": services[1].pk, "need": "housing"}, follow=True
    )
    assert "Choose which of the patient&#x27;s needs" in response.content.decode()
    assert len(client.session[last_search.KEY]["shortlist"]) == 1
    evil = add(client, services[2], next_url="https://evil.example/")
    assert evil["Location"] == "/search/results/"


def test_a_service_page_without_a_search_links_to_the_directory(client, personas, services):
    client.force_login(personas["lw"])
    page = client.get(f"/services/{services[0].pk}/").content.decode()
    assert "Back to all services" in page and "to shortlist</button>" not in page


# The messages -------------------------------------------------------------------------------


@pytest.fixture
def items(services):
    entries = [{"service": s.pk, "need": "isolation"} for s in services[:3]]
    return shortlist.contents(entries)


def test_a_text_carries_names_and_phone_numbers_only(items):
    text = shortlist.text_message(items)
    assert text == (
        "Services that may help you:\n"
        "1. Sutton service 1: 020 8000 0001\n"
        "2. Sutton service 2: 020 8000 0002\n"
        "3. Sutton service 3: 020 8000 0003"
    )


def test_a_text_too_long_for_notify_is_refused_before_anything_happens(items):
    for item in items:
        item.service.name = "A very long service name " * 12
    with pytest.raises(shortlist.ShortlistError, match="too long for one text message"):
        shortlist.text_message(items)


def test_the_email_carries_the_whole_list(items):
    text = shortlist.email_text(items, team="Epsom pain clinic")
    assert text.startswith("These services were suggested by Epsom pain clinic.")
    for n in (1, 2, 3):
        assert f"Sutton service {n} (Test Befrienders (demo))\nWhat service {n} offers" in text
        assert f"Phone: 020 8000 000{n}" in text
        assert f"Where: {n} High Street, SM1 1AA" in text
    assert "Contact them yourself, or ask your link worker to refer you." in text
    assert "Opening times: not known" in text


# Sending through Notify ---------------------------------------------------------------------


@pytest.fixture
def notify(settings):
    with NotifyServer() as server:
        configure(settings, server)
        yield server


@pytest.fixture
def listed(client, personas, services):
    """The link worker has searched and shortlisted three services."""
    client.force_login(personas["lw"])
    client.post("/search/", SEARCH)
    for service in services[:3]:
        add(client, service)
    return services[:3]


def send(client, channel="sms", **extra):
    """Send as the shortlist page's form does (with the token that page gave)."""
    client.get("/search/shortlist/")
    data = {"channel": channel, "phone_number": PHONE, "email_address": EMAIL, "source": "gp"}
    data["send_token"] = client.session.get(SEND_TOKEN, "")
    return client.post("/search/shortlist/send/", {**data, **extra})


def signposted():
    return sorted(
        OutcomeEvent.objects.filter(kind=Kind.SIGNPOSTED).values_list("service__name", "need__slug")
    )


def test_sending_by_text_records_the_referral_and_sends_names_and_numbers(
    client, listed, notify, caplog
):
    caplog.set_level(logging.DEBUG)
    response = send(client)
    assert response["Location"] == "/search/shortlist/"
    referral = Referral.objects.get()
    assert referral.postcode_sector == "SM2 6"
    assert signposted() == [(f"Sutton service {n}", "isolation") for n in (1, 2, 3)]
    [sent] = notify.received
    assert sent["kind"] == "sms" and sent["phone_number"] == "07700900123"
    assert sent["personalisation"]["body"] == shortlist.text_message(
        shortlist.contents(client.session[last_search.KEY]["shortlist"])
    )
    page = client.get("/search/shortlist/").content.decode()
    assert f"recorded as signposted on referral {referral.reference}" in page
    # The number went to Notify only: not the database, the session, the audit log or the logs.
    assert sessions_holding("900123") == [] and sessions_holding(EMAIL) == []
    assert not AuditEvent.objects.filter(detail__contains="900123").exists()
    assert "900123" not in caplog.text and "900123" not in page
    assert "notify sent channel=sms" in caplog.text


def test_sending_again_by_email_records_nothing_twice(client, listed, notify):
    send(client, "sms")
    send(client, "email", source="")  # the referral is known now: no source asked for
    assert Referral.objects.count() == 1
    assert len(signposted()) == 3
    assert [r["kind"] for r in notify.received] == ["sms", "email"]
    email = notify.received[1]
    assert email["email_address"] == EMAIL
    assert "What service 2 offers" in email["personalisation"]["body"]
    assert email["personalisation"]["subject"] == shortlist.EMAIL_SUBJECT


@pytest.mark.parametrize(
    "status, words",
    [
        (400, "did not accept the text message: Can&#x27;t send to this recipient"),
        (403, "refused Signpost&#x27;s API key"),
        (429, "receiving too many messages"),
        (500, "GOV.UK Notify had a problem (500)"),
    ],
)
def test_an_error_from_notify_is_explained_and_a_retry_records_nothing_twice(
    client, listed, notify, status, words
):
    notify.failures.append(status)
    response = send(client)
    text = response.content.decode()
    assert response.status_code == 200
    assert words in text
    assert "othing was sent" in text
    assert "sending again will not record them twice" in text
    assert "Where the referral came from" not in text  # recorded: not asked again
    assert 'value="07700 900123"' in text  # what was typed is not lost
    assert Referral.objects.count() == 1 and len(signposted()) == 3
    assert send(client)["Location"] == "/search/shortlist/"
    assert Referral.objects.count() == 1 and len(signposted()) == 3
    assert len(notify.received) == 1


def test_an_unreachable_notify_is_explained(client, listed, settings):
    with NotifyServer() as server:
        configure(settings, server)
    # The server has stopped: nothing listens at its address.
    text = send(client).content.decode()
    assert "GOV.UK Notify could not be reached, so nothing was sent" in text
    assert Referral.objects.count() == 1


def test_bad_input_is_explained_and_nothing_is_recorded_or_sent(client, listed, notify):
    text = send(client, phone_number="12345", source="").content.decode()
    assert "Enter a UK mobile number" in text
    assert "Choose where the referral came from" in text
    text = send(client, "email", email_address="").content.decode()
    assert "Enter the patient&#x27;s email address" in text
    assert Referral.objects.count() == 0 and notify.received == []


def test_without_a_key_the_page_says_sending_is_not_set_up_and_offers_print(
    client, listed, settings
):
    configure(settings, None)
    page = client.get("/search/shortlist/").content.decode()
    assert "Sending by text message or email is not set up" in page
    assert 'href="/search/shortlist/print/"' in page
    text = send(client).content.decode()
    assert "not set up on this Signpost: print the list instead" in text
    assert Referral.objects.count() == 0


def test_someone_who_may_not_record_cannot_send(client, personas, services, notify):
    client.force_login(personas["lead"])
    client.post("/search/", SEARCH)
    add(client, services[0])
    assert "Send by text message" not in client.get("/search/shortlist/").content.decode()
    assert send(client).status_code == 403
    assert notify.received == []


# The print view -----------------------------------------------------------------------------


def test_the_print_view_is_for_the_patient(client, listed):
    page = client.get("/search/shortlist/print/").content.decode()
    main = page[page.index('<main'):page.index('</main>')]  # fmt: skip
    for n in (1, 2, 3):
        assert f"Sutton service {n}" in main and f"What service {n} offers" in main
    assert "Suggested by Epsom and St Helier pain clinic" in main
    assert PATIENT not in page and "SM2 6" not in page
    assert "<form" not in main and "Remove" not in main
    assert "shortlist-print.css" in page


# Configuration ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, value, words",
    [
        ("NOTIFY_API_KEY", "not-a-key", "NOTIFY_API_KEY is not a GOV.UK Notify API key"),
        ("NOTIFY_SMS_TEMPLATE_ID", "sms", "NOTIFY_SMS_TEMPLATE_ID must be a template id"),
        ("NOTIFY_EMAIL_TEMPLATE_ID", "x", "NOTIFY_EMAIL_TEMPLATE_ID must be a template id"),
        ("NOTIFY_BASE_URL", "ftp://x", "NOTIFY_BASE_URL must be an http(s) address"),
    ],
)
def test_a_malformed_notify_setting_names_itself(monkeypatch, name, value, words):
    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=words.replace("(", r"\(").replace(")", r"\)")):
        notify_settings()


def test_notify_settings_default_to_not_set_up(monkeypatch):
    for name in ("NOTIFY_API_KEY", "NOTIFY_SMS_TEMPLATE_ID", "NOTIFY_EMAIL_TEMPLATE_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("NOTIFY_BASE_URL", raising=False)
    assert notify_settings() == {
        "NOTIFY_API_KEY": "",
        "NOTIFY_SMS_TEMPLATE_ID": "",
        "NOTIFY_EMAIL_TEMPLATE_ID": "",
        "NOTIFY_BASE_URL": "https://api.notifications.service.gov.uk",
    }


def test_an_expired_search_is_forgotten_on_any_page(client, personas, services, monkeypatch):
    client.force_login(personas["lw"])
    client.post("/search/", SEARCH)
    saved_at = client.session[last_search.KEY]["saved_at"]
    monkeypatch.setattr(last_search.time, "time", lambda: saved_at + 30 * 60 - 1)
    client.get("/referrals/")
    assert sessions_holding(PATIENT) != []
    monkeypatch.setattr(last_search.time, "time", lambda: saved_at + 30 * 60)
    client.get("/referrals/")
    assert sessions_holding(PATIENT) == []


def test_a_double_pressed_send_texts_the_patient_once(client, listed, notify):
    client.get("/search/shortlist/")
    data = {"channel": "sms", "phone_number": PHONE, "source": "gp"}
    data["send_token"] = client.session[SEND_TOKEN]
    first = client.post("/search/shortlist/send/", data)
    second = client.post("/search/shortlist/send/", data, follow=True)
    assert first.status_code == 302
    assert len(notify.received) == 1 and Referral.objects.count() == 1
    assert "nothing more was sent" in second.content.decode()


def test_a_service_not_open_to_the_patient_cannot_be_shortlisted(client, personas, services):
    merton_only = make_service(
        service="Merton befriending", needs="isolation", postcode="SM1 1AA",
        areas_served="Sutton", eligible_areas="Merton",
    )  # fmt: skip
    closed = make_service(
        service="Full befriending", needs="isolation", postcode="SM1 1AA", capacity="closed"
    )
    client.force_login(personas["lw"])
    client.post("/search/", SEARCH)
    results = client.get("/search/results/").content.decode()
    assert f'name="service" value="{services[0].pk}"' in results
    for refused in (merton_only, closed):
        page = add(client, refused, next_url="/search/shortlist/")
        assert page.status_code == 302
        text = client.get("/search/shortlist/").content.decode()
        assert f"{refused.name} is not open to this patient" in text
    assert client.session[last_search.KEY]["shortlist"] == []


def test_a_service_closed_after_it_was_shortlisted_stops_the_send_and_nothing_is_recorded(
    client, listed, notify
):
    listed[1].capacity = "closed"
    listed[1].save()
    response = send(client)
    assert response.status_code == 200
    assert "Sutton service 2 is not open to this patient" in response.content.decode()
    assert notify.received == [] and not Referral.objects.exists() and signposted() == []


@pytest.mark.parametrize("raw", ["²", "-1", "x", ""])
def test_a_crafted_service_number_is_a_message_not_an_error(client, personas, services, raw):
    client.force_login(personas["lw"])
    client.post("/search/", SEARCH)
    response = client.post("/search/shortlist/add/", {"service": raw, "need": "isolation"})
    assert response.status_code == 302
    removed = client.post("/search/shortlist/remove/", {"service": raw})
    assert removed.status_code == 302
