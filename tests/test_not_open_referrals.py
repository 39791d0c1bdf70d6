"""Results grouped by whether the patient can use a service now; recording a referral to a
service that is not open to the patient asks why and keeps the answer; work as a connection."""

import pytest
from rest_framework.test import APIClient

from signposting.actions import create_referral, record_path_event
from signposting.matching import MatchError
from signposting.models import OutcomeEvent, Referral
from signposting.vocabulary import NotOpen, OverrideReason

from .factories import make_service

PATIENT = {"home_postcode": "SM1 1AA", "gp_area": "E09000029", "needs": ["isolation"]}


@pytest.fixture
def services(geography):
    made = [
        make_service(service="Sutton befriending", postcode="SM1 1AA"),
        make_service(service="Sutton waiting", postcode="SM1 1AA", capacity="waiting_list"),
        make_service(service="Sutton closed", postcode="SM1 1AA", capacity="closed"),
        make_service(
            service="Closed for older people", postcode="SM1 1AA", capacity="closed", min_age="65"
        ),
        make_service(
            service="Surrey befriending", postcode="KT17 1AA",
            areas_served="Epsom and Ewell", eligible_areas="QXU",
        ),
        make_service(
            service="Epsom workers' walks", postcode="KT17 1AA",
            areas_served="Epsom and Ewell", eligible_areas="Epsom and Ewell",
            eligible_via="lives;works",
        ),
    ]  # fmt: skip
    return {service.name: service for service in made}


def group(text: str, slug: str) -> str:
    start = text.index(f'id="{slug}"')
    end = text.find("<section", start + 1)
    return text[start : end if end != -1 else len(text)]


