from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from directory.importers.base import ImportFileError
from directory.importers.gp_practices import import_gp_practices


class Command(BaseCommand):
    help = "Import GP practices from an NHS ODS epraccur.csv file (no header row). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, **options):
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            result = import_gp_practices(path)
        except ImportFileError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"GP practices: {result.created} created, {result.updated} updated, "
                f"{result.unchanged} unchanged."
            )
        )
        if result.without_known_postcode:
            self.stdout.write(
                f"{len(result.without_known_postcode)} practice(s) have a postcode that is not "
                "loaded, so no local authority: " + ", ".join(result.without_known_postcode[:10])
            )
