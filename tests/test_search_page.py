import datetime as dt

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from directory.models import Schedule

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
        "/search/",
        {"home_postcode": "KT17 1AA", "gp_area": "E07000208", "needs": ["isolation"]},
        follow=True,
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Can use (1)" in text
    assert "Not open to this patient (1)" in text
    assert "Lives in Epsom and Ewell (Surrey Heartlands ICB)" in text
    assert "Only for people who live in or are registered with a GP in Sutton" in text


def test_a_closed_service_is_listed_in_its_own_group_with_the_reason(client, services, link_worker):
    make_service(service="Closed befriending", postcode="SM1 1AA", capacity="closed")
    response = client.post(
        "/search/",
        {"home_postcode": "SM1 1AA", "gp_area": "E09000029", "needs": ["isolation"]},
        follow=True,
    )
    text = response.content.decode()
    assert "Can use (1)" in text
    assert "Can use, but closed to new referrals or with a waiting list (1)" in text
    assert "Check first (0)" in text
    closed = text[text.index('id="can-use-closed"') : text.index('id="check-first"')]
    assert "Closed befriending" in closed
    assert "Closed to new referrals at the moment" in closed


def test_bad_input_is_explained(client, services, link_worker):
    response = client.post(
        "/search/", {"home_postcode": "SM1 XYZ", "needs": ["isolation"]}, follow=True
    )
    assert b"There is a problem" in response.content
    assert b"is not a valid UK postcode" in response.content
    response = client.post(
        "/search/", {"home_postcode": "SM1 1AA", "gp_practice": "NOPE1"}, follow=True
    )
    assert b"This field is required" in response.content  # no needs ticked


def test_searching_stores_nothing(client, services, link_worker):
    def counts():
        # The audit log notes that a search happened (tests/test_audit.py), never its terms.
        return {m._meta.label: m.objects.count() for m in apps.get_models()
                if m._meta.label != "audit.AuditEvent"}  # fmt: skip

    before = counts()
    audited = AuditEvent.objects.count()
    response = client.post(
        "/search/", {"home_postcode": "SM2 6AA", "age": "54", "needs": ["isolation"]}, follow=True
    )
    assert response.status_code == 200
    assert counts() == before
    assert AuditEvent.objects.count() == audited + 1
    assert response["Cache-Control"].startswith("max-age=0")


def opens(service, weekday, opens="09:00", closes="17:00"):
    Schedule.objects.create(
        service=service,
        weekday=weekday,
        opens_at=dt.time.fromisoformat(opens),
        closes_at=dt.time.fromisoformat(closes),
    )


def card(text, name):
    """The result card of the named service."""
    start = text.index(f">{name}</a>")
    return text[start : text.index('class="nhsuk-card"', start)]


def sutton_search(client, **filters):
    data = {"home_postcode": "SM1 1AA", "gp_area": "E09000029", "needs": ["isolation"]}
    return client.post("/search/", {**data, **filters}, follow=True).content.decode()


@pytest.fixture
def listed(services):
    sutton, surrey = services
    for day in range(1, 6):
        opens(sutton, day)
    Schedule.objects.create(service=sutton, by_appointment=True)
    sutton.is_free = True
    sutton.save()
    surrey.is_free, surrey.cost = False, "£4 a class"
    surrey.save()
    opens(surrey, Schedule.Weekday.SATURDAY)
    return services


def test_result_cards_show_cost_and_open_days(client, listed, link_worker):
    text = sutton_search(client) + '<div class="nhsuk-card">'
    assert "Free · Open Monday to Friday, or by appointment" in card(text, "Sutton befriending")
    assert "£4 a class · Open Saturday" in card(text, "Surrey befriending")
    make_service(service="Unknown club", postcode="SM1 1AA")
    text = sutton_search(client) + '<div class="nhsuk-card">'
    assert "Cost not known · Opening days not given" in card(text, "Unknown club")


def test_the_form_offers_the_open_day_and_free_filters(client, services, link_worker):
    text = client.get("/search/").content.decode()
    assert '<select class="nhsuk-select" id="id_open_on" name="open_on"' in text
    assert '<option value="saturday">Saturday</option>' in text
    assert 'id="id_free_only" name="free_only" type="checkbox"' in text
    assert "Free services only" in text
    assert "Services seen by appointment only, or whose days are not given, are left out." in text


def test_the_filters_narrow_the_results_and_are_carried_to_recording(
    client, listed, link_worker, django_user_model
):
    text = sutton_search(client, open_on="saturday")
    assert "Surrey befriending" in text
    assert "Sutton befriending" not in text
    assert 'id="id_open_on" name="open_on"' in text
    assert '<option value="saturday" selected>' in text
    text = sutton_search(client, free_only="on")
    assert "Sutton befriending" in text
    assert "Surrey befriending" not in text
    assert 'id="id_free_only" name="free_only" type="checkbox" value="on" checked' in text


