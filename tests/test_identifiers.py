"""A note that could identify the patient is refused, saying what to remove."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from directory.models import Need
from signposting.actions import create_referral, record_path_event
from signposting.identifiers import identifiers_in, nhs_number_valid
from signposting.matching import MatchError

from .factories import make_service

TODAY = dt.date(2026, 12, 1)


@pytest.mark.parametrize(
    ("note", "found"),
    [
        ("patient at CR0 1HE flat 2", "a full postcode"),
        ("lives sm26aa", "a full postcode"),
        ("NHS no 943 476 5919", "an NHS number"),
        ("9434765919", "an NHS number"),
        ("born 03/04/1956", "a date of birth"),
        ("dob 1956-04-03", "a date of birth"),
        ("born 3rd April 1956", "a date of birth"),
        ("dob 3.4.56", "a date of birth"),
        ("email jo.bloggs@example.org", "an email address"),
        ("call 07700 900123", "a phone number"),
        ("call +44 20 7946 0958", "a phone number"),
    ],
)
def test_identifiers_are_found(note, found):
    assert found in identifiers_in(note, today=TODAY)


@pytest.mark.parametrize(
    "note",
    [
        "Starts on Tuesday; seen 14/12/2026 and again 2026-12-21",
        "Lives in SM2 6 (sector only)",
        "Reference 1234567890 is not an NHS number (fails modulus 11)",
        "Prefers afternoons; 3 sessions booked; room 12",
        "Rang the service on its main line",
    ],
)
def test_ordinary_notes_pass(note):
    assert identifiers_in(note, today=TODAY) == []


def test_the_modulus_11_check():
    assert nhs_number_valid("9434765919")
    assert not nhs_number_valid("9434765918")
    assert not nhs_number_valid("1234567890")


@given(st.integers(min_value=0, max_value=999_999_999))
def test_every_valid_nhs_number_is_found(stem):
    digits = f"{stem:09d}"
    total = sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 10:
        return  # no valid number has this stem
    number = digits + str(0 if check == 11 else check)
    assert "an NHS number" in identifiers_in(f"no. {number[:3]} {number[3:6]} {number[6:]}")


def test_a_note_with_a_postcode_is_refused_and_nothing_stored(personas, geography):
    service = make_service(service="Sutton befriending", needs="isolation", postcode="SM1 1AA")
    referral = create_referral(
        referrer=personas["lw"], source="gp", home_postcode="SM2 6AA", needs=["isolation"]
    )
    with pytest.raises(MatchError) as error:
        record_path_event(
            referral=referral, recorded_by=personas["lw"], need=Need.objects.get(slug="isolation"),
            kind="referred", service=service, note="patient at CR0 1HE flat 2",
        )  # fmt: skip
    assert "Remove a full postcode from the note" in error.value.errors["note"][0]
    assert referral.events.count() == 0


def test_the_api_refuses_an_identifying_note(personas, geography):
    from rest_framework.test import APIClient

    referral = create_referral(
        referrer=personas["lw"], source="gp", home_postcode="SM2 6AA", needs=["isolation"]
    )
    api = APIClient()
    api.force_authenticate(personas["lw"])
    response = api.post(
        f"/api/v1/referrals/{referral.pk}/outcomes/",
        {"kind": "accepted", "note": "NHS number 943 476 5919"},
        format="json",
    )
    assert response.status_code == 400
    assert "NHS number" in response.json()["note"][0]
    assert referral.events.count() == 0
