"""Reports that read well (issue 12, item 7): period errors in plain words with no report under
refused dates; a lead's own area first, the gap heatmap listing that area's boroughs (and
"Other areas" for demand from outside) in NHS colours with readable text in every cell; and
downloads that say their scope, period and rounding, in the file name and in notes."""

import io
import re

import openpyxl
import pandas as pd
import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from directory.models import Area
from signposting.actions import create_referral
from signposting.models import Membership, Team
from signposting.reports import charts, default_scope
from signposting.reports.charts import (
    HEAT_SCALE,
    HEATMAP_FILLS,
    TEXT,
    WHITE,
    contrast,
    gap_heatmap,
    heat_fill,
    text_colour,
)
from signposting.reports.gaps import OTHER_AREAS

YEAR = default_scope()
SWL = ["Croydon", "Kingston upon Thames", "Merton", "Richmond upon Thames", "Sutton", "Wandsworth"]
PERIOD = {"from": YEAR.start.isoformat(), "to": YEAR.end.isoformat()}


@pytest.fixture
def swl_lead(personas, django_user_model):
    """A network lead working for South West London (a team funded by the ICB)."""
    team = Team.objects.create(name="South West London network", funding_area_id="QWE")
    lead = django_user_model.objects.create_user("swl.lead", password="swl-lead-pass-123")
    lead.groups.add(Group.objects.get(name="Network lead"))
    Membership.objects.create(user=lead, team=team)
    return lead


def referrals_from_inside_and_outside(personas):
    """Five needs from Sutton residents, five from Epsom residents with a Sutton GP."""
    for _ in range(5):
        create_referral(referrer=personas["lw"], source="gp", home_postcode="SM2 6AA",
                        needs=["isolation"])  # fmt: skip
        create_referral(referrer=personas["lw"], source="gp", home_postcode="KT17 1AA",
                        needs=["housing"], gp_area="E09000029")  # fmt: skip


# Period errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"from": "2026-03-01", "to": "2026-01-31"}, "id_date_from",
         "The start date must be the same as or before the end date"),
        ({"from": "2026-13-01", "to": "2026-01-31"}, "id_date_from",
         "Enter the start date as year, month and day, for example 2026-01-01"),
        ({"from": "2026-01-01", "to": "2026-02-15"}, "id_date_to",
         "The end date must be the last day of a month, for example 28 February 2026"),
        ({"from": "1999-01-01", "to": "2026-01-31"}, "id_date_from",
         "Give a date from 2000-01-01 to 2100-12-31; 1999-01-01 is outside."),
        ({"from": "2016-01-01", "to": "2026-01-31"}, "id_date_from",
         "The period must be 5 years or shorter"),
        ({"area": "NOWHERE"}, "id_area", "Choose an ICB or borough from the list"),
    ],
)  # fmt: skip
def test_a_refused_period_shows_what_to_fix_and_no_report(personas, client, params, field,
                                                          message):  # fmt: skip
    referrals_from_inside_and_outside(personas)
    client.force_login(personas["lead"])
    response = client.get("/reports/", params)
    assert response.status_code == 200
    text = response.content.decode()
    assert text.count(message) == 2  # in the error summary and beside the field
    assert f'<a href="#{field}">{message}' in text
    assert f'id="{field}"' in text
    assert "<title>Error: " in text
    # No report at all, and no default period under the refused dates.
    assert "<section" not in text
    assert "nhsuk-lede-text" not in text
    assert "No reports are shown until the" in text
    for value in params.values():  # what was typed stays, to be corrected
        assert f'value="{value}"' in text or value == "NOWHERE"


def test_the_api_gives_the_same_plain_words_by_parameter(lead_api_client):
    response = lead_api_client.get("/api/v1/reports/uptake/?from=2026-03-01&to=2026-01-31")
    assert response.status_code == 400
    assert response.json() == {
        "from": ["The start date must be the same as or before the end date"]
    }
    response = lead_api_client.get("/api/v1/reports/uptake/?from=2026-01-15&to=2026-02-28")
    assert response.json() == {
        "from": [
            "The start date must be the first day of a month, for example 1 January 2026 "
            "(2026-01-01): reports across teams cover whole months"
        ]
    }


@pytest.fixture
def lead_api_client(personas):
    client = APIClient()
    client.force_authenticate(personas["lead"])
    return client


# A lead's own area, and the heatmap ---------------------------------------------------------


def test_a_lead_of_south_west_london_sees_its_six_boroughs_and_other_areas(
    personas, swl_lead, client
):
    referrals_from_inside_and_outside(personas)
    client.force_login(swl_lead)
    response = client.get("/reports/")
    text = response.content.decode()
    assert "patients living in or registered with a GP in South West London ICB" in text
    assert '<option value="QWE" selected>' in text
    heatmap = re.search(r'<figure class="signpost-chart" id="chart-gaps">(.*?)</figure>', text,
                        re.S).group(1)  # fmt: skip
    labels = re.findall(r'text-anchor="end" fill="#212b32">([^<]+)</text>', heatmap)
    assert labels == [*SWL, OTHER_AREAS]  # not every borough in an ICB
    # Epsom residents with a Sutton GP: their demand is in "Other areas", not lost.
    assert "Other areas, Housing: demand 5 from patients living elsewhere" in heatmap
    assert "Other areas: demand from patients living outside these boroughs." in heatmap
    # The downloads carry the area explicitly.
    assert "area=QWE" in text


