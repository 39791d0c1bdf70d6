import pytest
from django.test import override_settings
from playwright.sync_api import Page, expect

from directory.models import DataImport

from .factories import service_row, write_csv
from .test_browser_referrals import sign_in

pytestmark = [pytest.mark.functional, pytest.mark.django_db(transaction=True)]


def test_an_editor_previews_a_spreadsheet_and_imports_its_valid_rows(
    page: Page, live_server, geography, editor, tmp_path
):
    spreadsheet = write_csv(
        tmp_path / "Sutton core list.csv",
        [
            service_row(external_id="B1", service="Sutton befriending"),
            service_row(external_id="B2", service="Sutton walking group", needs="not-a-need"),
            service_row(external_id="B3", service="Sutton debt clinic", needs="debt"),
            service_row(external_id="B4", service="Sutton money advice", postcode="SM1 XYZ"),
        ],
    )
    with override_settings(SPREADSHEET_UPLOAD_DIR=tmp_path / "uploads"):
        sign_in(page, live_server.url, "eddie.editor", "editor-pass-123")
        page.get_by_role("link", name="Import services").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Import services from a spreadsheet"
        )
        page.get_by_label("Spreadsheet").set_input_files(str(spreadsheet))
        page.get_by_role("button", name="Upload and check").click()

        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Check Sutton core list.csv before importing"
        )
        expect(page.get_by_role("alert")).to_contain_text("2 rows have problems")
        problems = page.locator("#row-problem-list")
        expect(problems).to_contain_text("'not-a-need' is not a known need")
        expect(problems).to_contain_text("'SM1 XYZ' is not a valid UK postcode")
        expect(page.get_by_role("button", name="Import", exact=True)).to_have_count(0)
        page.get_by_role("button", name="Import the 2 valid rows").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("Import complete")
        expect(page.locator("#import-record")).to_contain_text("eddie.editor")
        expect(page.locator("#import-notes")).to_contain_text("is not a valid UK postcode")
        page.get_by_role("link", name="See the services in the directory").click()
        results = page.locator("#results")
        expect(results).to_contain_text("Sutton befriending")
        expect(results).to_contain_text("Sutton debt clinic")
        expect(results).not_to_contain_text("Sutton walking group")
        expect(results).not_to_contain_text("Sutton money advice")
    run = DataImport.objects.get(source="services-spreadsheet")
    assert (run.file, run.imported_by.username, run.created, run.rejected) == (
        "Sutton core list.csv",
        "eddie.editor",
        2,
        2,
    )
