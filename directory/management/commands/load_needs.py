from django.core.management.base import BaseCommand

from directory.needs import load_needs


class Command(BaseCommand):
    help = "Load the need taxonomy from fixtures/needs.csv. Idempotent."

    def handle(self, *args, **options):
        created, updated = load_needs()
        self.stdout.write(self.style.SUCCESS(f"Needs: {created} created, {updated} updated."))
