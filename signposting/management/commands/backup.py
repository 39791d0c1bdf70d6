from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from signposting.backups import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the whole database to PATH, checked before it is kept (SQLite: online backup "
        "and integrity check; PostgreSQL: pg_dump's custom format). See docs/operations.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, **options):
        try:
            path = backup(connections[options["database"]].settings_dict, options["path"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(f"Backed up to {path} ({path.stat().st_size:,} bytes).")
        )
