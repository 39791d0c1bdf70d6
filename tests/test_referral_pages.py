import pytest

from signposting.actions import create_referral, record_outcome
from signposting.models import OutcomeEvent, Referral

from .factories import make_service


@pytest.fixture
def service(geography):
    return make_service(service="Sutton befriending", needs="isolation", postcode="SM1 1AA")


@pytest.fixture
def referral(personas, service):
    referral = create_referral(
        referrer=personas["lw"], source="ward", home_postcode="SM2 6AA", needs=["isolation"]
    )
    record_outcome(referral=referral, recorded_by=personas["lw"], kind="referred", service=service)
    return referral


def test_the_list_shows_state_days_and_awaiting(client, personas, referral):
    client.force_login(personas["teammate"])
    response = client.get("/referrals/")
    text = response.content.decode()
    assert response.status_code == 200
    assert f"#{referral.pk}" in text
    assert "Referred" in text
    assert "Awaiting outcome" in text
    assert "1 referral" in text
    assert "0 referrals" in client.get("/referrals/", {"status": "completed"}).content.decode()
    assert "1 referral" in client.get("/referrals/", {"status": "awaiting"}).content.decode()


def test_the_timeline_takes_a_new_outcome(client, personas, referral, service):
    client.force_login(personas["clinician"])
    page = client.get(f"/referrals/{referral.pk}/")
    assert b"Sutton befriending" in page.content
    response = client.post(
        f"/referrals/{referral.pk}/outcomes/",
        {"kind": "accepted", "service": service.pk, "note": "Starts on Tuesday"},
    )
    assert response.status_code == 302
    assert list(referral.events.values_list("kind", flat=True)) == ["referred", "accepted"]
    page = client.get(f"/referrals/{referral.pk}/")
    assert b"Starts on Tuesday" in page.content


def test_a_bad_outcome_is_explained_and_not_stored(client, personas, referral):
    client.force_login(personas["lw"])
    response = client.post(f"/referrals/{referral.pk}/outcomes/", {"kind": "accepted"})
    assert response.status_code == 400
    assert b"say which service this outcome is about" in response.content
    assert referral.events.count() == 1


def test_the_record_step_from_search_saves_a_referral_and_its_outcome(client, personas, service):
    client.force_login(personas["lw"])
    first = client.post(
        "/referrals/record/",
        {"home_postcode": "SM2 6AA", "gp_area": "E09000029", "age": "70",
         "needs": ["isolation"], "service": service.pk},
    )  # fmt: skip
    assert first.status_code == 200
    assert b"Record the referral" in first.content
    assert b"There is a problem" not in first.content
    assert Referral.objects.count() == 0
    saved = client.post(
        "/referrals/record/",
        {"home_postcode": "SM2 6AA", "gp_area": "E09000029", "age": "70",
         "needs": ["isolation"], "service": service.pk, "source": "ward", "kind": "referred",
         "confirm": "1"},
    )  # fmt: skip
    assert saved.status_code == 302
    referral = Referral.objects.get()
    assert saved["Location"] == f"/referrals/{referral.pk}/"
    assert referral.events.get().kind == "referred"


def test_no_suitable_service_is_recorded_against_the_need(client, personas, service):
    client.force_login(personas["lw"])
    response = client.post(
        "/referrals/record/",
        {"home_postcode": "SM2 6AA", "needs": ["isolation"], "need": "isolation",
         "source": "gp", "kind": "no_service_available", "confirm": "1"},
    )  # fmt: skip
    assert response.status_code == 302
    event = OutcomeEvent.objects.get()
    assert (event.kind, event.need.slug, event.service) == (
        "no_service_available",
        "isolation",
        None,
    )


def test_a_network_lead_cannot_record(client, personas, service):
    client.force_login(personas["lead"])
    response = client.post("/referrals/record/", {"home_postcode": "SM2 6AA"})
    assert response.status_code == 403
