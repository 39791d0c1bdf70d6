from django.core.management.base import BaseCommand, CommandError

from signposting.synthetic import generate_referrals


class Command(BaseCommand):
    help = (
        "Generate synthetic referrals with outcomes for report benchmarks (replaces earlier ones)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--referrals", type=int, default=1_000_000)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **options):
        if not 1 <= options["referrals"] <= 5_000_000:
            raise CommandError("--referrals must be from 1 to 5,000,000")
        try:
            made = generate_referrals(referrals=options["referrals"], seed=options["seed"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"Synthetic referrals: {made}."))
