"""Spreadsheet upload in the browser: who may use it, the preview, the import and its record."""

import io
import os
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import Workbook

from directory import actions
from directory import spreadsheet_uploads as uploads
from directory.importers.spreadsheet import DEFAULT_SOURCE, KIND, import_services
from directory.models import DataImport, Service, Source
from directory.service_data import COLUMNS, SERVICE_COLUMNS

from .factories import service_row, write_csv

TEMPLATE = Path(__file__).resolve().parent.parent / "docs" / "import-template.csv"
UPLOAD = "/directory/import/"


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    folder = tmp_path / "uploads"
    settings.SPREADSHEET_UPLOAD_DIR = folder
    return folder


@pytest.fixture
def signed_in(client, editor, geography):
    client.force_login(editor)
    return client


def spreadsheet_imports():
    return DataImport.objects.filter(source=KIND)


def waiting_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*")) if folder.exists() else []


def csv_bytes(tmp_path, rows) -> bytes:
    return write_csv(tmp_path / "rows.csv", rows).read_bytes()


def good_and_bad_rows():
    return [
        service_row(external_id="S1", service="Sutton befriending"),
        service_row(external_id="S2", service="Sutton walking group", needs="not-a-need"),
        service_row(external_id="S3", service="Sutton debt clinic", needs="debt"),
        service_row(external_id="S4", service="Sutton money advice", postcode="SM1 XYZ"),
    ]


def upload(client, content: bytes, name="core-list.csv", **fields):
    data = {"source": DEFAULT_SOURCE, "new_source": "", **fields}
    data["file"] = SimpleUploadedFile(name, content)
    return client.post(UPLOAD, data)


