"""Sessions with the link worker, the referral's reference and its SNOMED CT code."""

import datetime as dt

import pytest
from django.utils import timezone

from signposting.actions import create_referral, record_intake_outcome
from signposting.engagement import book_session, record_session
from signposting.matching import MatchError
from signposting.models import Referral, Session
from signposting.references import ALPHABET

from .factories import make_service


@pytest.fixture
def referral(personas, geography):
    make_service(service="Sutton befriending", needs="isolation", postcode="SM1 1AA")
    return create_referral(
        referrer=personas["lw"],
        source="ward",
        home_postcode="SM2 6AA",
        needs=["isolation"],
        created_at=timezone.now() - dt.timedelta(days=30),
    )


def today():
    return timezone.localdate()


def test_a_session_is_booked_then_attended(personas, referral):
    session = book_session(
        referral=referral, recorded_by=personas["lw"], date=today(), mode="remote"
    )
    assert (session.status, session.team_id, session.record_key) == (
        "booked",
        referral.team_id,
        referral.record_key,
    )
    record_session(session=session, recorded_by=personas["lw"], status="attended")
    assert Session.objects.get().status == "attended"


@pytest.mark.parametrize(
    ("date", "mode", "field"),
    [
        (None, "remote", "date"),
        ("LONG_AGO", "remote", "date"),
        ("FAR_AHEAD", "remote", "date"),
        ("TODAY", "carrier_pigeon", "mode"),
    ],
)
def test_a_bad_booking_names_the_field_and_stores_nothing(personas, referral, date, mode, field):
    dates = {
        "LONG_AGO": today() - dt.timedelta(days=400),
        "FAR_AHEAD": today() + dt.timedelta(days=400),
        "TODAY": today(),
    }
    with pytest.raises(MatchError) as error:
        book_session(referral=referral, recorded_by=personas["lw"], date=dates.get(date), mode=mode)
    assert field in error.value.errors
    assert Session.objects.count() == 0


@pytest.mark.parametrize(
    ("status", "reason", "field", "days_ahead"),
    [
        ("did_not_attend", "", "dna_reason", 0),
        ("did_not_attend", "sunburn", "dna_reason", 0),
        ("attended", "away", "dna_reason", 0),
        ("attended", "", "status", 3),
        ("slept_in", "", "status", 0),
    ],
)
def test_a_bad_session_outcome_changes_nothing(
    personas, referral, status, reason, field, days_ahead
):
    session = book_session(
        referral=referral,
        recorded_by=personas["lw"],
        date=today() + dt.timedelta(days=days_ahead),
        mode="in_person",
    )
    with pytest.raises(MatchError) as error:
        record_session(
            session=session, recorded_by=personas["lw"], status=status, dna_reason=reason
        )
    assert field in error.value.errors
    assert Session.objects.get().status == "booked"


def test_the_page_books_and_records_sessions(client, personas, referral):
    client.force_login(personas["lw"])
    booked = client.post(
        f"/referrals/{referral.pk}/sessions/",
        {"book-date": today().isoformat(), "book-mode": "in_person"},
    )
    assert booked.status_code == 302
    session = Session.objects.get()
    missed = client.post(
        f"/referrals/{referral.pk}/sessions/{session.pk}/",
        {
            f"session-{session.pk}-status": "did_not_attend",
            f"session-{session.pk}-dna_reason": "away",
        },
    )
    assert missed.status_code == 302
    page = client.get(f"/referrals/{referral.pk}/").content.decode()
    assert "Did not attend (away or abroad)" in page
    refused = client.post(
        f"/referrals/{referral.pk}/sessions/",
        {"book-date": "31/02/2026", "book-mode": "in_person"},
    )
    assert refused.status_code == 400
    assert "There is a problem" in refused.content.decode()
    assert Session.objects.count() == 1


def test_another_team_cannot_book_or_record(client, personas, referral):
    session = book_session(
        referral=referral, recorded_by=personas["lw"], date=today(), mode="remote"
    )
    client.force_login(personas["outsider"])
    assert (
        client.post(
            f"/referrals/{referral.pk}/sessions/",
            {"book-date": today().isoformat(), "book-mode": "remote"},
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/referrals/{referral.pk}/sessions/{session.pk}/",
            {f"session-{session.pk}-status": "attended"},
        ).status_code
        == 404
    )
    assert Session.objects.get().status == "booked"


