"""What every importer shares: its error, its counts, and the record of each run.

The importers in this package (spreadsheets of services, Open Referral UK feeds, GP practices
from ODS, postcodes and areas from the ONS) each read their own format, validate everything
before writing, and leave a DataImport row saying what they did.
"""

import logging
from dataclasses import dataclass, field

from directory.models import DataImport

log = logging.getLogger(__name__)


class ImportFileError(ValueError):
    """An import file that cannot be loaded; nothing was written."""


@dataclass
class ImportResult:
    """What one import did, row by row, for the record and for the person who ran it."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    conflicts: int = 0
    archived: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    import_id: int | None = None  # the DataImport that records the run

    @property
    def summary(self) -> str:
        parts = [
            f"{self.created} created",
            f"{self.updated} updated",
            f"{self.unchanged} unchanged",
            f"{self.rejected} rejected",
        ]
        if self.conflicts:
            parts.append(f"{self.conflicts} left as an editor decided")
        if self.archived:
            parts.append(f"{self.archived} archived")
        return ", ".join(parts)


def record_import(kind: str, result: ImportResult, *, file="", owner=None, by=None) -> DataImport:
    """Keep a record of the run: who, when, which file, and what it did."""
    notes = "\n".join([*result.errors[:200], *result.warnings[:200]])
    run = DataImport.objects.create(
        source=kind,
        owner=owner,
        imported_by=by if getattr(by, "pk", None) else None,
        file=str(file)[:500],
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        rejected=result.rejected,
        conflicts=result.conflicts,
        archived=result.archived,
        notes=notes,
    )
    log.info("import %s %s: %s", kind, file, result.summary)
    result.import_id = run.pk
    return run
