"""The journey's two levels: intake outcomes of the referral, one path per need."""

import pytest

from directory.models import Need, Service
from signposting.actions import create_referral, record_intake_outcome, record_path_event
from signposting.journey import intake_state, path_states
from signposting.matching import MatchError
from signposting.models import OutcomeEvent, Referral, ReferralNeed

from .factories import make_service


@pytest.fixture
def services(geography):
    return {
        "befriending": make_service(service="Sutton befriending", needs="isolation"),
        "routine": make_service(service="Daily routine club", needs="structure-routine"),
        "money": make_service(
            service="Croydon money advice",
            needs="financial",
            postcode="CR0 1HE",
            areas_served="Croydon",
            eligible_areas="Croydon",
        ),  # fmt: skip
        "draft": make_service(service="Draft befriending", needs="isolation", status="draft"),
    }


def refer(user, needs=("isolation", "structure-routine")):
    return create_referral(
        referrer=user, source="gp", home_postcode="SM2 6AA", needs=list(needs), gp_area="E09000029"
    )


def need(slug):
    return Need.objects.get(slug=slug)


def states(referral):
    return {
        link.need.slug: (link.state, link.taken_up, link.unmet)
        for link in ReferralNeed.objects.filter(referral=referral).select_related("need")
    }


def test_each_need_keeps_its_own_path(personas, services):
    lw = personas["lw"]
    referral = refer(lw)
    record_intake_outcome(referral=referral, recorded_by=lw, kind="accepted")
    record_path_event(
        referral=referral, recorded_by=lw, need=need("structure-routine"),
        kind="no_service_available",
    )  # fmt: skip
    befriending = services["befriending"]
    for kind in ("referred", "accepted"):
        record_path_event(
            referral=referral, recorded_by=lw, need=need("isolation"), kind=kind,
            service=befriending,
        )  # fmt: skip
    assert states(referral) == {
        "isolation": ("accepted", True, False),
        "structure-routine": ("no_service_available", False, True),
    }
    stored = Referral.objects.get()
    assert (stored.state, stored.ever_accepted) == ("accepted", True)


def test_declining_one_service_leaves_the_other_need_alone(personas, services):
    lw = personas["lw"]
    referral = refer(lw)
    record_path_event(
        referral=referral, recorded_by=lw, need=need("isolation"), kind="referred",
        service=services["befriending"],
    )  # fmt: skip
    record_path_event(
        referral=referral, recorded_by=lw, need=need("isolation"), kind="declined_by_patient",
        service=services["befriending"], reason="not_ready",
    )  # fmt: skip
    assert states(referral) == {
        "isolation": ("declined_by_patient", False, False),
        "structure-routine": ("", False, False),
    }
    # Declined by the patient is not a refusal by the service: the need is not unmet.
    assert Referral.objects.get().state == ""  # no intake outcome: still waiting


def test_a_need_is_unmet_when_every_service_turned_the_patient_away(personas, services):
    lw = personas["lw"]
    referral = refer(lw, needs=["isolation"])
    other = make_service(service="Second befriending", needs="isolation")
    for service, answer in [(services["befriending"], "service_full"), (other, "not_eligible")]:
        record_path_event(
            referral=referral, recorded_by=lw, need=need("isolation"), kind="referred",
            service=service,
        )  # fmt: skip
        assert states(referral)["isolation"][2] is False
        record_path_event(
            referral=referral, recorded_by=lw, need=need("isolation"), kind=answer,
            service=service, reason="criteria" if answer == "not_eligible" else "",
        )  # fmt: skip
    assert states(referral)["isolation"] == ("not_eligible", False, True)


@pytest.mark.parametrize(
    ("service_name", "slug", "message"),
    [
        ("money", "financial", "was not referred or signposted"),
        ("draft", "isolation", "not published"),
        ("money", "isolation", "does not offer help with"),
    ],
)
def test_accepted_needs_a_referral_to_a_published_service_for_that_need(
    personas, services, service_name, slug, message
):
    lw = personas["lw"]
    referral = refer(lw, needs=["isolation", "financial"])
    record_path_event(
        referral=referral, recorded_by=lw, need=need("isolation"), kind="referred",
        service=services["befriending"],
    )  # fmt: skip
    with pytest.raises(MatchError) as error:
        record_path_event(
            referral=referral, recorded_by=lw, need=need(slug), kind="accepted",
            service=services[service_name],
        )  # fmt: skip
    assert message in error.value.errors["service"][0]
    assert OutcomeEvent.objects.count() == 1
    assert not Referral.objects.get().ever_accepted
    assert {s for s, _, _ in states(referral).values()} == {"referred", ""}


