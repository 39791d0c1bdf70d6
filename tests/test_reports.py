import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest
from django.test import override_settings
from django.utils import timezone
from geopy.distance import geodesic
from rest_framework.test import APIClient

from directory.models import Area, Postcode
from signposting.actions import create_referral, record_outcome
from signposting.index import current_index
from signposting.reports import (
    REPORTS,
    Scope,
    gaps_report,
    out_of_area_report,
    referrals_report,
    suppress,
    uptake_report,
)

from .factories import make_service

TODAY = timezone.localdate()
YEAR = Scope(start=TODAY - dt.timedelta(days=365), end=TODAY)

TABLE_4 = [
    ("Relaxation", "relaxation", 13),
    ("Engaging with activities", "engaging with activities", 11),
    ("Improving movement", "improving movement", 7),
    ("Dietary changes", "dietary changes", 6),
    ("Better sleep", "better sleep", 3),
    ("Structure and routine", "structure and routine", 3),
]
TABLE_6 = [
    "Social support",
    "Isolation",
    "Improvement movement / exercise",
    "Financial",
    "Mental health",
]


@pytest.fixture
def service(geography):
    return make_service(
        service="Health and wellbeing coaching", needs="relaxation", postcode="SM1 1AA"
    )


def st_georges(personas, service):
    """The evaluation's St George's figures as data: 30 referrals, all accepted."""
    mentions = [alias for _, alias, count in TABLE_4 for _ in range(count)]
    sources = ["pain_clinic_assessment"] * 14 + ["pain_management_programme"] * 12 + ["other"] * 4
    for i in range(30):
        reasons = [mentions[i]] + ([mentions[30 + i]] if i < 13 else [])
        referral = create_referral(
            referrer=personas["lw"], source=sources[i], home_postcode="SM2 6AA", needs=reasons
        )
        record_outcome(
            referral=referral, recorded_by=personas["lw"], kind="accepted", service=service
        )


def test_it_reproduces_the_evaluations_table_4_and_sources(personas, service):
    st_georges(personas, service)
    frame = referrals_report(YEAR)
    overall = frame[frame["month"] == "all"]
    reasons = overall[overall["breakdown"] == "reason"].set_index("category")["referrals"]
    expected = {
        "Relaxation": 13,
        "Engaging with activities": 11,
        "Physical activity and movement": 7,
        "Healthy eating": 6,
        "Better sleep": 3,
        "Structure and routine": 3,
    }
    assert reasons.to_dict() == expected
    sources = overall[overall["breakdown"] == "source"].set_index("category")
    assert sources.loc["All referrals", "referrals"] == 30
    assert sources.loc["Pain clinic assessment", ["referrals", "percent"]].tolist() == [14, 47]
    assert sources.loc["After a pain management programme", ["referrals", "percent"]].tolist() == [
        12,
        40,
    ]
    assert sources.loc["Other", ["referrals", "percent"]].tolist() == [4, 13]
    uptake = uptake_report(YEAR).set_index("outcome")
    assert uptake.loc["all", "referrals"] == 30
    assert uptake.loc["accepted", ["referrals", "percent_of_referrals"]].tolist() == [30, 100]


def test_the_taxonomy_expresses_every_reason_in_tables_4_and_6(geography):
    aliases = current_index().need_aliases
    for label in [label for label, _, _ in TABLE_4] + TABLE_6:
        words = [label] + [part.strip() for part in label.split("/")]
        assert any(w.lower() in aliases for w in words), label


