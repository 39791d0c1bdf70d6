"""Import services from a spreadsheet (.csv or .xlsx), the link workers' "core list".

Row numbers are those a spreadsheet shows: the header is row 1, the first service row 2. The
spreadsheet is a source: the services it lists are its own, and re-importing it compares each
row with the service as it is now (directory/actions.py explains ownership and conflicts).
"""

import csv
import logging
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
from django.db import transaction

from directory import actions
from directory.importers.base import ImportFileError, ImportResult, record_import
from directory.models import Source
from directory.service_data import COLUMNS, REQUIRED_COLUMNS, ServiceValidator

log = logging.getLogger(__name__)
MAX_ROWS = 100_000
# An .xlsx is a zip of XML parts: their sizes unpacked, as its directory declares them (the zip
# reader stops at the declared size), are checked before anything is unpacked. A real list of
# 100,000 services is well under this; a "zip bomb" of a few hundred KB is far over it.
MAX_XLSX_UNPACKED_BYTES = 200 * 1024 * 1024
KIND = "services-spreadsheet"
# The source a spreadsheet import writes as when no other name is given.
DEFAULT_SOURCE = "Services spreadsheet"


def read_table(path: Path, name: str | None = None) -> list[dict]:
    """Return the rows of a .csv or .xlsx file as dicts keyed by lower-case header.

    Rows are counted as they are read, and reading stops at the first row past MAX_ROWS, so a
    huge file is refused without being read whole. An .xlsx is checked as a zip (its parts,
    their unpacked size) before it is opened. Any file that cannot be read gets an
    ImportFileError saying why, never a traceback."""
    name = name or path.name
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        reader, kind = _csv_rows, "CSV"
    elif suffix == ".xlsx":
        reader, kind = _xlsx_rows, "Excel (.xlsx)"
    else:
        raise ImportFileError(f"{name}: only .csv and .xlsx files can be imported")
    try:
        rows = reader(path, name)
        header = next(rows, None)
        if header is None:
            raise ImportFileError(f"{name} is empty: it has no header row")
        columns = _columns(header, name)
        records = []
        for row in rows:
            if len(records) == MAX_ROWS:
                raise ImportFileError(
                    f"{name} has more than {MAX_ROWS:,} rows, the most in one file: "
                    "split it into smaller files"
                )
            records.append(_record(columns, row, len(records) + 2, name))
    except ImportFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the person's to fix
        text = str(exc).strip()
        first_line = text.splitlines()[0] if text else type(exc).__name__
        log.info("unreadable spreadsheet %s: %s", name, type(exc).__name__)
        raise ImportFileError(f"{name} is not a readable {kind} file: {first_line}") from None
    if not records:
        raise ImportFileError(f"{name} has a header but no services")
    return records


def _columns(header: list[str], name: str) -> list[str]:
    """The header's column names, checked against the template's."""
    columns = [str(c).strip().lower() for c in header]
    while columns and not columns[-1]:
        columns.pop()
    blank = [str(i + 1) for i, c in enumerate(columns) if not c]
    if blank:
        raise ImportFileError(
            f"{name} has a column with no header (column {', '.join(blank)}). "
            "The columns are those of docs/import-template.csv."
        )
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    unknown = [c for c in columns if c not in COLUMNS]
    if missing or unknown or repeated:
        parts = []
        if missing:
            parts.append("missing column(s): " + ", ".join(missing))
        if unknown:
            parts.append("unknown column(s): " + ", ".join(unknown))
        if repeated:
            parts.append("repeated column(s): " + ", ".join(repeated))
        raise ImportFileError(
            f"{name} has the wrong header ({'; '.join(parts)}). "
            "The columns are those of docs/import-template.csv."
        )
    return columns


def _record(columns: list[str], row: list[str], row_no: int, name: str) -> dict:
    extra = [value for value in row[len(columns) :] if value.strip()]
    if extra:
        raise ImportFileError(
            f"{name}, row {row_no}: it has {len(row)} cells but the header has {len(columns)} "
            "columns"
        )
    values = row[: len(columns)] + [""] * (len(columns) - len(row))
    return dict(zip(columns, values, strict=True))


