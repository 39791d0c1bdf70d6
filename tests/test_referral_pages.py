"""The referral pages: the list, one referral's intake and paths, and the record step."""

import pytest
from django.utils import timezone

from directory.models import Need, Service
from signposting.actions import create_referral, record_path_event
from signposting.models import OutcomeEvent, Referral, ReferralNeed

from .factories import make_service


@pytest.fixture
def service(geography):
    return make_service(service="Sutton befriending", needs="isolation", postcode="SM1 1AA")


@pytest.fixture
def referral(personas, service):
    referral = create_referral(
        referrer=personas["lw"],
        source="ward",
        home_postcode="SM2 6AA",
        needs=["isolation", "bereavement"],
    )
    record_path_event(
        referral=referral,
        recorded_by=personas["lw"],
        need=Need.objects.get(slug="isolation"),
        kind="referred",
        service=service,
    )
    return referral


def path_state(referral, slug):
    return ReferralNeed.objects.get(referral=referral, need__slug=slug).state


def test_the_list_shows_the_decision_each_needs_state_and_days(client, personas, referral):
    client.force_login(personas["teammate"])
    response = client.get("/referrals/")
    text = response.content.decode()
    assert response.status_code == 200
    assert f"#{referral.pk}" in text
    assert "Waiting for an intake outcome" in text
    assert "Loneliness and isolation: referred to the service" in text
    assert "Bereavement: nothing recorded yet" in text
    assert "1 referral" in text
    assert "0 referrals" in client.get("/referrals/", {"status": "accepted"}).content.decode()
    assert "1 referral" in client.get("/referrals/", {"status": "waiting"}).content.decode()


def test_the_page_shows_the_intake_and_one_path_per_need(client, personas, referral, service):
    other = make_service(service="Croydon money advice", needs="debt", postcode="CR0 1NX")
    client.force_login(personas["clinician"])
    page = client.get(f"/referrals/{referral.pk}/").content.decode()
    assert 'id="intake-state">Waiting for an intake outcome<' in page
    assert 'id="need-isolation-state">Referred to the service<' in page
    assert 'id="need-bereavement-state">Nothing recorded yet<' in page
    # The isolation form offers the befriending service, first, and not the money advice.
    isolation_form = page[page.index('id="need-isolation"') :]
    assert "Already referred or signposted for this need" in isolation_form
    assert "Sutton befriending" in isolation_form
    assert other.name not in page


def test_an_intake_decision_needs_no_service(client, personas, referral):
    client.force_login(personas["clinician"])
    response = client.post(
        f"/referrals/{referral.pk}/intake/",
        {"intake-kind": "declined", "intake-reason": "not_ready", "intake-note": "Call in May"},
    )
    assert response.status_code == 302
    event = referral.events.get(stage="intake")
    assert (event.kind, event.reason, event.service, event.need) == (
        "declined",
        "not_ready",
        None,
        None,
    )
    page = client.get(f"/referrals/{referral.pk}/").content.decode()
    assert 'id="intake-state">Declined<' in page
    assert "Call in May" in page
    assert path_state(referral, "isolation") == "referred"


def test_each_need_keeps_its_own_path(client, personas, referral, service):
    client.force_login(personas["lw"])
    accepted = client.post(
        f"/referrals/{referral.pk}/needs/isolation/events/",
        {"need-isolation-kind": "accepted", "need-isolation-service": service.pk},
    )
    assert accepted.status_code == 302
    assert accepted["Location"].endswith("#need-isolation")
    none = client.post(
        f"/referrals/{referral.pk}/needs/bereavement/events/",
        {"need-bereavement-kind": "no_service_available"},
    )
    assert none.status_code == 302
    assert path_state(referral, "isolation") == "accepted"
    assert path_state(referral, "bereavement") == "no_service_available"
    links = {link.need.slug: link for link in referral.need_links.select_related("need")}
    assert links["isolation"].taken_up and not links["isolation"].unmet
    assert links["bereavement"].unmet and not links["bereavement"].taken_up


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"need-isolation-kind": "accepted"}, "Say which service this is about"),
        ({"need-isolation-kind": "declined_by_patient", "need-isolation-service": "SERVICE"},
         "Say why: choose"),
        ({"need-isolation-kind": "teleported"}, "Select a valid choice"),
        ({"need-isolation-kind": "referred", "need-isolation-service": "OTHER"},
         "Select a valid choice"),
        ({"need-isolation-kind": "referred", "need-isolation-service": "SERVICE",
          "need-isolation-note": "x" * 2001}, "at most 2000 characters"),
    ],
)  # fmt: skip
def test_a_bad_path_event_is_explained_and_nothing_is_stored(
    client, personas, referral, service, data, message
):
    other = make_service(service="Croydon money advice", needs="debt", postcode="CR0 1NX")
    swap = {"SERVICE": str(service.pk), "OTHER": str(other.pk)}
    data = {k: swap.get(v, v) for k, v in data.items()}
    client.force_login(personas["lw"])
    before = OutcomeEvent.objects.count()
    response = client.post(f"/referrals/{referral.pk}/needs/isolation/events/", data)
    assert response.status_code == 400
    text = response.content.decode()
    assert "There is a problem" in text
    assert message in text
    assert OutcomeEvent.objects.count() == before


def test_accepted_by_a_service_never_referred_to_is_refused(client, personas, referral):
    second = make_service(service="Sutton lunch club", needs="isolation", postcode="SM1 1AA")
    client.force_login(personas["lw"])
    response = client.post(
        f"/referrals/{referral.pk}/needs/isolation/events/",
        {"need-isolation-kind": "accepted", "need-isolation-service": second.pk},
    )
    assert response.status_code == 400
    assert "was not referred or signposted to" in response.content.decode()
    assert referral.events.count() == 1


