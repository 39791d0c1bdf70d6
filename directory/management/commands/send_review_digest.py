"""Email the editors what the review queue holds; run weekly (docs/review-queue.md)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from directory.reviews import editors, send_review_digest


class Command(BaseCommand):
    help = (
        "Email every active directory editor the listings with open problems and those due for "
        "review. Sends nothing when nothing is due."
    )

    def handle(self, *args, **options):
        if not editors().exclude(email="").exists():
            self.stderr.write("No active directory editor has an email address: nothing sent.")
            return
        sent = send_review_digest(site_url=settings.SITE_URL)
        if sent:
            self.stdout.write(f"Review digest sent to {sent} editor{'s' if sent != 1 else ''}.")
        else:
            self.stdout.write("Nothing to review: no digest sent.")