def _csv_rows(path: Path, name: str) -> Iterator[list[str]]:
    """Each line of a CSV file as a list of texts, read as it goes; blank lines skipped."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.reader(fh):
            if row:
                yield row


def _xlsx_rows(path: Path, name: str) -> Iterator[list[str]]:
    """Each row of an .xlsx's first sheet as a list of texts, read as it goes (openpyxl's
    read-only mode). Empty rows at the end are dropped; those between rows are kept, so that
    row numbers stay those the spreadsheet shows."""
    _check_xlsx_archive(path, name)
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        if not book.worksheets:
            raise ImportFileError(f"{name} has no sheets")
        empty_run = 0
        for values in book.worksheets[0].iter_rows(values_only=True):
            row = [_cell_text(value) for value in values]
            if not any(text.strip() for text in row):
                empty_run += 1
                continue
            for _ in range(empty_run):
                yield []
            empty_run = 0
            yield row
    finally:
        book.close()


def _check_xlsx_archive(path: Path, name: str) -> None:
    """Refuse an .xlsx that is not a workbook, or that would unpack too large, before opening it."""
    if not zipfile.is_zipfile(path):
        raise ImportFileError(
            f"{name} is not a readable Excel (.xlsx) file: it is not a zip archive, as every "
            ".xlsx is (an older .xls, or a password-protected workbook? Save it as .xlsx or .csv)"
        )
    with zipfile.ZipFile(path) as archive:
        parts = archive.infolist()
    names = {part.filename for part in parts}
    if "[Content_Types].xml" not in names:
        raise ImportFileError(
            f"{name} is not a readable Excel (.xlsx) file: it has no [Content_Types].xml part, "
            "so it is a zip but not a workbook. Save it again from your spreadsheet as .xlsx"
        )
    unpacked = sum(part.file_size for part in parts)
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise ImportFileError(
            f"{name} would unpack to {unpacked / 1024 / 1024:,.0f} MB, more than the "
            f"{MAX_XLSX_UNPACKED_BYTES / 1024 / 1024:,.0f} MB an .xlsx may hold: "
            "split it into smaller files, or save it as .csv"
        )


def _cell_text(value) -> str:
    """A cell as text, as pandas' read_excel(dtype=str) gave it: a whole number without ".0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def import_services(
    path: Path,
    *,
    skip_invalid: bool = False,
    source_name: str | None = None,
    name: str | None = None,
    by=None,
    dry_run: bool = False,
) -> ImportResult:
    """Validate every row, then write all of them in one transaction (or none).

    The source is the spreadsheet's name as a source of listings (DEFAULT_SOURCE unless
    `source_name` names another), so that next month's copy of the same list, whatever its
    file is called, rewrites the same services.
    With `dry_run`, everything is checked and counted as it would be, and nothing is kept.
    """
    name = name or path.name
    rows = read_table(path, name)
    source_name = (source_name or "").strip() or DEFAULT_SOURCE
    with transaction.atomic():
        try:
            source = actions.source_for(Source.Kind.SPREADSHEET, source_name)
        except actions.DirectoryWriteError as exc:
            raise ImportFileError(f"{name} was not imported: {exc}") from None
        result = _import_rows(rows, name, source, skip_invalid, by)
        if dry_run:
            transaction.set_rollback(True)
    return result


def _import_rows(rows, name, source, skip_invalid, by) -> ImportResult:
    validator = ServiceValidator()
    validator.prefetch_postcodes(row.get("postcode", "") for row in rows)
    result = ImportResult()
    records, labels, seen = [], [], {}
    for index, row in enumerate(rows):
        row_no = index + 2
        if not any(str(v).strip() for v in row.values()):
            continue
        record, problems = validator.validate(row)
        if record is not None:
            if record.external_id:
                key, column = ("id", record.external_id), "external_id"
            else:
                key, column = ("name", record.organisation.lower(), record.name.lower()), "service"
            if key in seen:
                problems = [(column, f"repeats row {seen[key]}")]
                record = None
            else:
                seen[key] = row_no
        if record is None:
            result.errors.extend(
                f"row {row_no}, {column}: {message}" for column, message in problems
            )
            result.rejected += 1
        else:
            records.append(record)
            labels.append(f"row {row_no}")
    targets = actions.find_existing(records)
    allowed = []
    for record, target, label in zip(records, targets, labels, strict=True):
        problem = actions.owner_problem(target, source) if target is not None else None
        if problem:
            result.errors.append(f"{label}, service: {problem}")
            result.rejected += 1
        else:
            allowed.append((record, target, label))
    if result.errors and not skip_invalid:
        raise ImportFileError(
            f"{name} was not imported: {result.rejected} row(s) have problems. "
            "Fix them, or import the valid rows only.\n" + "\n".join(result.errors)
        )
    written = actions.save_services(
        [r for r, _, _ in allowed],
        source=source,
        targets=[t for _, t, _ in allowed],
        labels=[label for _, _, label in allowed],
    )
    result.created, result.updated, result.unchanged = (
        written.created,
        written.updated,
        written.unchanged,
    )
    result.conflicts = written.conflicts
    result.warnings = written.warnings
    record_import(KIND, result, file=name, owner=source, by=by)
    return result
