"""The one write path for the directory: every change to a listing goes through here.

The admin, the API, the spreadsheet and Open Referral UK importers, the review queue and the
demo loader all call these functions, so a listing means the same whichever way it arrives and
every change moves the directory revision (which matching's index follows).
"""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from directory.models import DirectoryRevision, Service

log = logging.getLogger(__name__)

# Fields a simple change (a review decision, a status) may set without a whole new record.
SIMPLE_FIELDS = frozenset(
    {"status", "capacity", "last_reviewed", "editor_decision_at", "eligibility_published"}
)


@transaction.atomic
def update_service(service: Service, **changes) -> Service:
    """Change a few plain fields of one service, checked as the model checks them."""
    unknown = set(changes) - SIMPLE_FIELDS
    if unknown:
        raise ValueError(f"update_service cannot set {', '.join(sorted(unknown))}")
    for name, value in changes.items():
        setattr(service, name, value)
    service.full_clean(exclude=["organisation", "source", "needs"], validate_unique=False)
    service.updated_at = timezone.now()
    service.save(update_fields=[*changes, "updated_at"])
    DirectoryRevision.bump()
    log.info("directory service %s updated: %s", service.pk, ", ".join(sorted(changes)))
    return service


def archive_service(service: Service) -> Service:
    """Take a listing out of search and feeds; it is never deleted (outcomes refer to it)."""
    return update_service(service, status=Service.Status.ARCHIVED)


__all__ = ["ValidationError", "archive_service", "update_service"]
