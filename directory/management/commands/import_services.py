from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from directory.errors import ImportFileError
from directory.service_import import import_services


class Command(BaseCommand):
    help = (
        "Import services from a .csv or .xlsx file shaped like docs/import-template.csv. "
        "Nothing is imported if any row is invalid, unless --skip-invalid."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--skip-invalid", action="store_true", help="import the valid rows, report the rest"
        )

    def handle(self, *args, **options):
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            result = import_services(path, skip_invalid=options["skip_invalid"])
        except ImportFileError as exc:
            raise CommandError(str(exc)) from None
        for error in result.errors:
            self.stderr.write(f"skipped {error}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Services: {result.created} created, {result.updated} updated, "
                f"{result.unchanged} unchanged, {result.rejected} rejected."
            )
        )
