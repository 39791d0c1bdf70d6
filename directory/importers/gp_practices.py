"""Import GP practices from NHS ODS `epraccur.csv` files.

The file has no header row. Columns used (1-based, as in the ODS documentation): 1 organisation
code, 2 name, 10 postcode, 13 status code (A active, C closed, D dormant, P proposed).
"""

import csv
import logging
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from directory.importers.base import ImportFileError, ImportResult, record_import
from directory.models import GPPractice, Postcode
from directory.postcodes import InvalidPostcode, normalise_postcode

log = logging.getLogger(__name__)

MIN_COLUMNS = 10
STATUSES = {"A", "C", "D", "P", ""}


@dataclass
class PracticeImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    without_known_postcode: list[str] = field(default_factory=list)


def read_epraccur(path: Path) -> list[GPPractice]:
    """Parse and validate every line, raising ImportFileError that names each bad line."""
    practices: dict[str, GPPractice] = {}
    errors: list[str] = []
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            for line_no, row in enumerate(csv.reader(fh), start=1):
                if not any(cell.strip() for cell in row):
                    continue
                problem = _problem(row)
                if problem:
                    errors.append(f"line {line_no}: {problem}")
                    continue
                code = row[0].strip().upper()
                if code in practices:
                    errors.append(f"line {line_no}: practice code {code} appears twice")
                    continue
                status = row[12].strip().upper() if len(row) > 12 else ""
                practices[code] = GPPractice(
                    code=code,
                    name=row[1].strip(),
                    postcode=normalise_postcode(row[9]),
                    status=status,
                )
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"{path.name} is not a UTF-8 text file ({exc.reason})") from None
    except csv.Error as exc:
        raise ImportFileError(f"{path.name} is not a readable CSV file: {exc}") from None
    if errors:
        raise ImportFileError(
            f"{path.name} was not imported: {len(errors)} bad line(s). " + "; ".join(errors[:20])
        )
    if not practices:
        raise ImportFileError(f"{path.name} holds no practices")
    return list(practices.values())


def _problem(row: list[str]) -> str | None:
    if len(row) < MIN_COLUMNS:
        return f"expected at least {MIN_COLUMNS} columns, found {len(row)}"
    if not row[0].strip() or not row[0].strip().isalnum():
        return f"organisation code {row[0]!r} is not an ODS code"
    if not row[1].strip():
        return "the practice name is empty"
    try:
        normalise_postcode(row[9])
    except InvalidPostcode as exc:
        return f"postcode: {exc}"
    if len(row) > 12 and row[12].strip().upper() not in STATUSES:
        return f"status code {row[12]!r} is not one of A, C, D, P"
    return None


@transaction.atomic
def import_gp_practices(path: Path) -> PracticeImportResult:
    """Create or update the practices of an epraccur file; all or nothing."""
    practices = read_epraccur(path)
    la_of = dict(
        Postcode.objects.filter(postcode__in=[p.postcode for p in practices]).values_list(
            "postcode", "local_authority_id"
        )
    )
    existing = {p.code: p for p in GPPractice.objects.filter(code__in=[p.code for p in practices])}
    result = PracticeImportResult()
    to_create, to_update = [], []
    for practice in practices:
        practice.local_authority_id = la_of.get(practice.postcode)
        if practice.postcode not in la_of:
            result.without_known_postcode.append(practice.code)
        old = existing.get(practice.code)
        if old is None:
            to_create.append(practice)
        elif _fields(old) != _fields(practice):
            to_update.append(practice)
        else:
            result.unchanged += 1
    GPPractice.objects.bulk_create(to_create, batch_size=2000)
    GPPractice.objects.bulk_update(
        to_update, ["name", "postcode", "status", "local_authority"], batch_size=2000
    )
    result.created, result.updated = len(to_create), len(to_update)
    record_import(
        "ods-epraccur",
        ImportResult(
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            warnings=[f"{len(result.without_known_postcode)} practices have a postcode not loaded"],
        ),
        file=path,
    )
    return result


def _fields(p: GPPractice) -> tuple:
    return (p.name, p.postcode, p.status, p.local_authority_id)
