"""The need taxonomy, loaded from fixtures/needs.csv."""

import csv
from pathlib import Path

from django.conf import settings
from django.db import transaction

from directory.models import DirectoryRevision, Need

NEEDS_FILE = Path(settings.BASE_DIR) / "fixtures" / "needs.csv"


@transaction.atomic
def load_needs(path: Path = NEEDS_FILE) -> tuple[int, int]:
    """Create or update every need in the file; return (created, updated)."""
    created = updated = 0
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            values = {k: row[k].strip() for k in ("name", "description", "synonyms")}
            need, was_created = Need.objects.get_or_create(
                slug=row["slug"].strip(), defaults=values
            )
            if was_created:
                created += 1
            elif any(getattr(need, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(need, k, v)
                need.save()
                updated += 1
    if created or updated:
        # Matching's index knows needs by name and synonym: a new or renamed one must be seen
        # on the next request, whether or not this loader writes through signals.
        DirectoryRevision.bump()
    return created, updated
