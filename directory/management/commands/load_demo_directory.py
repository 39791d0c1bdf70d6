from django.core.management.base import BaseCommand, CommandError

from directory.demo import load_demo_directory
from directory.importers.base import ImportFileError
from directory.needs import load_needs


class Command(BaseCommand):
    help = "Load the fictional demo directory (about 200 services). Idempotent for a seed."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **options):
        load_needs()
        try:
            result = load_demo_directory(options["seed"])
        except ImportFileError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo directory: {result.created} created, {result.updated} updated, "
                f"{result.unchanged} unchanged."
            )
        )
