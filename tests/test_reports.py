import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest
from django.utils import timezone
from geopy.distance import geodesic
from rest_framework.test import APIClient

from directory.models import Area, Need, Postcode
from signposting.actions import create_referral, record_intake_outcome, record_path_event
from signposting.index import current_index
from signposting.models import Team
from signposting.reports import (
    REPORTS,
    Scope,
    charts,
    default_scope,
    gaps_report,
    out_of_area_report,
    outcomes_report,
    referrals_report,
    uptake_report,
)

from .factories import make_service

TODAY = timezone.localdate()
YEAR = default_scope()  # twelve whole months, as a network lead sees them
EPSOM = "Epsom and St Helier pain clinic"

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


def own(team_name: str = EPSOM, **kwargs) -> Scope:
    """A team's own reports over the year: exact."""
    team = Team.objects.get(name=team_name)
    return Scope(YEAR.start, YEAR.end, team=team, exact=True, **kwargs)


@pytest.fixture
def service(geography):
    return make_service(
        service="Health and wellbeing coaching", needs="relaxation", postcode="SM1 1AA"
    )


def st_georges(personas):
    """The evaluation's St George's figures as data: 30 referrals, all accepted at intake."""
    mentions = [alias for _, alias, count in TABLE_4 for _ in range(count)]
    sources = ["pain_clinic_assessment"] * 14 + ["pain_management_programme"] * 12 + ["other"] * 4
    for i in range(30):
        reasons = [mentions[i]] + ([mentions[30 + i]] if i < 13 else [])
        referral = create_referral(
            referrer=personas["lw"], source=sources[i], home_postcode="SM2 6AA", needs=reasons
        )
        record_intake_outcome(referral=referral, recorded_by=personas["lw"], kind="accepted")


def epsom_and_st_helier(personas, waiting: int = 0):
    """4.1.2: 64 referrals with an intake outcome, 44 accepted; of the 20 not accepted, 8 could
    not be contacted, 7 declined (need out of scope), 5 not eligible (out of borough). Intake
    outcomes name no service."""
    outcomes = (
        [("accepted", "")] * 44
        + [("unable_to_contact", "")] * 8
        + [("declined", "need_out_of_scope")] * 7
        + [("not_eligible", "out_of_area")] * 5
        + [None] * waiting
    )
    for outcome in outcomes:
        referral = create_referral(
            referrer=personas["lw"], source="ward", home_postcode="SM2 6AA", needs=["isolation"]
        )
        if outcome is not None:
            kind, reason = outcome
            record_intake_outcome(
                referral=referral, recorded_by=personas["lw"], kind=kind, reason=reason
            )


def test_it_reproduces_the_evaluations_table_4_and_sources(personas):
    st_georges(personas)
    frame = referrals_report(own())
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
    # 47% / 40% / 13% in the evaluation; one decimal place here.
    assert sources.loc["Pain clinic assessment", ["referrals", "percent"]].tolist() == [14, 46.7]
    assert sources.loc["After a pain management programme", ["referrals", "percent"]].tolist() == [
        12,
        40.0,
    ]
    assert sources.loc["Other", ["referrals", "percent"]].tolist() == [4, 13.3]
    assert [round(p) for p in sources["percent"].iloc[1:]] == [47, 40, 13]
    uptake = uptake_report(own()).query("month == 'all'").set_index("outcome")
    assert uptake.loc["all", "referrals"] == 30
    assert uptake.loc[
        "accepted", ["referrals", "percent_of_referrals_with_an_outcome"]
    ].tolist() == [
        30,
        100.0,
    ]


def test_the_taxonomy_expresses_every_reason_in_tables_4_and_6(geography):
    aliases = current_index().need_aliases
    for label in [label for label, _, _ in TABLE_4] + TABLE_6:
        words = [label] + [part.strip() for part in label.split("/")]
        assert any(w.lower() in aliases for w in words), label