def search(client, **extra) -> str:
    # The results, whether the search answers at once or after a redirect.
    response = client.post("/search/", {**PATIENT, **extra}, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_can_use_is_only_for_open_services(client, services, personas):
    client.force_login(personas["lw"])
    text = search(client, works="not_known")
    assert "Sutton befriending" in group(text, "can-use")
    closed = group(text, "can-use-closed")
    assert "Sutton waiting" in closed and "Sutton closed" in closed
    assert "Sutton befriending" not in closed
    # Closed and in doubt for another reason (no age given): check first, with both reasons.
    check = group(text, "check-first")
    assert "Closed for older people" in check
    assert "Only for people aged 65 and over; no age was given" in check
    assert "Surrey befriending" in group(text, "not-open")


def test_a_service_for_people_who_work_in_an_area(client, services, personas):
    client.force_login(personas["lw"])
    not_known = search(client, works="not_known")
    assert "Epsom workers&#x27; walks" in group(not_known, "check-first")
    assert "no work postcode was given" in group(not_known, "check-first")

    does_not_work = search(client, works="does_not_work")
    not_open = group(does_not_work, "not-open")
    assert "Epsom workers&#x27; walks" in not_open
    assert "the patient lives in Sutton and does not work" in not_open
    assert "no work postcode was given" not in does_not_work

    works = search(client, works="works", work_postcode="KT17 1AA")
    assert "Works in Epsom and Ewell" in group(works, "can-use")


def test_the_work_answer_and_the_work_postcode_must_agree(client, services, personas):
    client.force_login(personas["lw"])
    text = search(client, works="works")
    assert "Give the work postcode, or choose" in text
    text = search(client, works="does_not_work", work_postcode="KT17 1AA")
    assert "Leave the work postcode empty for a patient who does not work" in text
    assert 'value="KT17 1AA"' in text  # what was typed is kept


def test_the_match_api_takes_whether_the_patient_works(services, personas):
    api = APIClient()
    api.force_authenticate(personas["lw"])

    def verdict(**extra):
        body = {"home_postcode": "SM1 1AA", "needs": ["isolation"], **extra}
        response = api.post("/api/v1/match/", body, format="json")
        assert response.status_code == 200, response.json()
        results = response.json()["results"]
        row = next(r for r in results if r["service"]["name"].startswith("Epsom"))
        return row["eligibility"], row["reasons"][0]

    assert verdict()[0] == "check"  # as before the field existed
    assert verdict(works=None)[0] == "check"
    assert verdict(works=False) == (
        "not_eligible",
        "Only for people who live in or work in Epsom and Ewell; the patient lives in Sutton "
        "and does not work",
    )
    assert verdict(works=True, work_postcode="KT17 1AA")[0] == "eligible"
    refused = api.post(
        "/api/v1/match/",
        {**PATIENT, "works": False, "work_postcode": "KT17 1AA"},
        format="json",
    )
    assert refused.status_code == 400
    assert "work_postcode" in refused.json()
    schema = api.get("/api/schema/", {"format": "json"}).json()
    works = schema["components"]["schemas"]["MatchRequest"]["properties"]["works"]
    assert works["type"] == "boolean" and works["nullable"] is True
    assert "works" not in schema["components"]["schemas"]["MatchRequest"].get("required", [])


def record(client, service, **extra):
    return client.post(
        "/referrals/record/",
        {**PATIENT, "service": service.pk, "need": "isolation", **extra},
    )


CONFIRM = {"confirm": "1", "source": "gp", "kind": "referred", "intake": ""}


def test_recording_for_a_service_not_open_warns_and_needs_a_reason(client, services, personas):
    client.force_login(personas["lw"])
    surrey = services["Surrey befriending"]
    first = record(client, surrey).content.decode()
    warning = first[first.index('id="not-open-warning"') :]
    assert "Surrey befriending is not open to this patient" in warning
    assert "Only for people who live in or are registered with a GP in Surrey Heartlands ICB" in (
        warning
    )
    assert 'name="override_reason"' in first
    assert "There is a problem" not in first

    refused = record(client, surrey, **CONFIRM).content.decode()
    assert "There is a problem" in refused
    assert "Not open to this patient: say why you are recording this all the same" in refused
    assert Referral.objects.count() == 0  # nothing half-saved

    saved = record(client, surrey, **CONFIRM, override_reason="service_agreed")
    assert saved.status_code == 302
    event = OutcomeEvent.objects.get(service=surrey)
    assert (event.not_open, event.override_reason) == (
        NotOpen.NOT_ELIGIBLE,
        OverrideReason.SERVICE_AGREED,
    )


def test_a_closed_service_needs_a_reason_too_and_other_needs_a_note(client, services, personas):
    client.force_login(personas["lw"])
    closed = services["Sutton closed"]
    first = record(client, closed).content.decode()
    assert "Sutton closed is closed to new referrals" in first
    assert "Closed to new referrals at the moment" in first

    no_note = record(client, closed, **CONFIRM, override_reason="other").content.decode()
    assert "Say in the note why you are going ahead" in no_note
    assert Referral.objects.count() == 0

    saved = record(
        client, closed, **CONFIRM, override_reason="other", note="The service lead said yes"
    )
    assert saved.status_code == 302
    event = OutcomeEvent.objects.get(service=closed)
    assert (event.not_open, event.override_reason) == (NotOpen.CLOSED, OverrideReason.OTHER)
    assert event.note == "The service lead said yes"


def test_an_open_service_asks_no_reason_and_keeps_none(client, services, personas):
    client.force_login(personas["lw"])
    sutton = services["Sutton befriending"]
    first = record(client, sutton).content.decode()
    assert "not-open-warning" not in first
    assert 'name="override_reason"' not in first
    # A reason sent from a stale page is not kept: the service is open now.
    saved = record(client, sutton, **CONFIRM, override_reason="service_agreed")
    assert saved.status_code == 302
    event = OutcomeEvent.objects.get(service=sutton)
    assert (event.not_open, event.override_reason) == ("", "")


def test_the_verdict_is_decided_again_not_taken_from_the_page(client, services, personas):
    """Facts that make the service open to the patient need no reason; facts that do not,
    do, whatever the page sent."""
    client.force_login(personas["lw"])
    walks = services["Epsom workers' walks"]
    works = record(client, walks, **CONFIRM, works="works", work_postcode="KT17 1AA")
    assert works.status_code == 302
    not_working = record(client, walks, **CONFIRM, works="does_not_work", not_open="")
    assert "say why you are recording this all the same" in not_working.content.decode()


def test_the_action_refuses_a_reason_out_of_place(services, personas):
    referral = create_referral(
        referrer=personas["lw"], source="gp", home_postcode="SM1 1AA", needs=["isolation"]
    )
    need = referral.needs.get()
    surrey = services["Surrey befriending"]
    with pytest.raises(MatchError) as missing:
        record_path_event(referral=referral, recorded_by=personas["lw"], need=need,
                          kind="referred", service=surrey, not_open="not_eligible")  # fmt: skip
    assert list(missing.value.errors) == ["override_reason"]
    with pytest.raises(MatchError) as unasked:
        record_path_event(referral=referral, recorded_by=personas["lw"], need=need,
                          kind="referred", service=surrey,
                          override_reason="service_agreed")  # fmt: skip
    assert list(unasked.value.errors) == ["override_reason"]
    with pytest.raises(MatchError) as unknown:
        record_path_event(referral=referral, recorded_by=personas["lw"], need=need,
                          kind="referred", service=surrey, not_open="not_eligible",
                          override_reason="because")  # fmt: skip
    assert list(unknown.value.errors) == ["override_reason"]
    assert not OutcomeEvent.objects.filter(referral=referral).exists()
    event = record_path_event(referral=referral, recorded_by=personas["lw"], need=need,
                              kind="signposted", service=surrey, not_open="not_eligible",
                              override_reason="patient_choice")  # fmt: skip
    assert OutcomeEvent.objects.get(pk=event.pk).override_reason == "patient_choice"


def test_someone_in_no_team_is_told_before_they_try_to_record(
    client, services, personas, django_user_model
):
    admin = django_user_model.objects.create_superuser("admin", password="admin-pass-123")
    client.force_login(admin)
    text = search(client)
    assert "Record a referral" not in text
    assert "Record: no suitable service" not in text
    assert "Referrals are recorded by members of a social prescribing team" in text
    client.force_login(personas["lw"])
    text = search(client)
    assert "Record a referral to Sutton befriending" in text
    assert "Referrals are recorded by members" not in text


def test_a_lead_who_may_not_record_is_not_told_about_teams(client, services, personas):
    client.force_login(personas["lead"])
    text = search(client)
    assert "Record a referral" not in text
    assert "Referrals are recorded by members" not in text


@pytest.mark.parametrize("raw", ["²", "-1", "x"])
def test_a_crafted_service_number_at_the_record_step_is_no_service(client, services, personas, raw):
    client.force_login(personas["lw"])
    page = client.post(
        "/referrals/record/",
        {"service": raw, "home_postcode": "SM1 1AA", "needs": ["isolation"]},
    )
    assert page.status_code == 200  # the step for "no suitable service", not a server error
    assert Referral.objects.count() == 0