def test_uptake_gives_non_acceptance_reasons_as_shares_of_the_not_accepted(personas, service):
    outcomes = (
        ["accepted"] * 44 + ["unable_to_contact"] * 8 + ["declined"] * 7 + ["not_eligible"] * 5
    )
    for kind in outcomes:
        referral = create_referral(
            referrer=personas["lw"], source="ward", home_postcode="SM2 6AA", needs=["isolation"]
        )
        record_outcome(referral=referral, recorded_by=personas["lw"], kind=kind, service=service)
    uptake = uptake_report(YEAR).set_index("outcome")
    assert uptake.loc["accepted", "percent_of_referrals"] == 69  # 44 of 64, as in 4.1.2
    assert uptake.loc["unable_to_contact", "percent_of_not_accepted"] == 40
    assert uptake.loc["declined", "percent_of_not_accepted"] == 35
    assert uptake.loc["not_eligible", "percent_of_not_accepted"] == 25


def test_small_numbers_are_suppressed_with_what_would_reveal_them():
    frame = pd.DataFrame(
        {
            "breakdown": ["source"] * 4 + ["reason"] * 2,
            "month": ["all"] * 6,
            "category": ["All referrals", "Ward", "GP", "Other", "Sleep", "Diet"],
            "referrals": [20, 12, 5, 3, 0, 7],
            "percent": [100.0, 60.0, 25.0, 15.0, 0.0, 35.0],
        }
    )
    shown = suppress(frame, REPORTS["referrals"])
    assert shown["referrals"].tolist() == ["suppressed", 12, 5, "<5", 0, 7]
    # every percentage in the group with a suppressed cell goes, or total = count / percent
    assert shown["percent"].tolist()[:4] == [None, None, None, None]
    assert shown["percent"].tolist()[4:] == [0.0, 35.0]
    with override_settings(SIGNPOST_SUPPRESSION_THRESHOLD=10):
        assert suppress(frame, REPORTS["referrals"])["referrals"].tolist()[-1] == "<10"


def test_a_group_without_small_numbers_keeps_its_total():
    frame = pd.DataFrame(
        {"breakdown": ["source"] * 3, "month": ["all"] * 3,
         "category": ["All referrals", "Ward", "GP"], "referrals": [20, 12, 8],
         "percent": [100.0, 60.0, 40.0]}
    )  # fmt: skip
    assert suppress(frame, REPORTS["referrals"]).values.tolist() == frame.values.tolist()


def test_every_report_copes_with_an_empty_period(personas, service):
    empty = Scope(start=dt.date(2001, 1, 1), end=dt.date(2001, 12, 31))
    for name, spec in REPORTS.items():
        frame = suppress(spec.function(empty), spec)
        assert isinstance(frame, pd.DataFrame), name
    assert uptake_report(empty).loc[0, "referrals"] == 0


def test_a_borough_with_no_services_shows_as_a_gap(personas, geography):
    referral = create_referral(
        referrer=personas["lw"], source="gp", home_postcode="SM2 6AA", needs=["housing"]
    )
    record_outcome(
        referral=referral,
        recorded_by=personas["lw"],
        kind="no_service_available",
        need=referral.needs.get(),
    )
    sutton = Area.objects.get(code="E09000029")
    gaps = gaps_report(Scope(YEAR.start, YEAR.end, area=sutton))
    housing = gaps[(gaps["borough"] == "Sutton") & (gaps["need"] == "Housing")].iloc[0]
    assert (housing["services_open"], housing["demand"], housing["unmet"]) == (0, 1, 1)
    assert housing["coverage_2km_percent"] == 0.0
    assert gaps.iloc[0]["need"] == "Housing"  # worst first


def test_coverage_matches_an_independent_computation(personas, geography):
    make_service(service="Walking group", needs="physical-activity", postcode="SM1 1AA")
    make_service(
        service="Closed walk", needs="physical-activity", postcode="SM5 1AA", capacity="closed"
    )
    make_service(
        service="Far walk", needs="physical-activity", postcode="KT17 1AA",
        areas_served="Epsom and Ewell", eligible_areas="Epsom and Ewell",
    )  # fmt: skip
    sutton = Area.objects.get(code="E09000029")
    gaps = gaps_report(Scope(YEAR.start, YEAR.end, area=sutton))
    row = gaps[gaps["need"] == "Physical activity and movement"].iloc[0]
    assert row["services_open"] == 1
    centre = Postcode.objects.get(postcode="SM1 1AA")
    points = Postcode.objects.filter(local_authority=sutton, latitude__isnull=False)
    within = [
        geodesic((centre.latitude, centre.longitude), (p.latitude, p.longitude)).km <= 2.0
        for p in points
    ]
    assert row["coverage_2km_percent"] == pytest.approx(100 * np.mean(within), abs=0.2)