def test_the_page_works_its_figures_out_at_most_once_a_minute_and_says_when(
    personas, swl_lead, client, settings
):
    """Within REPORTS_PAGE_SECONDS a scope's page is the one worked out before (and says when
    that was); another scope, or the time gone, works them out again; downloads never wait."""
    from django.core.cache import cache

    cache.clear()
    settings.REPORTS_PAGE_SECONDS = 60
    client.force_login(swl_lead)

    def housing_demand(params=None):
        text = client.get("/reports/", params or {}).content.decode()
        found = re.search(r"Other areas, Housing: demand (\d+)", text)
        return (int(found.group(1)) if found else 0), text

    assert housing_demand()[0] == 0
    referrals_from_inside_and_outside(personas)
    demand, text = housing_demand()
    assert demand == 0  # the page of a moment ago
    assert re.search(r"Figures worked out at \d\d:\d\d:\d\d on ", text)
    assert "at most once a minute" in text
    # Another scope is worked out now; a download is always worked out when asked for.
    month = {"from": YEAR.end.replace(day=1).isoformat(), "to": YEAR.end.isoformat()}
    assert month != PERIOD
    assert "Other areas, Housing: demand 5" in client.get("/reports/", month).content.decode()
    csv = client.get("/api/v1/reports/gaps/", {"format": "csv", "area": "QWE", **PERIOD})
    assert csv.status_code == 200 and "Other areas" in csv.content.decode()
    # When the minute is up (the entry gone), the page is worked out again.
    cache.clear()
    assert housing_demand()[0] == 5
    settings.REPORTS_PAGE_SECONDS = 0
    cache.clear()


def test_a_lead_may_still_choose_all_areas(personas, swl_lead, client):
    referrals_from_inside_and_outside(personas)
    client.force_login(swl_lead)
    text = client.get("/reports/", {"area": ""}).content.decode()
    assert ", all areas." in text
    assert '<option value="" selected>All areas</option>' in text
    boroughs = Area.objects.filter(kind="la", icb__isnull=False).count()
    assert "the 20 boroughs with the most demand" in text and boroughs > 20


def test_the_gap_report_adds_other_areas_after_the_boroughs(personas, swl_lead, lead_api_client):
    referrals_from_inside_and_outside(personas)
    rows = lead_api_client.get("/api/v1/reports/gaps/", {**PERIOD, "area": "QWE"}).json()
    assert {r["borough"] for r in rows} == {*SWL, OTHER_AREAS}
    assert len(rows) == 6 * 18 + 1
    other = rows[-1]
    assert other["borough"] == OTHER_AREAS and other["need"] == "Housing"
    assert other["services_open"] is None and other["coverage_2km_percent"] is None
    assert other["demand"] % 5 == 0  # a sum of rounded cells, like every other figure
    sutton = [r for r in rows if r["borough"] == "Sutton" and r["need"] == "Housing"][0]
    assert isinstance(sutton["services_open"], int)
    assert sutton["demand"] == 0  # the Epsom residents are not counted as Sutton's


def frame(rows) -> pd.DataFrame:
    return pd.DataFrame(
        rows, columns=["borough", "need", "services_open", "demand", "unmet",
                       "coverage_2km_percent"]
    ).astype({"services_open": "Int64"})  # fmt: skip


def test_gap_shows_only_where_there_is_demand_and_no_service():
    svg = gap_heatmap(
        frame([
            ("Sutton", "Housing", 0, 5, 5, 0.0),
            ("Sutton", "Debt", 0, 0, 0, 0.0),
            ("Sutton", "Isolation", 3, 5, 0, 50.0),
            ("Merton", "Housing", 1, 0, 0, 10.0),
            ("Merton", "Debt", 12, 10, 0, 80.0),
            ("Merton", "Isolation", 0, 10, 5, 0.0),
        ])
    )  # fmt: skip
    assert svg.count(">gap</text>") == 2
    assert "Sutton, Housing: 0 open services, demand 5" in svg
    assert re.search(r"Sutton, Debt: 0 open services, demand 0</title><rect [^>]*/><text [^>]*>0<",
                     svg)  # fmt: skip


def test_every_heatmap_colour_has_text_of_at_least_4_5_to_1():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast(WHITE, WHITE) == pytest.approx(1)
    for fill in HEATMAP_FILLS:
        assert contrast(fill, text_colour(fill)) >= 4.5, fill
    # The darkest blues get white text; the palest the NHS text colour.
    assert text_colour(HEAT_SCALE[-1]) == WHITE and text_colour(HEAT_SCALE[0]) == TEXT


