from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from directory.importers.base import ImportFileError
from directory.importers.spreadsheet import import_services


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
        parser.add_argument(
            "--source",
            help="the spreadsheet's name as a source of listings (default: Services spreadsheet)",
        )

    def handle(self, *args, **options):
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            result = import_services(
                path, skip_invalid=options["skip_invalid"], source_name=options["source"]
            )
        except ImportFileError as exc:
            raise CommandError(str(exc)) from None
        for error in result.errors:
            self.stderr.write(f"skipped {error}")
        for warning in result.warnings:
            self.stderr.write(f"conflict {warning}")
        self.stdout.write(self.style.SUCCESS(f"Services: {result.summary}."))
