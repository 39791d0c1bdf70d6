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
