from django.conf import settings
from django.core.management.base import BaseCommand

from audit.log import prune, retention_cutoff


class Command(BaseCommand):
    help = (
        "Delete audit log rows older than AUDIT_RETENTION_DAYS (the only deletion the log "
        "allows). Run it daily."
    )

    def handle(self, *args, **options):
        cutoff = retention_cutoff()
        deleted = prune()
        self.stdout.write(
            f"Deleted {deleted} audit events recorded before {cutoff:%Y-%m-%d %H:%M} UTC "
            f"(kept {settings.AUDIT_RETENTION_DAYS} days)."
        )
