from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from signposting.backups import BackupError, restore


class Command(BaseCommand):
    help = (
        "Replace the whole database with the backup at PATH, after checking it (nothing changes "
        "if it is missing or damaged). Stop the application first. See docs/operations.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument("--no-input", action="store_false", dest="interactive")

    def handle(self, *args, **options):
        connection = connections[options["database"]]
        if options["interactive"]:
            answer = input(
                f"This replaces everything in {connection.settings_dict['NAME']} with "
                f"{options['path']}. Type 'yes' to go on: "
            )
            if answer != "yes":
                raise CommandError("Restore cancelled: nothing changed.")
        connection.close()  # the restore writes through its own connection
        try:
            restore(connection.settings_dict, options["path"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"Restored from {options['path']}."))
