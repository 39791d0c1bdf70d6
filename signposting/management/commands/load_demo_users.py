from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo_accounts import DEMO_PASSWORD
from signposting.demo import load_demo_users


class Command(BaseCommand):
    help = "Create demo teams and one user per role (DEBUG only). Idempotent."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo users are only created with DEBUG on (never in production).")
        users = load_demo_users()
        self.stdout.write(self.style.SUCCESS(f"Demo users (password for all: {DEMO_PASSWORD}):"))
        for username, role, team in users:
            self.stdout.write(f"  {username:<18} {role:<17} {team or ''}")