def test_it_reproduces_the_epsom_non_acceptance_split_from_intake_outcomes(personas):
    epsom_and_st_helier(personas, waiting=6)
    uptake = uptake_report(own()).query("month == 'all'").set_index("outcome")
    with_outcome = "percent_of_referrals_with_an_outcome"
    assert uptake.loc["all", "referrals"] == 70
    assert uptake.loc["with_outcome", "referrals"] == 64
    assert uptake.loc["accepted", ["referrals", with_outcome]].tolist() == [44, 68.8]
    assert uptake.loc["not_accepted", "referrals"] == 20
    split = uptake.loc[["unable_to_contact", "declined", "not_eligible"]]
    assert split["referrals"].tolist() == [8, 7, 5]
    assert split["percent_of_not_accepted"].tolist() == [40.0, 35.0, 25.0]
    # Waiting referrals have their own line and are in no percentage.
    assert uptake.loc["", "referrals"] == 6
    assert uptake.loc["", "label"] == "Waiting for an intake outcome"
    assert np.isnan(uptake.loc["", with_outcome])
    assert np.isnan(uptake.loc["", "percent_of_not_accepted"])


def test_a_team_member_gets_the_epsom_split_exact_through_the_api(personas):
    epsom_and_st_helier(personas, waiting=3)
    api = APIClient()
    api.force_authenticate(personas["clinician"])
    response = api.get("/api/v1/reports/uptake/")
    assert response.status_code == 200
    rows = {r["outcome"]: r for r in response.json() if r["month"] == "all"}
    assert rows["accepted"]["referrals"] == 44
    assert rows["accepted"]["percent_of_referrals_with_an_outcome"] == 68.8
    assert [rows[k]["percent_of_not_accepted"] for k in ("unable_to_contact", "declined",
            "not_eligible")] == [40.0, 35.0, 25.0]  # fmt: skip
    assert rows[""]["referrals"] == 3
    assert rows[""]["percent_of_not_accepted"] is None
    # Any dates for their own team (exact); another team's reports are refused.
    assert api.get("/api/v1/reports/uptake/?from=2026-01-03&to=2026-02-17").status_code == 200
    sutton = Team.objects.get(name="Sutton PCN social prescribing")
    assert api.get(f"/api/v1/reports/uptake/?team={sutton.pk}").status_code == 403


def test_a_team_member_sees_their_own_team_only(personas):
    epsom_and_st_helier(personas)
    outsider = APIClient()
    outsider.force_authenticate(personas["outsider"])  # in the Sutton team
    rows = outsider.get("/api/v1/reports/uptake/").json()
    assert {r["outcome"]: r["referrals"] for r in rows if r["month"] == "all"}["all"] == 0


def test_each_need_reports_its_own_path(personas, service, geography):
    befriending = make_service(service="Sutton befriending", needs="isolation", postcode="SM1 1AA")
    referral = create_referral(
        referrer=personas["lw"], source="gp", home_postcode="SM2 6AA",
        needs=["isolation", "housing"],
    )  # fmt: skip
    lw = personas["lw"]
    record_intake_outcome(referral=referral, recorded_by=lw, kind="accepted")
    isolation, housing = Need.objects.get(slug="isolation"), Need.objects.get(slug="housing")
    record_path_event(
        referral=referral, recorded_by=lw, need=isolation, kind="referred", service=befriending
    )
    record_path_event(
        referral=referral, recorded_by=lw, need=isolation, kind="accepted", service=befriending
    )
    record_path_event(referral=referral, recorded_by=lw, need=housing, kind="no_service_available")
    frame = outcomes_report(own()).set_index("need")
    columns = ["outcome", "needs", "taken_up", "unmet"]
    assert frame.loc["Loneliness and isolation", columns].tolist() == [
        "Accepted by the service", 1, 1, 0
    ]  # fmt: skip
    assert frame.loc["Housing", columns].tolist() == [
        "No service available for this need", 1, 0, 1
    ]  # fmt: skip
    gaps = gaps_report(own(area=Area.objects.get(code="E09000029")))
    housing_gap = gaps[gaps["need"] == "Housing"].iloc[0]
    assert (housing_gap["demand"], housing_gap["unmet"]) == (1, 1)
    isolation_gap = gaps[gaps["need"] == "Loneliness and isolation"].iloc[0]
    assert (isolation_gap["demand"], isolation_gap["unmet"]) == (1, 0)


