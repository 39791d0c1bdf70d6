"""Import services from a spreadsheet (.csv or .xlsx), the link workers' "core list".

Row numbers are those a spreadsheet shows: the header is row 1, the first service row 2.
"""

import logging
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from directory.errors import ImportFileError
from directory.models import DataImport
from directory.service_data import (
    COLUMNS,
    REQUIRED_COLUMNS,
    ServiceValidator,
    find_existing,
    write_services,
)

log = logging.getLogger(__name__)
MAX_ROWS = 100_000


@dataclass
class ServiceImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[str] = field(default_factory=list)


def read_table(path: Path) -> list[dict]:
    """Return the rows of a .csv or .xlsx file as dicts keyed by lower-case header."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        elif suffix == ".xlsx":
            frame = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
        else:
            raise ImportFileError(f"{path.name}: only .csv and .xlsx files can be imported")
    except pd.errors.EmptyDataError:
        raise ImportFileError(f"{path.name} is empty: it has no header row") from None
    except (
        UnicodeDecodeError,
        pd.errors.ParserError,
        ValueError,
        OSError,
        zipfile.BadZipFile,
    ) as exc:
        kind = "CSV" if suffix == ".csv" else "Excel (.xlsx)"
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ImportFileError(f"{path.name} is not a readable {kind} file: {first_line}") from None
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
            f"{path.name} has the wrong header ({'; '.join(parts)}). "
            "The columns are those of docs/import-template.csv."
        )
    if len(frame) == 0:
        raise ImportFileError(f"{path.name} has a header but no services")
    if len(frame) > MAX_ROWS:
        raise ImportFileError(
            f"{path.name} has {len(frame)} rows; the most in one file is {MAX_ROWS}"
        )
    return frame.to_dict("records")


def import_services(path: Path, *, skip_invalid: bool = False) -> ServiceImportResult:
    """Validate every row, then write all of them in one transaction (or none)."""
    rows = read_table(path)
    validator = ServiceValidator()
    validator.prefetch_postcodes(row.get("postcode", "") for row in rows)
    result = ServiceImportResult()
    records, seen = [], {}
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
    if result.errors and not skip_invalid:
        raise ImportFileError(
            f"{path.name} was not imported: {result.rejected} row(s) have problems. "
            "Fix them, or use --skip-invalid to import the valid rows.\n" + "\n".join(result.errors)
        )
    written = write_services(records, find_existing(records))
    result.created, result.updated, result.unchanged = (
        written.created,
        written.updated,
        written.unchanged,
    )
    DataImport.objects.create(
        source="services-spreadsheet",
        file=str(path),
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        rejected=result.rejected,
        notes="\n".join(result.errors[:200]),
    )
    log.info("import_services %s %s", path, result)
    return result
