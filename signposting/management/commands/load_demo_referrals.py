from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from signposting.demo import load_demo_referrals


class Command(BaseCommand):
    help = "Create about 2,000 demo referrals with outcomes over 12 months (DEBUG only), once."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=2000)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo referrals are only created with DEBUG on.")
        try:
            made = load_demo_referrals(count=options["count"], seed=options["seed"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if made:
            self.stdout.write(self.style.SUCCESS(f"Demo referrals: {made} created."))
        else:
            self.stdout.write("Demo referrals already exist: nothing changed.")