def test_a_correction_shows_the_corrected_event_as_corrected(client, personas, referral, service):
    client.force_login(personas["lw"])
    first = referral.events.get()
    response = client.post(
        f"/referrals/{referral.pk}/needs/isolation/events/",
        {"need-isolation-kind": "signposted", "need-isolation-service": service.pk,
         "need-isolation-corrects": first.pk},
    )  # fmt: skip
    assert response.status_code == 302
    assert path_state(referral, "isolation") == "signposted"
    page = client.get(f"/referrals/{referral.pk}/").content.decode()
    assert f'Corrected by <a href="#event-{first.pk + 1}">' in page
    assert f"<del>Referred to the service: {service.name}</del>" in page


def test_a_need_not_on_the_referral_is_not_found(client, personas, referral):
    client.force_login(personas["lw"])
    response = client.post(
        f"/referrals/{referral.pk}/needs/debt/events/",
        {"need-debt-kind": "no_service_available"},
    )
    assert response.status_code == 404
    assert referral.events.count() == 1


def test_unassigned_events_are_shown_for_review(client, personas, referral, service):
    OutcomeEvent.objects.create(
        referral=referral,
        stage="path",
        kind="referred",
        service=service,
        need=None,
        recorded_by=personas["lw"],
        by_migration=True,
        recorded_at=timezone.now(),
    )
    client.force_login(personas["lw"])
    page = client.get(f"/referrals/{referral.pk}/").content.decode()
    assert "Unassigned events to review" in page


def test_the_record_step_saves_the_decision_and_the_first_event_on_one_need(
    client, personas, service
):
    client.force_login(personas["lw"])
    facts = {"home_postcode": "SM2 6AA", "gp_area": "E09000029", "age": "70",
             "needs": ["isolation"], "service": service.pk}  # fmt: skip
    first = client.post("/referrals/record/", facts)
    assert first.status_code == 200
    assert b"Record the referral" in first.content
    assert b"There is a problem" not in first.content
    assert Referral.objects.count() == 0
    saved = client.post(
        "/referrals/record/",
        {**facts, "source": "ward", "kind": "referred", "intake": "accepted", "confirm": "1"},
    )
    assert saved.status_code == 302
    referral = Referral.objects.get()
    assert saved["Location"] == f"/referrals/{referral.pk}/"
    assert referral.state == "accepted"
    path = referral.events.get(stage="path")
    assert (path.kind, path.need.slug, path.service) == ("referred", "isolation", service)


def test_the_record_step_asks_which_need_when_the_service_covers_several(
    client, personas, geography
):
    both = make_service(service="Sutton friends", needs="isolation;bereavement", postcode="SM1 1AA")
    client.force_login(personas["lw"])
    facts = {"home_postcode": "SM2 6AA", "needs": ["isolation", "bereavement"],
             "service": both.pk, "source": "ward", "kind": "referred", "confirm": "1"}  # fmt: skip
    refused = client.post("/referrals/record/", facts)
    assert refused.status_code == 200
    assert "There is a problem" in refused.content.decode()
    assert Referral.objects.count() == 0
    saved = client.post("/referrals/record/", {**facts, "need": "bereavement"})
    assert saved.status_code == 302
    referral = Referral.objects.get()
    assert referral.state == ""  # no decision yet: waiting
    assert path_state(referral, "bereavement") == "referred"
    assert path_state(referral, "isolation") == ""


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


def test_the_record_step_refuses_a_draft_service(client, personas, service):
    Service.objects.filter(pk=service.pk).update(status=Service.Status.DRAFT)
    client.force_login(personas["lw"])
    response = client.post(
        "/referrals/record/",
        {"home_postcode": "SM2 6AA", "needs": ["isolation"], "service": service.pk,
         "source": "ward", "kind": "referred", "confirm": "1"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "not published" in response.content.decode()
    assert Referral.objects.count() == 0


def test_a_network_lead_cannot_record(client, personas, service):
    client.force_login(personas["lead"])
    response = client.post("/referrals/record/", {"home_postcode": "SM2 6AA"})
    assert response.status_code == 403


def test_a_correction_stays_on_its_own_need_and_is_made_once(client, personas, referral, service):
    client.force_login(personas["lw"])
    first = referral.events.get()
    other_need = client.post(
        f"/referrals/{referral.pk}/needs/bereavement/events/",
        {"need-bereavement-kind": "no_service_available", "need-bereavement-corrects": first.pk},
    )
    assert other_need.status_code == 400
    assert path_state(referral, "isolation") == "referred"
    once = {"need-isolation-kind": "signposted", "need-isolation-service": service.pk,
            "need-isolation-corrects": first.pk}  # fmt: skip
    assert client.post(f"/referrals/{referral.pk}/needs/isolation/events/", once).status_code == 302
    twice = client.post(f"/referrals/{referral.pk}/needs/isolation/events/", once)
    assert twice.status_code == 400
    assert referral.events.count() == 2


def test_the_record_step_decides_nothing_unless_asked(client, personas, service):
    client.force_login(personas["lw"])
    page = client.post(
        "/referrals/record/",
        {"home_postcode": "SM2 6AA", "needs": ["isolation", "bereavement"], "need": "bereavement"},
    ).content.decode()
    assert 'value="" checked' in page  # "Not decided yet"
    assert "Need with no suitable service" in page
    assert "Which need is this for?" not in page