def test_every_cell_drawn_has_readable_text():
    rows = [("Sutton", f"Need {n}", n, 5 * (n % 3), 0, 0.0) for n in range(0, 40)]
    rows += [("Merton", "Need 0", 0, 5, 5, 0.0), (OTHER_AREAS, "Need 1", pd.NA, 5, 5, None)]
    svg = gap_heatmap(frame(rows))
    cells = re.findall(r'<rect [^>]*fill="(#[0-9a-f]{6})"[^>]*/><text [^>]*fill="(#[0-9a-f]{6})"',
                       svg)  # fmt: skip
    assert len(cells) == 42
    assert {fill for fill, _ in cells} == set(HEATMAP_FILLS)  # every colour is used here
    for fill, text in cells:
        assert contrast(fill, text) >= 4.5, (fill, text)


def test_the_scale_grows_darker_with_more_services():
    fills = [heat_fill(n, 20) for n in (0, 1, 6, 11, 20)]
    assert fills == HEAT_SCALE
    assert charts.luminance(fills[1]) > charts.luminance(fills[-1])


# Downloads ---------------------------------------------------------------------------------


def test_downloads_are_named_by_report_area_period_and_rounding(personas, lead_api_client):
    referrals_from_inside_and_outside(personas)
    names = {}
    for area in ("E09000029", "QWE", ""):
        response = lead_api_client.get(
            "/api/v1/reports/outcomes/", {**PERIOD, "area": area, "format": "csv"}
        )
        assert response.status_code == 200
        names[area] = response["Content-Disposition"]
    period = f"{YEAR.start.isoformat()}-to-{YEAR.end.isoformat()}"
    assert names["E09000029"] == (
        f'attachment; filename="signpost-outcomes-sutton-{period}-rounded-to-5.csv"'
    )
    assert f"signpost-outcomes-south-west-london-icb-{period}-rounded-to-5.csv" in names["QWE"]
    assert f"signpost-outcomes-all-areas-{period}-rounded-to-5.csv" in names[""]
    team = APIClient()
    team.force_authenticate(personas["lw"])
    response = team.get("/api/v1/reports/uptake/", {**PERIOD, "format": "xlsx"})
    assert (
        f"signpost-uptake-all-areas-epsom-and-st-helier-pain-clinic-{period}-exact.xlsx"
        in response["Content-Disposition"]
    )


def test_a_csv_is_a_plain_table_unless_notes_are_asked_for(personas, lead_api_client):
    referrals_from_inside_and_outside(personas)
    params = {**PERIOD, "area": "E09000029", "format": "csv"}
    plain = lead_api_client.get("/api/v1/reports/outcomes/", params).content.decode()
    assert plain.startswith("month,")
    noted = lead_api_client.get("/api/v1/reports/outcomes/", {**params, "notes": "true"})
    text = noted.content.decode()
    lines = text.splitlines()
    notes = [line for line in lines if line.startswith("#,")]
    assert lines[: len(notes)] == notes and len(notes) == 7
    assert "#,Area,Sutton" in notes
    assert "#,Team,All teams" in notes
    assert f"#,Period,{YEAR.start.day} {YEAR.start:%B %Y} to {YEAR.end.day} {YEAR.end:%B %Y}" in (
        notes
    )
    assert any(line.startswith('#,Disclosure control,"To protect') for line in notes)
    # A machine reader told about "#" reads the same table as without notes.
    with_notes = pd.read_csv(io.StringIO(text), comment="#", keep_default_na=False)
    without = pd.read_csv(io.StringIO(plain), keep_default_na=False)
    pd.testing.assert_frame_equal(with_notes, without)
    assert len(without) > 0
    bad = lead_api_client.get("/api/v1/reports/outcomes/", {**params, "notes": "perhaps"})
    assert bad.status_code == 400
    assert "notes" in bad.content.decode()


def test_an_excel_download_has_a_notes_sheet(personas, lead_api_client):
    referrals_from_inside_and_outside(personas)
    response = lead_api_client.get(
        "/api/v1/reports/directory-health/", {**PERIOD, "area": "QWE", "format": "xlsx"}
    )
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["report", "notes"]
    assert workbook.active.title == "report"
    notes = {row[0]: row[1] for row in workbook["notes"].iter_rows(min_row=2, values_only=True)}
    assert notes["Report"] == "Directory health"
    assert notes["Area"] == "South West London ICB"
    assert notes["Period"].startswith("Does not apply")
    assert "rounded to a multiple of 5" in notes["Disclosure control"]


def test_the_dashboard_links_to_downloads_with_notes(personas, swl_lead, client):
    client.force_login(swl_lead)
    text = client.get("/reports/").content.decode()
    assert "format=csv&amp;notes=true" in text
    assert "rounded-to-5.csv" in text  # the page says how files are named
