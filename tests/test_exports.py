"""No download can carry a live spreadsheet formula (OWASP CSV injection)."""

import io

import openpyxl
import pytest
from rest_framework.test import APIClient

from directory.models import Need
from signposting.actions import create_referral
from signposting.reports import default_scope

from .factories import make_service

FORMULAS = ['=HYPERLINK("http://x")', "+1+1", "-1+1", "@SUM(A1)", "\tTAB", "\rCR"]


@pytest.mark.parametrize("name", FORMULAS)
def test_report_downloads_write_formula_like_names_as_text(personas, geography, name):
    make_service(service="Sutton befriending", needs="isolation", postcode="SM1 1AA")
    Need.objects.filter(slug="isolation").update(name=name)
    create_referral(
        referrer=personas["lw"], source="gp", home_postcode="SM2 6AA", needs=["isolation"]
    )
    api = APIClient()
    api.force_authenticate(personas["teammate"])
    year = default_scope()
    params = {"from": year.start.isoformat(), "to": year.end.isoformat()}
    csv = api.get("/api/v1/reports/outcomes/", {**params, "format": "csv"})
    assert csv.status_code == 200
    text = csv.content.decode()
    assert "'" + name.strip("\t\r")[:3] in text or "'" + name[:3] in text
    for line in text.splitlines():
        for cell in line.split(","):
            assert not cell.strip('"').startswith(("=", "+", "@")), line
    xlsx = api.get("/api/v1/reports/outcomes/", {**params, "format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert any(
        isinstance(cell.value, str) and cell.value.startswith("'") and name.strip() in cell.value
        for cell in cells
    )
    assert all(cell.data_type != "f" for cell in cells)


def _cells_of_csv(text: str) -> list[str]:
    import csv

    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_the_gp_coding_export_writes_formula_like_cells_as_text(personas, geography, start):
    make_service(service="Sutton befriending", needs="isolation", postcode="SM1 1AA")
    name = f'{start}HYPERLINK("http://example.com/x","click")'
    Need.objects.filter(slug="isolation").update(name=name)
    create_referral(
        referrer=personas["lw"], source="gp", home_postcode="SM2 6AA", needs=["isolation"]
    )
    from django.test import Client

    client = Client()
    client.force_login(personas["teammate"])
    response = client.get("/referrals/export.csv")
    assert response.status_code == 200
    cells = _cells_of_csv(response.content.decode())
    assert "'" + name in cells
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_report_errors_downloaded_as_csv_or_xlsx_carry_no_formula(personas, start):
    """An error names what was asked for (a report's name comes from the address)."""
    from urllib.parse import quote

    api = APIClient()
    api.force_authenticate(personas["lead"])
    name = quote(f"x,{start}SUM(1+1)*cmd|' calc'!A0", safe="")
    csv_error = api.get(f"/api/v1/reports/{name}/", {"format": "csv"})
    assert csv_error.status_code == 404
    cells = _cells_of_csv(csv_error.content.decode())
    assert any("No report called" in cell for cell in cells)
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]
    xlsx_error = api.get(f"/api/v1/reports/{name}/", {"format": "xlsx"})
    assert xlsx_error.status_code == 404
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_error.content)).active
    values = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert any("No report called" in str(cell.value) for cell in values)
    assert all(cell.data_type != "f" for cell in values)
