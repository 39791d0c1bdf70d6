"""Import services from a spreadsheet (.csv or .xlsx), the link workers' "core list".

Row numbers are those a spreadsheet shows: the header is row 1, the first service row 2. The
spreadsheet is a source: the services it lists are its own, and re-importing it compares each
row with the service as it is now (directory/actions.py explains ownership and conflicts).
"""

import logging
import zipfile
from pathlib import Path

import pandas as pd
from django.db import transaction

from directory import actions
from directory.importers.base import ImportFileError, ImportResult, record_import
from directory.models import Source
from directory.service_data import COLUMNS, REQUIRED_COLUMNS, ServiceValidator

log = logging.getLogger(__name__)
MAX_ROWS = 100_000
KIND = "services-spreadsheet"
# The source a spreadsheet import writes as when no other name is given.
DEFAULT_SOURCE = "Services spreadsheet"


def read_table(path: Path, name: str | None = None) -> list[dict]:
    """Return the rows of a .csv or .xlsx file as dicts keyed by lower-case header."""
    name = name or path.name
    suffix = Path(name).suffix.lower()
    try:
        if suffix == ".csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        elif suffix == ".xlsx":
            frame = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
        else:
            raise ImportFileError(f"{name}: only .csv and .xlsx files can be imported")
    except pd.errors.EmptyDataError:
        raise ImportFileError(f"{name} is empty: it has no header row") from None
    except (
        UnicodeDecodeError,
        pd.errors.ParserError,
        ValueError,
        OSError,
        KeyError,
        zipfile.BadZipFile,
    ) as exc:
        kind = "CSV" if suffix == ".csv" else "Excel (.xlsx)"
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ImportFileError(f"{name} is not a readable {kind} file: {first_line}") from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    unknown = [c for c in frame.columns if c not in COLUMNS]
    if missing or unknown:
        parts = []
        if missing:
            parts.append("missing column(s): " + ", ".join(missing))
        if unknown:
            parts.append("unknown column(s): " + ", ".join(unknown))
        raise ImportFileError(
            f"{name} has the wrong header ({'; '.join(parts)}). "
            "The columns are those of docs/import-template.csv."
        )
    if len(frame) == 0:
        raise ImportFileError(f"{name} has a header but no services")
    if len(frame) > MAX_ROWS:
        raise ImportFileError(f"{name} has {len(frame)} rows; the most in one file is {MAX_ROWS}")
    return frame.to_dict("records")


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
