from django.core.management.base import BaseCommand, CommandError

from directory.synthetic import generate_directory


class Command(BaseCommand):
    help = (
        "Generate a synthetic national directory for benchmarks (replaces earlier synthetic "
        "services, leaves all others). Needs load_postcodes --all for national coverage."
    )

    def add_arguments(self, parser):
        parser.add_argument("--services", type=int, default=200_000)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **options):
        if not 1 <= options["services"] <= 2_000_000:
            raise CommandError("--services must be from 1 to 2,000,000")
        try:
            made = generate_directory(services=options["services"], seed=options["seed"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"Synthetic directory: {made} services."))