def token_of(response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    parts = response["Location"].strip("/").split("/")
    assert parts[:2] == ["directory", "import"]
    return parts[2]


# Who may use it ------------------------------------------------------------------------------


def test_anonymous_people_are_sent_to_sign_in(client, db):
    for path in [UPLOAD, UPLOAD + "template.csv", UPLOAD + "sometoken/"]:
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert client.post(UPLOAD + "sometoken/import/").status_code == 302


def test_people_who_cannot_add_and_change_services_are_refused(client, db, tmp_path):
    viewer = User.objects.create_user("viewer", password="viewer-pass-123")
    viewer.user_permissions.set(
        Permission.objects.filter(codename__in=["change_service", "view_service"])
    )
    client.force_login(viewer)
    assert client.get(UPLOAD).status_code == 403
    assert client.get(UPLOAD + "template.csv").status_code == 403
    response = upload(client, csv_bytes(tmp_path, [service_row()]))
    assert response.status_code == 403
    assert client.post(UPLOAD + "sometoken/import/").status_code == 403
    assert "Import services" not in client.get("/services/").content.decode()


def test_an_editor_sees_the_form_the_columns_and_a_link_in_the_menu(signed_in):
    response = signed_in.get(UPLOAD)
    assert response.status_code == 200
    text = response.content.decode()
    assert 'enctype="multipart/form-data"' in text
    assert 'for="id_file"' in text and 'for="id_source"' in text and 'for="id_new_source"' in text
    assert "no larger than 10 MB" in text
    for column in SERVICE_COLUMNS:
        assert f"<code>{column.name}</code>" in text
        assert column.help.replace("'", "&#x27;") in text
    assert f'<option value="{DEFAULT_SOURCE}" selected>' in text
    assert 'href="/directory/import/template.csv"' in text
    assert 'href="/directory/import/">Import services</a>' in text


def test_the_template_downloads(signed_in):
    response = signed_in.get(UPLOAD + "template.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == TEMPLATE.read_bytes()


def test_the_upload_needs_a_csrf_token(editor, geography, tmp_path, upload_dir):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    response = upload(client, csv_bytes(tmp_path, [service_row()]))
    assert response.status_code == 403
    assert waiting_files(upload_dir) == []


# The preview --------------------------------------------------------------------------------


def test_the_preview_lists_every_rows_problems_and_writes_nothing(signed_in, tmp_path, upload_dir):
    response = upload(signed_in, csv_bytes(tmp_path, good_and_bad_rows()))
    token = token_of(response)
    assert len(waiting_files(upload_dir)) == 1
    assert oct(waiting_files(upload_dir)[0].stat().st_mode & 0o777) == "0o600"

    page = signed_in.get(f"{UPLOAD}{token}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "There is a problem" in text
    assert "2 rows have problems and cannot be imported" in text
    assert "&#x27;not-a-need&#x27; is not a known need" in text
    assert "&#x27;SM1 XYZ&#x27; is not a valid UK postcode" in text
    assert page.context["problems"] == [
        {
            "row": "3",
            "column": "needs",
            "problem": "'not-a-need' is not a known need (see /api/v1/needs/)",
        },
        {"row": "5", "column": "postcode", "problem": "'SM1 XYZ' is not a valid UK postcode"},
    ]
    result = page.context["result"]
    assert (result.created, result.updated, result.unchanged, result.rejected) == (2, 0, 0, 2)
    assert "Import the 2 valid rows" in text
    assert ">Import</button>" not in text
    assert Service.objects.count() == 0
    assert spreadsheet_imports().count() == 0
    assert not Source.objects.filter(name=DEFAULT_SOURCE).exists()


def test_a_clean_file_can_be_imported_whole(signed_in, tmp_path, upload_dir, editor):
    rows = [service_row(external_id="S1", service="A"), service_row(external_id="S2", service="B")]
    token = token_of(upload(signed_in, csv_bytes(tmp_path, rows)))
    text = signed_in.get(f"{UPLOAD}{token}/").content.decode()
    assert ">Import</button>" in text
    assert "valid row" not in text
    assert "There is a problem" not in text

    response = signed_in.post(f"{UPLOAD}{token}/import/", {"rows": "all"})
    assert response.status_code == 302
    run = spreadsheet_imports().get()
    assert response["Location"] == f"/directory/import/results/{run.pk}/"
    assert (run.created, run.rejected, run.imported_by, run.file) == (2, 0, editor, "core-list.csv")
    assert sorted(Service.objects.values_list("name", flat=True)) == ["A", "B"]


def test_the_preview_shows_an_editors_decision_as_a_conflict(signed_in, tmp_path):
    path = write_csv(tmp_path / "list.csv", [service_row(external_id="A1")])
    import_services(path)
    service = Service.objects.get(external_id="A1")
    actions.update_service(
        service, status=Service.Status.ARCHIVED, editor_decision_at=timezone.now()
    )
    token = token_of(upload(signed_in, path.read_bytes()))
    page = signed_in.get(f"{UPLOAD}{token}/")
    text = page.content.decode()
    assert "Editors' decisions that stand" in text
    assert "differs from the file in status; kept as an editor decided" in text
    assert page.context["result"].conflicts == 1
    assert ">Import</button>" in text


# The import ---------------------------------------------------------------------------------


def test_importing_the_valid_rows_keeps_who_when_the_file_and_the_counts(
    signed_in, tmp_path, upload_dir, editor
):
    token = token_of(upload(signed_in, csv_bytes(tmp_path, good_and_bad_rows())))
    before = timezone.now()
    response = signed_in.post(f"{UPLOAD}{token}/import/", {"rows": "valid"})
    assert response.status_code == 302
    assert sorted(Service.objects.values_list("name", flat=True)) == [
        "Sutton befriending",
        "Sutton debt clinic",
    ]
    run = spreadsheet_imports().get()
    assert run.imported_by == editor
    assert run.file == "core-list.csv"
    assert run.started_at >= before
    assert run.owner.name == DEFAULT_SOURCE
    assert (run.created, run.updated, run.unchanged, run.rejected) == (2, 0, 0, 2)
    assert "row 3, needs:" in run.notes and "row 5, postcode:" in run.notes
    assert waiting_files(upload_dir) == []

    page = signed_in.get(response["Location"])
    text = page.content.decode()
    assert "Import complete" in text
    assert "core-list.csv" in text and "eddie.editor" in text
    assert 'href="/services/"' in text
    # The editor fixture cannot see the admin's import list; the Directory editor role can.
    assert "/admin/directory/dataimport/" not in text
    editor.user_permissions.add(Permission.objects.get(codename="view_dataimport"))
    assert "/admin/directory/dataimport/" in signed_in.get(response["Location"]).content.decode()

    # The upload is gone: a second click imports nothing more.
    again = signed_in.post(f"{UPLOAD}{token}/import/", {"rows": "valid"})
    assert again.status_code == 404
    assert spreadsheet_imports().count() == 1


def test_importing_everything_when_rows_have_problems_imports_nothing(signed_in, tmp_path):
    token = token_of(upload(signed_in, csv_bytes(tmp_path, good_and_bad_rows())))
    response = signed_in.post(f"{UPLOAD}{token}/import/", {"rows": "all"}, follow=True)
    assert response.redirect_chain == [(f"{UPLOAD}{token}/", 302)]
    assert "2 row(s) have problems" in response.content.decode()
    assert Service.objects.count() == 0
    assert spreadsheet_imports().count() == 0


def test_a_new_list_name_becomes_the_source(signed_in, tmp_path):
    rows = [service_row(external_id="S1")]
    token = token_of(
        upload(signed_in, csv_bytes(tmp_path, rows), new_source="  Sutton  core list ")
    )
    assert "Sutton core list" in signed_in.get(f"{UPLOAD}{token}/").content.decode()
    signed_in.post(f"{UPLOAD}{token}/import/", {"rows": "all"})
    assert Service.objects.get().source.name == "Sutton core list"
    assert spreadsheet_imports().get().owner.name == "Sutton core list"
    # Next time, the list is offered by name.
    assert '<option value="Sutton core list">' in signed_in.get(UPLOAD).content.decode()


def test_a_feeds_name_cannot_be_a_lists_name(signed_in, tmp_path, upload_dir):
    Source.objects.create(kind=Source.Kind.OPENREFERRAL, name="https://feed.example.org")
    response = upload(
        signed_in, csv_bytes(tmp_path, [service_row()]), new_source="https://feed.example.org"
    )
    assert response.status_code == 200
    assert (
        "already the name of another kind of source (Open Referral UK feed)"
        in response.content.decode()
    )
    assert waiting_files(upload_dir) == []


def test_an_xlsx_upload_works(signed_in, editor):
    book = Workbook()
    sheet = book.active
    sheet.append(COLUMNS)
    for row in [service_row(external_id="X1", service="Excel befriending")]:
        sheet.append([row.get(column, "") for column in COLUMNS])
    buffer = io.BytesIO()
    book.save(buffer)
    token = token_of(upload(signed_in, buffer.getvalue(), name="Core list.XLSX"))
    page = signed_in.get(f"{UPLOAD}{token}/")
    assert page.context["result"].created == 1
    signed_in.post(f"{UPLOAD}{token}/import/", {"rows": "all"})
    assert Service.objects.get().name == "Excel befriending"
    assert spreadsheet_imports().get().file == "Core list.XLSX"


# Files refused --------------------------------------------------------------------------------


def test_an_unreadable_file_is_explained_on_the_form_and_nothing_is_kept(signed_in, upload_dir):
    response = upload(signed_in, b"not,a,services\nlist,at,all\n", name="wrong.csv")
    assert response.status_code == 200
    text = response.content.decode()
    assert "There is a problem" in text
    assert 'href="#id_file"' in text
    assert "wrong.csv has the wrong header" in text
    assert waiting_files(upload_dir) == []
    assert uploads.SESSION_KEY not in signed_in.session

    broken = upload(signed_in, b"PK\x03\x04 this is no workbook", name="broken.xlsx")
    assert "broken.xlsx is not a readable Excel (.xlsx) file" in broken.content.decode()
    assert waiting_files(upload_dir) == []


def test_a_file_of_another_type_or_none_is_refused(signed_in, upload_dir):
    response = upload(signed_in, b"hello", name="notes.txt")
    assert "Choose a .csv or .xlsx file to upload" not in response.content.decode()
    assert (
        "notes.txt is not a spreadsheet: choose a .csv or .xlsx file" in response.content.decode()
    )
    missing = signed_in.post(UPLOAD, {"source": DEFAULT_SOURCE})
    assert "Choose a .csv or .xlsx file to upload" in missing.content.decode()
    empty = upload(signed_in, b"", name="empty.csv")
    assert "The file is empty" in empty.content.decode()
    assert waiting_files(upload_dir) == []


def test_a_file_over_the_size_limit_is_refused(signed_in, tmp_path, upload_dir, settings):
    settings.SPREADSHEET_UPLOAD_MAX_BYTES = 2048
    content = csv_bytes(tmp_path, [service_row(description="x" * 3000)])
    response = upload(signed_in, content, name="big.csv")
    assert response.status_code == 200
    text = response.content.decode()
    assert "big.csv is larger than 2 KB, the largest file that can be uploaded" in text
    assert "Choose a .csv or .xlsx file" not in text
    assert waiting_files(upload_dir) == []
    assert Service.objects.count() == 0


# Tokens and cleaning up -----------------------------------------------------------------------


def test_a_token_from_another_session_cannot_be_used(signed_in, editor, tmp_path, upload_dir):
    token = token_of(upload(signed_in, csv_bytes(tmp_path, [service_row()])))
    other = Client()
    other.force_login(editor)  # the same person, signed in elsewhere
    assert other.get(f"{UPLOAD}{token}/").status_code == 404
    assert other.post(f"{UPLOAD}{token}/import/", {"rows": "all"}).status_code == 404
    other.post(f"{UPLOAD}{token}/cancel/")
    assert Service.objects.count() == 0
    assert len(waiting_files(upload_dir)) == 1
    assert signed_in.get(f"{UPLOAD}{token}/").status_code == 200


def test_cancel_deletes_the_upload(signed_in, tmp_path, upload_dir):
    token = token_of(upload(signed_in, csv_bytes(tmp_path, [service_row()])))
    response = signed_in.post(f"{UPLOAD}{token}/cancel/", follow=True)
    assert "The upload was cancelled; nothing was imported." in response.content.decode()
    assert waiting_files(upload_dir) == []
    assert signed_in.get(f"{UPLOAD}{token}/").status_code == 404
    assert Service.objects.count() == 0


def test_uploads_older_than_a_day_are_swept(signed_in, tmp_path, upload_dir):
    token = token_of(upload(signed_in, csv_bytes(tmp_path, [service_row()])))
    [waiting] = waiting_files(upload_dir)
    day_old = time.time() - 25 * 3600
    os.utime(waiting, (day_old, day_old))
    token_of(upload(signed_in, csv_bytes(tmp_path, [service_row()])))  # sweeps on upload
    assert not waiting.exists()
    assert len(waiting_files(upload_dir)) == 1
    page = signed_in.get(f"{UPLOAD}{token}/")
    assert page.status_code == 404
    assert "This upload is no longer available" in page.content.decode()


def test_a_result_page_is_only_for_the_person_who_imported(signed_in, tmp_path, editor):
    token = token_of(upload(signed_in, csv_bytes(tmp_path, [service_row()])))
    result_url = signed_in.post(f"{UPLOAD}{token}/import/", {"rows": "all"})["Location"]
    colleague = User.objects.create_user("colleague")
    colleague.user_permissions.set(editor.user_permissions.all())
    other = Client()
    other.force_login(colleague)
    assert other.get(result_url).status_code == 404
    assert signed_in.get(result_url).status_code == 200


def test_a_preview_that_cannot_run_says_why_and_offers_no_import(signed_in, tmp_path):
    rows = [service_row(external_id="S1")]
    token = token_of(upload(signed_in, csv_bytes(tmp_path, rows), new_source="Shared name"))
    # Between the upload and its preview, a feed takes the list's name.
    Source.objects.create(kind=Source.Kind.OPENREFERRAL, name="Shared name")
    text = signed_in.get(f"{UPLOAD}{token}/").content.decode()
    assert "There is a problem" in text
    assert "core-list.csv was not imported: &#x27;Shared name&#x27; is already the name" in text
    assert 'name="rows"' not in text
    assert ">Cancel</button>" in text
    assert Service.objects.count() == 0


def test_an_upload_is_only_ever_found_inside_the_upload_folder(upload_dir):
    session = {
        uploads.SESSION_KEY: {
            "t": {"file": "../../etc/passwd", "name": "x", "source": "s", "at": 0}
        }
    }
    with pytest.raises(ValueError):
        uploads.pending(session, "t")
    assert uploads.pending(session, "another") is None