def test_a_filter_that_removes_everything_explains_the_unmet_need(client, listed, link_worker):
    text = sutton_search(client, open_on="sunday", free_only="on")
    assert "Can use (0)" in text
    unmet = text[text.index('id="unmet-needs"') :]
    assert "No open service this patient is eligible for covers: Loneliness and isolation." in unmet
    assert "with the filters chosen (open on Sunday, free)" in unmet
    assert "with the filters chosen" not in sutton_search(client, open_on="monday")


def test_an_unknown_day_is_explained(client, services, link_worker):
    text = sutton_search(client, open_on="funday")
    assert "There is a problem" in text
    assert "Select a valid choice" in text


def test_cards_cost_no_query_a_result(client, listed, link_worker):
    def queries_for_a_search():
        sutton_search(client)  # the index is current after this
        with CaptureQueriesContext(connection) as queries:
            sutton_search(client)
        return len(queries.captured_queries)

    before = queries_for_a_search()
    for n in range(4):
        shown = make_service(service=f"More befriending {n}", postcode="SM1 1AA")
        opens(shown, Schedule.Weekday.TUESDAY)
        opens(shown, Schedule.Weekday.THURSDAY)
    assert queries_for_a_search() == before


def test_result_cards_escape_what_the_directory_holds(client, geography, personas):
    """The cards are built in Python (signposting/result_cards.py), not by the template engine:
    every value from the directory is escaped as a template would escape it."""
    hostile = "<script>alert(\"x\")</script> & 'co'"
    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;co&#x27;"
    make_service(
        service=f"Club {hostile}", organisation=f"Org {hostile}", address=f"1 {hostile} Road",
        needs="isolation;bereavement",
    )  # fmt: skip
    client.force_login(personas["lw"])
    text = client.post(
        "/search/",
        {"home_postcode": "SM1 1AA", "gp_area": "E09000029", "needs": ["isolation", "bereavement"]},
        follow=True,
    ).content.decode()
    assert "<script>alert" not in text
    assert f">Club {escaped}</a>" in text  # the heading
    assert f"Org {escaped} · " in text
    assert f"1 {escaped} Road, SM1 1AA." in text
    assert f"Record a referral to Club {escaped}</button>" in text
    assert f'<span class="nhsuk-u-visually-hidden"> Club {escaped}</span> to shortlist' in text
    assert f'<span class="nhsuk-u-visually-hidden"> (Club {escaped})</span>' in text  # its need


@pytest.mark.parametrize("text", ["a&b", "a<b", "a>b", 'a"b', "a'b", "plain", "", 12, "£4 · é"])
def test_a_card_value_is_escaped_as_a_template_escapes_it(text):
    """Each character html.escape replaces, alone, and values with none: a card writes what
    {{ value }} would."""
    from django.template import Context, Template

    from signposting.result_cards import _e

    assert _e(text) == Template("{{ text }}").render(Context({"text": text}))


def test_a_cards_addresses_are_those_django_reverses():
    from django.urls import reverse

    from signposting.result_cards import url_for_each

    detail = url_for_each("service-detail")
    for pk in (1, 42, 987654321):
        assert detail(pk) == reverse("service-detail", args=[pk])


def test_a_card_without_a_street_address_shows_the_postcode_alone(client, services, link_worker):
    make_service(service="Postcode only club", address="", postcode="SM1 1AA")
    text = sutton_search(client) + '<div class="nhsuk-card">'
    shown = card(text, "Postcode only club")
    assert "\nSM1 1AA.</p>" in shown
    assert ", SM1 1AA" not in shown


def test_what_the_page_offers_follows_the_users_team(client, services, personas):
    """A member of a team may record from the results and is offered the practices of the area
    that funds the team; someone allowed to record but in no team is told why they cannot."""
    from pathlib import Path

    from django.contrib.auth.models import Group

    from directory.importers.gp_practices import import_gp_practices

    import_gp_practices(
        Path(__file__).resolve().parent.parent / "fixtures" / "gp_practices_demo.csv"
    )
    search = {"home_postcode": "SM1 1AA", "gp_area": "E09000029", "needs": ["isolation"]}

    client.force_login(personas["outsider"])  # a link worker in the Sutton team
    text = client.post("/search/", search, follow=True).content.decode()
    assert "Record a referral to Sutton befriending" in text
    assert 'id="teamless"' not in text
    datalist = text[text.index('<datalist id="practices">') : text.index("</datalist>")]
    assert "SUTTON (DEMO) (Z000" in datalist and "CROYDON" not in datalist

    teamless = personas["lead"]
    teamless.groups.add(Group.objects.get(name="Link worker"))
    client.force_login(teamless)
    text = client.post("/search/", search, follow=True).content.decode()
    assert 'id="teamless"' in text
    assert "Record a referral to" not in text
    assert '<datalist id="practices"></datalist>' in text
