"""Input limits (docs/security-headers-and-limits.md): request bodies over 1 MB are refused with
413 before anything reads them, deeply nested JSON is a 400, and a date outside 2000 to 2100
is a 400 naming its parameter."""

import datetime as dt
import io
import json

import pytest
from django.test import RequestFactory, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from config.middleware import RequestBodyLimitMiddleware
from config.parsers import nesting_depth
from directory.importers.spreadsheet import DEFAULT_SOURCE
from signposting.actions import create_referral, record_intake_outcome
from signposting.models import MeasureRecord, Session

from .factories import make_service, write_csv

MB = 1024 * 1024


@pytest.fixture
def api(personas):
    client = APIClient()
    client.force_authenticate(personas["lw"])
    return client


@pytest.fixture
def referral(personas, geography):
    make_service(service="Sutton befriending", needs="isolation", postcode="SM1 1AA")
    referral = create_referral(
        referrer=personas["lw"], source="gp", home_postcode="SM2 6AA", needs=["isolation"],
        created_at=timezone.now() - dt.timedelta(days=30),
    )  # fmt: skip
    record_intake_outcome(referral=referral, recorded_by=personas["lw"], kind="accepted")
    return referral


# Request bodies


def test_a_json_body_over_one_megabyte_is_refused_before_it_is_read(api):
    body = json.dumps({"home_postcode": "SM1 1AA", "needs": ["x" * MB]})
    response = api.post("/api/v1/match/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is larger than 1 MB, the most accepted."}


def test_a_body_just_under_the_limit_is_read(api, geography):
    body = json.dumps({"home_postcode": "SM1 1AA", "needs": ["x" * (MB - 100)]})
    response = api.post("/api/v1/match/", body, content_type="application/json")
    assert response.status_code == 400  # read and answered: no such need
    assert "needs" in response.json()


def test_the_limit_is_a_setting_and_applies_to_pages_too(client, personas):
    client.force_login(personas["lw"])
    with override_settings(REQUEST_BODY_MAX_BYTES=1000):
        response = client.post("/search/", {"home_postcode": "SM1 1AA", "note": "x" * 2000})
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/plain")
    assert "1,000 bytes" in response.content.decode()


def _chunked(body: bytes, path="/api/v1/match/"):
    request = RequestFactory().generic(
        "POST", path, b"", content_type="application/json",
        HTTP_TRANSFER_ENCODING="chunked",
    )  # fmt: skip
    request.META.pop("CONTENT_LENGTH", None)
    stream = io.BytesIO(body)
    request.META["wsgi.input"] = stream
    return request, stream


def test_a_chunked_body_is_capped_while_it_is_read():
    request, stream = _chunked(b"[" * (3 * MB))
    reached = []
    response = RequestBodyLimitMiddleware(lambda r: reached.append(r))(request)
    assert response.status_code == 413
    assert reached == []
    assert stream.tell() == MB + 1  # read one byte past the limit, no more


def test_a_small_chunked_body_is_handed_on_whole():
    request, _ = _chunked(b'{"needs": ["isolation"]}')
    seen = RequestBodyLimitMiddleware(lambda r: r.body)(request)
    assert seen == b'{"needs": ["isolation"]}'
    assert request.META["CONTENT_LENGTH"] == "24"


def test_the_spreadsheet_upload_has_its_own_larger_limit(client, editor, settings, tmp_path):
    settings.SPREADSHEET_UPLOAD_DIR = tmp_path / "uploads"
    sheet = write_csv(tmp_path / "wrong.csv", [{"name": "x" * 2 * MB}], columns=["name"])
    client.force_login(editor)
    form = {"source": DEFAULT_SOURCE, "new_source": ""}
    with open(sheet, "rb") as fh:
        response = client.post("/directory/import/", {**form, "file": fh})
    assert response.status_code == 200  # read by the upload page, not refused with 413
    assert "wrong header" in response.content.decode()
    with override_settings(SPREADSHEET_UPLOAD_MAX_BYTES=MB), open(sheet, "rb") as fh:
        refused = client.post("/directory/import/", {**form, "file": fh})
    assert refused.status_code == 200
    assert "wrong.csv is larger than 1 MB, the largest file" in refused.content.decode()
    # Only the upload itself: the pages after it take small forms, under the 1 MB limit.
    big_form = client.post("/directory/import/some-token/cancel/", {"x": "y" * 2 * MB})
    assert big_form.status_code == 413


# NUL characters