def test_a_need_whose_every_service_refused_is_unmet(personas, geography):
    one = make_service(service="Befriending one", needs="isolation", postcode="SM1 1AA")
    two = make_service(service="Befriending two", needs="isolation", postcode="SM1 1AA")
    referral = create_referral(
        referrer=personas["lw"], source="gp", home_postcode="SM2 6AA", needs=["isolation"]
    )
    lw, need = personas["lw"], Need.objects.get(slug="isolation")
    for service, answer in [(one, "service_full"), (two, "declined_by_service")]:
        record_path_event(referral=referral, recorded_by=lw, need=need, kind="referred",
                          service=service)  # fmt: skip
        reason = "criteria" if "declined" in answer else ""
        record_path_event(referral=referral, recorded_by=lw, need=need, kind=answer,
                          service=service, reason=reason)  # fmt: skip
    frame = outcomes_report(own())
    assert frame["unmet"].sum() == 1


def test_every_report_copes_with_an_empty_period(personas, service):
    empty = Scope(start=dt.date(2001, 1, 1), end=dt.date(2001, 12, 31))
    for name, spec in REPORTS.items():
        for scope in (empty, Scope(empty.start, empty.end, exact=True)):
            frame = spec.function(scope, None)
            assert isinstance(frame, pd.DataFrame), name
            for chart in spec.charts:
                chart(frame)
    uptake = uptake_report(empty)
    assert uptake.loc[0, "referrals"] == 0


def test_a_borough_with_no_services_shows_as_a_gap(personas, geography):
    referral = create_referral(
        referrer=personas["lw"], source="gp", home_postcode="SM2 6AA", needs=["housing"]
    )
    record_path_event(
        referral=referral,
        recorded_by=personas["lw"],
        kind="no_service_available",
        need=referral.needs.get(),
    )
    sutton = Area.objects.get(code="E09000029")
    gaps = gaps_report(own(area=sutton))
    housing = gaps[(gaps["borough"] == "Sutton") & (gaps["need"] == "Housing")].iloc[0]
    assert (housing["services_open"], housing["demand"], housing["unmet"]) == (0, 1, 1)
    assert housing["coverage_2km_percent"] == 0.0
    assert gaps.iloc[0]["need"] == "Housing"  # worst first
    svg = charts.gap_heatmap(gaps)
    # "gap" only where there is demand: one cell here; no service and no demand shows 0.
    assert svg.count(">gap</text>") == 1
    assert (gaps["services_open"] == 0).sum() > 1
    assert "Sutton, Housing: 0 open services, demand 1" in svg


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
    frame = out_of_area_report(own())
    assert frame["lives_in"].tolist() == ["Epsom and Ewell", "Epsom and Ewell"]
    assert sorted(frame["gp_in_funding_area"]) == ["no", "yes"]
    assert set(frame["team"]) == {EPSOM}
    assert set(frame["outcome"]) == {"Waiting for an intake outcome"}


@pytest.fixture
def lead_api(personas):
    client = APIClient()
    client.force_authenticate(personas["lead"])
    return client


def test_a_lead_gets_rounded_figures_the_same_in_json_csv_and_xlsx(lead_api, personas):
    st_georges(personas)
    json_rows = lead_api.get("/api/v1/reports/referrals/").json()
    counts = [r["referrals"] for r in json_rows]
    # Every count is a sum of base cells rounded to multiples of 5.
    assert all(c % 5 == 0 for c in counts)
    overall = {r["category"]: r for r in json_rows if r["month"] == "all"}
    # The total is the sum of its published parts (three source cells: 14, 12 and 4, each
    # rounded), so within 3 x 4 of the true 30.
    sources = [r["referrals"] for r in overall.values() if r["breakdown"] == "source"]
    assert (
        overall["All referrals"]["referrals"]
        == sum(sources) - overall["All referrals"]["referrals"]
    )
    assert abs(overall["All referrals"]["referrals"] - 30) <= 12
    for row in overall.values():  # percentages of published figures, one decimal place
        total = overall["All referrals"]["referrals"]
        if row["breakdown"] == "source" and total:
            assert row["percent"] == round(100 * row["referrals"] / total, 1)
    csv = lead_api.get("/api/v1/reports/referrals/?format=csv")
    assert csv.status_code == 200
    assert csv["Content-Type"].startswith("text/csv")
    from_csv = pd.read_csv(io.BytesIO(csv.content), keep_default_na=False)
    assert list(from_csv.columns) == list(json_rows[0])
    assert from_csv["referrals"].tolist() == counts
    xlsx = lead_api.get("/api/v1/reports/uptake/?format=xlsx")
    assert xlsx.status_code == 200
    assert "attachment" in xlsx["Content-Disposition"]
    from_xlsx = pd.read_excel(io.BytesIO(xlsx.content))
    uptake = lead_api.get("/api/v1/reports/uptake/").json()
    assert from_xlsx["referrals"].tolist() == [r["referrals"] for r in uptake]


