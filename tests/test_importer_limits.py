"""The spreadsheet importer's limits (directory/importers/spreadsheet.py read_table): rows are
counted while the file is read, an .xlsx that would unpack too large or is not a workbook is
refused before it is opened, and any malformed file gets a clear message, through the function,
the command and the upload page."""

import os
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from directory.importers import spreadsheet
from directory.importers.base import ImportFileError
from directory.importers.spreadsheet import DEFAULT_SOURCE, MAX_ROWS, read_table
from directory.models import Service

from .factories import service_row

HEADER = ",".join(service_row())


def too_many_rows(path, then: bytes = b""):
    """A CSV with MAX_ROWS + 1 short rows, then `then` (bytes that would fail if read)."""
    with open(path, "wb") as fh:
        fh.write(HEADER.encode() + b"\n")
        line = ("," * (len(service_row()) - 1)).encode() + b"\n"
        for start in range(0, MAX_ROWS + 1, 10_000):
            fh.write(line * min(10_000, MAX_ROWS + 1 - start))
        fh.write(then)
    return path


def zip_bomb(path, unpacked_mb: int = 210):
    """An .xlsx-shaped zip whose one sheet unpacks to unpacked_mb of the same row, over and over."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        chunk = b'<row><c t="inlineStr"><is><t>AAAAAAAAAAAAAAAAAAAAAAAA</t></is></c></row>' * 16384
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            for _ in range(unpacked_mb * 1024 * 1024 // len(chunk) + 1):
                part.write(chunk)
    return path


def no_content_types(path):
    """A real workbook with its [Content_Types].xml taken out."""
    book = Workbook()
    book.active.append(list(service_row()))
    book.active.append(list(service_row().values()))
    whole = path.with_name("whole.xlsx")
    book.save(whole)
    with zipfile.ZipFile(whole) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            if item.filename != "[Content_Types].xml":
                target.writestr(item, source.read(item.filename))
    return path


def random_binary(path):
    path.write_bytes(os.urandom(20_000))
    return path


BAD_FILES = {
    "too many rows": ("rows.csv", too_many_rows, "has more than 100,000 rows"),
    "zip bomb": ("bomb.xlsx", zip_bomb, "would unpack to 210 MB, more than the 200 MB"),
    "no content types": ("parts.xlsx", no_content_types, "has no [Content_Types].xml part"),
    "random binary": ("random.xlsx", random_binary, "it is not a zip archive"),
}


def test_the_row_limit_is_reached_without_reading_the_rest(tmp_path):
    # 50,000 more rows, then bytes that are not UTF-8: reading them would be another error.
    line = ("," * (len(service_row()) - 1)).encode() + b"\n"
    then = line * 50_000 + b"\xff\xfe not text at all\n" * 1000
    path = too_many_rows(tmp_path / "rows.csv", then=then)
    with pytest.raises(ImportFileError, match="rows.csv has more than 100,000 rows"):
        read_table(path)


def test_exactly_the_limit_is_read(tmp_path):
    path = tmp_path / "limit.csv"
    too_many_rows(path)
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:-1]))  # the header and MAX_ROWS rows
    assert len(read_table(path)) == MAX_ROWS


def test_the_xlsx_row_limit_is_counted_while_streaming(tmp_path, monkeypatch):
    monkeypatch.setattr(spreadsheet, "MAX_ROWS", 3)
    book = Workbook()
    book.active.append(list(service_row()))
    for n in range(5):
        book.active.append(list(service_row(external_id=f"X{n}").values()))
    book.save(tmp_path / "five.xlsx")
    with pytest.raises(ImportFileError, match="has more than 3 rows"):
        read_table(tmp_path / "five.xlsx")


def test_the_zip_bomb_is_refused_from_its_directory_before_it_is_opened(tmp_path, monkeypatch):
    path = zip_bomb(tmp_path / "bomb.xlsx")
    assert path.stat().st_size < 2 * 1024 * 1024  # a small upload
    opened = []
    monkeypatch.setattr(spreadsheet.openpyxl, "load_workbook", lambda *a, **k: opened.append(a))
    with pytest.raises(ImportFileError, match="bomb.xlsx would unpack to 210 MB"):
        read_table(path)
    assert opened == []


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_each_bad_file_gets_a_clear_message_from_the_function(tmp_path, case):
    name, make, message = BAD_FILES[case]
    path = make(tmp_path / name)
    with pytest.raises(ImportFileError) as error:
        read_table(path)
    assert message in str(error.value)
    assert str(error.value).startswith(name)


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_each_bad_file_gets_a_clear_message_from_the_command(db, tmp_path, case):
    name, make, message = BAD_FILES[case]
    path = make(tmp_path / name)
    with pytest.raises(CommandError, match=message.replace("[", r"\[").replace("]", r"\]")):
        call_command("import_services", str(path))
    assert Service.objects.count() == 0


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_each_bad_file_gets_a_clear_message_on_the_upload_page(
    client, editor, settings, tmp_path, case
):
    settings.SPREADSHEET_UPLOAD_DIR = tmp_path / "uploads"
    name, make, message = BAD_FILES[case]
    path = make(tmp_path / name)
    client.force_login(editor)
    response = client.post(
        "/directory/import/",
        {
            "source": DEFAULT_SOURCE,
            "new_source": "",
            "file": SimpleUploadedFile(name, path.read_bytes()),
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page.replace("&#x27;", "'")
    assert not list((tmp_path / "uploads").glob("*"))  # nothing kept


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (HEADER.encode() + b"\n" + b"x," * 40 + b"\n", "row 2: it has 41 cells but the header has"),
        (HEADER.encode() + b",needs\n", "repeated column(s): needs"),
        (b"organisation,,service\n", "a column with no header (column 2)"),
        (HEADER.encode() + b'\n"' + b"x" * 200_000 + b'"\n', "is not a readable CSV file"),
    ],
)
def test_malformed_csv_files_get_a_clear_message(tmp_path, content, message):
    path = tmp_path / "odd.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFileError) as error:
        read_table(path)
    assert message in str(error.value)


def test_a_workbook_reads_as_before(tmp_path):
    """Numbers, dates and blank rows between services come through as pandas gave them."""
    import datetime as dt

    book = Workbook()
    columns = list(service_row())
    book.active.append(columns)
    first = service_row(external_id="A1")
    values = [first[c] for c in columns]
    values[columns.index("min_age")] = 18
    values[columns.index("max_age")] = 65.0
    values[columns.index("last_reviewed")] = dt.datetime(2026, 1, 5)
    book.active.append(values)
    book.active.append([None] * len(columns))
    book.active.append([service_row(external_id="A2")[c] for c in columns])
    book.active.append([None] * len(columns))
    book.save(tmp_path / "book.xlsx")
    rows = read_table(tmp_path / "book.xlsx")
    assert len(rows) == 3  # the blank row between is kept (row numbers), the one at the end not
    assert rows[0]["min_age"] == "18" and rows[0]["max_age"] == "65"
    assert rows[0]["last_reviewed"] == "2026-01-05 00:00:00"
    assert not any(rows[1].values())
    assert rows[2]["external_id"] == "A2"