@pytest.mark.parametrize(
    "path",
    ["/api/v1/areas/%00/", "/api/v1/needs/x%00/", "/api/v1/areas/?icb=%00", "/services/?q=a%00"],
)
def test_a_nul_character_in_the_address_is_a_400(client, personas, path):
    """On PostgreSQL a NUL in a lookup was a 500 (text cannot hold one)."""
    client.force_login(personas["lw"])
    response = client.get(path)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


# JSON nesting


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("1", 0),
        ("[]", 1),
        ('{"a": [1, {"b": []}]}', 4),
        ('{"note": "[[[[[[ {{{{ "}', 1),
        ('{"note": "a \\" [[[[ \\\\"}', 1),
        ('["unterminated [[[[', 1),
        ("[[[]]][[[[]]]]", 4),
    ],
)
def test_nesting_is_measured_outside_strings(text, depth):
    assert nesting_depth(text) == depth


def test_nesting_deeper_than_twenty_is_a_400(api):
    deep = "[" * 21 + "]" * 21
    response = api.post("/api/v1/match/", deep, content_type="application/json")
    assert response.status_code == 400
    assert "nested more than 20 levels deep" in response.json()["detail"]


def test_nesting_of_twenty_is_parsed(api, geography):
    body = {"home_postcode": "SM1 1AA", "needs": [[[[[[[[[[[[[[[[[[["x"]]]]]]]]]]]]]]]]]]]}
    response = api.post("/api/v1/match/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert "nested" not in json.dumps(response.json())
    assert "needs" in response.json()


def test_json_nested_a_hundred_thousand_deep_is_a_400_not_a_server_error(api):
    body = '{"a":' * 100_000 + "1" + "}" * 100_000
    response = api.post("/api/v1/match/", body, content_type="application/json")
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]


def test_brackets_in_a_note_do_not_count(api, referral):
    note = "[" * 50 + " scores (were [[ 3 ]]) " + "{" * 50
    response = api.post(
        f"/api/v1/referrals/{referral.pk}/outcomes/",
        {"kind": "accepted", "note": note},
        format="json",
    )
    assert response.status_code == 201, response.content


# Dates


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"to": "9999-12-31"}, "to"),
        ({"from": "1999-12-01", "to": "2026-01-31"}, "from"),
        ({"from": "2101-01-01"}, "from"),
    ],
)
def test_a_report_date_outside_2000_to_2100_is_a_400_naming_it(personas, params, named):
    for who in ("lead", "lw"):
        api = APIClient()
        api.force_authenticate(personas[who])
        response = api.get("/api/v1/reports/referrals/", params)
        assert response.status_code == 400, (who, response.content)
        assert "Give a date from 2000-01-01 to 2100-12-31" in response.json()[named][0]


def test_the_reports_page_explains_a_date_out_of_range(client, personas):
    client.force_login(personas["lead"])
    response = client.get("/reports/", {"from": "2026-01-01", "to": "9999-12-31"})
    assert response.status_code == 200
    assert "Give a date from 2000-01-01 to 2100-12-31" in response.content.decode()


def test_the_referral_list_filters_refuse_dates_out_of_range(api, client, personas, referral):
    response = api.get("/api/v1/referrals/", {"created_from": "1900-01-01"})
    assert response.status_code == 400
    assert "2000-01-01" in response.json()["created_from"][0]
    assert api.get("/api/v1/referrals/", {"created_to": "2026-01-01"}).status_code == 200
    client.force_login(personas["lw"])
    page = client.get("/referrals/", {"created_to": "9999-12-31"})
    assert page.status_code in (200, 400)
    assert "Give a date from 2000-01-01 to 2100-12-31" in page.content.decode()


def test_a_session_or_measure_date_out_of_range_is_refused_and_nothing_stored(
    api, client, personas, referral
):
    base = f"/api/v1/referrals/{referral.pk}"
    booked = api.post(f"{base}/sessions/", {"date": "2101-01-01", "mode": "remote"}, format="json")
    assert booked.status_code == 400
    assert "2100-12-31" in booked.json()["date"][0]
    measure = {
        "measure": "ons4", "timepoint": "baseline", "taken_on": "1999-12-31",
        "scores": {"satisfied": 5, "worthwhile": 5, "happy": 5, "anxious": 5},
    }  # fmt: skip
    recorded = api.post(f"{base}/measures/", measure, format="json")
    assert recorded.status_code == 400
    assert "2000-01-01" in recorded.json()["taken_on"][0]
    client.force_login(personas["lw"])
    page = client.post(
        f"/referrals/{referral.pk}/sessions/", {"book-date": "3000-01-01", "book-mode": "remote"}
    )
    assert page.status_code == 400
    assert "Give a date from 2000-01-01 to 2100-12-31" in page.content.decode()
    assert not Session.objects.exists() and not MeasureRecord.objects.exists()