def test_an_intake_outcome_names_no_service(personas, services):
    lw = personas["lw"]
    referral = refer(lw)
    event = record_intake_outcome(referral=referral, recorded_by=lw, kind="unable_to_contact")
    assert (event.stage, event.service, event.need) == ("intake", None, None)
    assert Referral.objects.get().state == "unable_to_contact"
    assert states(referral)["isolation"] == ("", False, False)  # nothing copied to the needs
    with pytest.raises(MatchError) as error:
        record_intake_outcome(referral=referral, recorded_by=lw, kind="referred")
    assert "not an intake outcome" in error.value.errors["kind"][0]


@pytest.mark.parametrize(
    ("call", "fields", "field"),
    [
        ("intake", {"kind": "declined"}, "reason"),
        ("intake", {"kind": "not_eligible", "reason": "too_unwell"}, "reason"),
        ("intake", {"kind": "teleported"}, "kind"),
        ("path", {"kind": "referred"}, "service"),
        ("path", {"kind": "accepted", "need": None}, "need"),
        ("path", {"kind": "no_service_available", "need": "debt"}, "need"),
        ("path", {"kind": "unable_to_contact"}, "kind"),
        ("path", {"kind": "declined_by_service", "service": "befriending"}, "reason"),
        ("path", {"kind": "no_service_available", "service": "befriending"}, "service"),
        ("path", {"kind": "referred", "service": "befriending", "note": "x" * 2001}, "note"),
    ],
)
def test_bad_events_are_refused_naming_the_field_and_nothing_is_stored(
    personas, services, call, fields, field
):
    lw = personas["lw"]
    referral = refer(lw)
    fields = dict(fields)
    with pytest.raises(MatchError) as error:
        if call == "intake":
            record_intake_outcome(referral=referral, recorded_by=lw, **fields)
        else:
            slug = fields.pop("need", "isolation")
            fields["need"] = need(slug) if slug else None
            if "service" in fields:
                fields["service"] = services[fields["service"]]
            record_path_event(referral=referral, recorded_by=lw, **fields)
    assert field in error.value.errors
    assert OutcomeEvent.objects.count() == 0
    assert Referral.objects.get().state == ""


def test_a_correction_replaces_the_event_it_names_at_its_own_level(personas, services):
    lw = personas["lw"]
    referral = refer(lw)
    wrong = record_intake_outcome(
        referral=referral, recorded_by=lw, kind="declined", reason="not_ready"
    )
    record_intake_outcome(referral=referral, recorded_by=lw, kind="accepted", corrects=wrong)
    assert Referral.objects.get().state == "accepted"
    referred = record_path_event(
        referral=referral, recorded_by=lw, need=need("isolation"), kind="referred",
        service=services["befriending"],
    )  # fmt: skip
    with pytest.raises(MatchError) as error:
        record_intake_outcome(referral=referral, recorded_by=lw, kind="closed", corrects=referred)
    assert "corrects" in error.value.errors
    # Correcting the referral away leaves the service's answer with nothing to follow.
    record_path_event(
        referral=referral, recorded_by=lw, need=need("isolation"), kind="no_service_available",
        corrects=referred,
    )  # fmt: skip
    with pytest.raises(MatchError):
        record_path_event(
            referral=referral, recorded_by=lw, need=need("isolation"), kind="accepted",
            service=services["befriending"],
        )  # fmt: skip
    assert states(referral)["isolation"] == ("no_service_available", False, True)
    assert OutcomeEvent.objects.count() == 4


def test_the_state_rules_are_pure_and_level_by_level(personas, services):
    lw = personas["lw"]
    referral = refer(lw)
    record_intake_outcome(referral=referral, recorded_by=lw, kind="accepted")
    record_path_event(
        referral=referral, recorded_by=lw, need=need("isolation"), kind="referred",
        service=services["befriending"],
    )  # fmt: skip
    events = list(referral.events.all())
    assert intake_state(events).state == "accepted"
    isolation, routine = need("isolation").pk, need("structure-routine").pk
    result = path_states(events, [isolation, routine])
    assert (result[isolation].state, result[routine].state) == ("referred", "")


def test_waiting_referrals_have_no_outcome(personas, services):
    referral = refer(personas["lw"])
    assert Referral.objects.get(pk=referral.pk).state == ""
    assert Service.objects.filter(status="published").count() == 3