def test_out_of_area_demand_is_relative_to_the_teams_funding_area(personas, service):
    for postcode, gp in [("KT17 1AA", "E07000208"), ("KT17 1AA", "E09000029"), ("SM2 6AA", None)]:
        create_referral(
            referrer=personas["lw"], source="ward", home_postcode=postcode, needs=["isolation"],
            gp_area=gp,
        )  # fmt: skip
    frame = out_of_area_report(YEAR)
    assert frame["lives_in"].tolist() == ["Epsom and Ewell", "Epsom and Ewell"]
    assert sorted(frame["gp_in_funding_area"]) == ["no", "yes"]
    assert set(frame["team"]) == {"Epsom and St Helier pain clinic"}


@pytest.fixture
def lead_api(personas):
    client = APIClient()
    client.force_authenticate(personas["lead"])
    return client


def test_the_api_serves_suppressed_json_csv_and_xlsx(lead_api, personas, service):
    st_georges(personas, service)
    json_rows = lead_api.get("/api/v1/reports/referrals/").json()
    overall = {r["category"]: r["referrals"] for r in json_rows if r["month"] == "all"}
    assert overall["Other"] == "<5"
    assert overall["All referrals"] == "suppressed"
    assert overall["Relaxation"] == 13
    csv = lead_api.get("/api/v1/reports/referrals/?format=csv")
    assert csv.status_code == 200
    assert csv["Content-Type"].startswith("text/csv")
    from_csv = pd.read_csv(io.BytesIO(csv.content), dtype=str, keep_default_na=False)
    assert list(from_csv.columns) == list(json_rows[0])
    assert "<5" in from_csv["referrals"].tolist()
    xlsx = lead_api.get("/api/v1/reports/uptake/?format=xlsx")
    assert xlsx.status_code == 200
    assert "attachment" in xlsx["Content-Disposition"]
    from_xlsx = pd.read_excel(io.BytesIO(xlsx.content))
    assert from_xlsx.loc[0, "referrals"] == 30


@pytest.mark.parametrize(
    ("query", "param"),
    [("from=yesterday", "from"), ("area=NOWHERE", "area"), ("team=99999", "team"),
     ("from=2026-02-01&to=2026-01-01", "from")],
)  # fmt: skip
def test_bad_report_parameters_answer_400_naming_them(lead_api, personas, query, param):
    response = lead_api.get(f"/api/v1/reports/gaps/?{query}")
    assert response.status_code == 400
    assert param in response.json()


def test_only_network_leads_see_reports(personas, client):
    link_worker = APIClient()
    link_worker.force_authenticate(personas["lw"])
    assert link_worker.get("/api/v1/reports/uptake/").status_code == 403
    assert APIClient().get("/api/v1/reports/uptake/").status_code in (401, 403)
    client.force_login(personas["lw"])
    assert client.get("/reports/").status_code == 403
    lead = APIClient()
    lead.force_authenticate(personas["lead"])
    assert lead.get("/api/v1/reports/nonsense/").status_code == 404


def test_the_dashboard_shows_every_report_with_charts(personas, service, client):
    st_georges(personas, service)
    client.force_login(personas["lead"])
    response = client.get("/reports/", {"area": "QWE"})
    assert response.status_code == 200
    text = response.content.decode()
    for spec in REPORTS.values():
        assert spec.title in text
    assert text.count("<svg") >= 2
    assert "/api/v1/reports/gaps/?" in text