def test_a_lead_may_only_ask_for_whole_months(lead_api, personas):
    response = lead_api.get("/api/v1/reports/uptake/?from=2026-01-02&to=2026-01-31")
    assert response.status_code == 400
    assert "whole months" in response.json()["from"][0]
    assert "2026-01-01" in response.json()["from"][0]
    response = lead_api.get("/api/v1/reports/uptake/?from=2026-01-01&to=2026-01-30")
    assert response.status_code == 400
    assert "the last day of a month" in response.json()["to"][0]
    assert "2026-01-31" in response.json()["to"][0]
    assert lead_api.get("/api/v1/reports/uptake/?from=2026-01-01&to=2026-03-31").status_code == 200


@pytest.mark.parametrize(
    ("query", "param"),
    [("from=yesterday", "from"), ("area=NOWHERE", "area"), ("team=99999", "team"),
     ("from=2026-02-01&to=2026-01-31", "from")],
)  # fmt: skip
def test_bad_report_parameters_answer_400_naming_them(lead_api, personas, query, param):
    response = lead_api.get(f"/api/v1/reports/gaps/?{query}")
    assert response.status_code == 400
    assert param in response.json()


def test_who_sees_reports(personas, client, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", password="nobody-pass-123")
    teamless = APIClient()
    teamless.force_authenticate(nobody)
    assert teamless.get("/api/v1/reports/uptake/").status_code == 403
    assert APIClient().get("/api/v1/reports/uptake/").status_code in (401, 403)
    client.force_login(nobody)
    assert client.get("/reports/").status_code == 403
    lead = APIClient()
    lead.force_authenticate(personas["lead"])
    assert lead.get("/api/v1/reports/nonsense/").status_code == 404


def test_the_dashboard_shows_every_report_with_charts(personas, client):
    epsom_and_st_helier(personas)
    client.force_login(personas["lead"])
    response = client.get("/reports/", {"area": "QWE"})
    assert response.status_code == 200
    text = response.content.decode()
    for spec in REPORTS.values():
        assert spec.title in text
    assert text.count("<svg") >= 2
    assert "/api/v1/reports/gaps/?" in text
    assert "rounded to a multiple of 5" in text
    assert len(response.content) < 200_000


def test_the_dashboard_refuses_a_part_month_for_a_lead(personas, client):
    client.force_login(personas["lead"])
    response = client.get("/reports/", {"from": "2026-01-15", "to": "2026-02-28"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "There is a problem" in text
    assert "The start date must be the first day of a month, for example 1 January 2026" in text
    assert 'href="#id_date_from"' in text  # the error summary links to the field
    assert "<section" not in text  # no report under dates that were refused


def test_a_team_member_sees_their_teams_exact_dashboard(personas, client):
    epsom_and_st_helier(personas)
    client.force_login(personas["lw"])
    response = client.get("/reports/")
    assert response.status_code == 200
    text = response.content.decode()
    assert f"Reports for {EPSOM}" in text
    assert "Your team&#x27;s own figures: exact." in text
    assert "68.8" in text
    assert 'name="team"' not in text


def test_every_count_a_lead_sees_is_a_sum_of_rounded_cells(lead_api, personas):
    epsom_and_st_helier(personas, waiting=3)
    for postcode, gp in [("KT17 1AA", "E07000208"), ("KT17 1AA", "E09000029")]:
        create_referral(
            referrer=personas["lw"], source="ward", home_postcode=postcode, needs=["isolation"],
            gp_area=gp,
        )  # fmt: skip
    for name, spec in REPORTS.items():
        rows = lead_api.get(f"/api/v1/reports/{name}/", {"area": "QWE"}).json()
        for row in rows:
            for column in spec.counts:
                assert row[column] % 5 == 0, (name, column, row)
