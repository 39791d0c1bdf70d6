from django.core.management.base import BaseCommand, CommandError

from directory.importers.base import ImportFileError
from directory.importers.openreferral import import_openreferral


class Command(BaseCommand):
    help = (
        "Import services from an Open Referral UK 3.0 feed (its API base URL) or a JSON file "
        "(a /services list page or one service). Run it again to refresh: a second run with no "
        "change in the feed changes nothing; services withdrawn from the feed are archived."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="an ORUK API base URL, or a path to a JSON file")

    def handle(self, *args, **options):
        try:
            result = import_openreferral(options["source"])
        except ImportFileError as exc:
            raise CommandError(f"Nothing was imported. {exc}") from None
        for error in result.errors:
            self.stderr.write(f"skipped {error}")
        for warning in result.warnings:
            self.stderr.write(f"note {warning}")
        self.stdout.write(self.style.SUCCESS(f"Services: {result.summary}."))
