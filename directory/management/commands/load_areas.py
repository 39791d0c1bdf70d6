from django.core.management.base import BaseCommand

from directory.importers.geography import load_areas


class Command(BaseCommand):
    help = "Load local authorities (ONS) and ICBs (fixtures/areas/icbs.csv). Idempotent."

    def handle(self, *args, **options):
        created, updated = load_areas()
        self.stdout.write(self.style.SUCCESS(f"Areas: {created} created, {updated} updated."))