def test_each_referral_gets_a_short_random_reference(personas, referral):
    other = create_referral(
        referrer=personas["lw"], source="gp", home_postcode="SM2 6AA", needs=["isolation"]
    )
    for reference in (referral.reference, other.reference):
        assert len(reference) == 9 and reference[4] == "-"
        assert set(reference.replace("-", "")) <= set(ALPHABET)
    assert referral.reference != other.reference
    assert Referral.objects.filter(reference=referral.reference).count() == 1


def test_the_page_shows_the_reference_and_the_snomed_code(client, personas, referral):
    client.force_login(personas["lw"])
    page = client.get(f"/referrals/{referral.pk}/").content.decode()
    assert referral.reference in page
    assert "None for this decision" in page
    record_intake_outcome(referral=referral, recorded_by=personas["lw"], kind="accepted")
    page = client.get(f"/referrals/{referral.pk}/").content.decode()
    assert "871731000000106" in page
    record_intake_outcome(
        referral=referral, recorded_by=personas["lw"], kind="declined", reason="not_ready"
    )
    assert "871711000000103" in client.get(f"/referrals/{referral.pk}/").content.decode()
    # Outside the link worker's scope is the team's decision, not the patient declining.
    record_intake_outcome(
        referral=referral, recorded_by=personas["lw"], kind="declined", reason="need_out_of_scope"
    )
    page = client.get(f"/referrals/{referral.pk}/").content.decode()
    assert "871711000000103" not in page and "None for this decision" in page


def test_the_team_export_codes_each_referral_for_the_gp_record(client, personas, referral):
    record_intake_outcome(referral=referral, recorded_by=personas["lw"], kind="accepted")
    client.force_login(personas["teammate"])
    response = client.get("/referrals/export.csv")
    assert response.status_code == 200
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("reference,referred_on,team_decision")
    assert referral.reference in lines[1]
    assert "871731000000106,Referral to social prescribing service" in lines[1]
    client.force_login(personas["outsider"])
    assert referral.reference not in client.get("/referrals/export.csv").content.decode()
    client.force_login(personas["lead"])
    assert client.get("/referrals/export.csv").status_code == 403


def test_export_cells_cannot_be_formulas():
    from signposting.exports import text_cell

    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert text_cell(f"{start}HYPERLINK(1)") == f"'{start}HYPERLINK(1)"
    assert text_cell("Loneliness") == "Loneliness"
    assert text_cell(-3) == -3


def test_the_api_books_lists_and_records_sessions(personas, referral):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(personas["lw"])
    base = f"/api/v1/referrals/{referral.pk}/sessions/"
    booked = api.post(base, {"date": today().isoformat(), "mode": "remote"}, format="json")
    assert booked.status_code == 201, booked.content
    sid = booked.json()["id"]
    refused = api.patch(f"{base}{sid}/", {"status": "did_not_attend"}, format="json")
    assert refused.status_code == 400
    assert "dna_reason" in refused.json()
    done = api.patch(f"{base}{sid}/", {"status": "attended"}, format="json")
    assert done.status_code == 200
    assert [s["status"] for s in api.get(base).json()] == ["attended"]
    assert api.post(base, {"date": "soon", "mode": "remote"}, format="json").status_code == 400
    assert api.get(f"{base}999999/").status_code == 404
    outsider = APIClient()
    outsider.force_authenticate(personas["outsider"])
    assert (
        outsider.patch(f"{base}{sid}/", {"status": "cancelled"}, format="json").status_code == 404
    )
    assert Session.objects.get().status == "attended"


def test_the_referral_keeps_its_session_counts(personas, referral):
    lw = personas["lw"]
    sessions = [
        book_session(referral=referral, recorded_by=lw, date=today(), mode=mode)
        for mode in ("in_person", "remote", "remote", "remote")
    ]
    record_session(session=sessions[0], recorded_by=lw, status="attended")
    record_session(session=sessions[1], recorded_by=lw, status="did_not_attend", dna_reason="away")
    record_session(session=sessions[2], recorded_by=lw, status="cancelled")
    referral.refresh_from_db()
    assert (
        referral.sessions_booked, referral.sessions_attended, referral.sessions_missed,
        referral.sessions_in_person, referral.sessions_remote,
    ) == (3, 1, 1, 1, 2)  # fmt: skip


def test_no_session_is_booked_for_a_referral_the_team_did_not_take_on(personas, referral):
    record_intake_outcome(
        referral=referral, recorded_by=personas["lw"], kind="declined", reason="not_ready"
    )
    with pytest.raises(MatchError) as error:
        book_session(referral=referral, recorded_by=personas["lw"], date=today(), mode="remote")
    assert "Declined" in error.value.errors["referral"][0]
    assert Session.objects.count() == 0
