"""Write the audit log (one insert an event) and prune it after the retention period.

Nothing that could identify a patient goes in: ids, usernames, action names and paths without
their query strings, with anything shaped like a full postcode replaced.
"""

import contextlib
import contextvars
import datetime as dt
import logging
import re

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from audit.models import Action, AuditEvent

log = logging.getLogger(__name__)

# A full UK postcode, with or without its space (a path may carry one: /api/v1/postcodes/...).
POSTCODE = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2}", re.IGNORECASE)
HIDDEN = "[postcode]"

# While set, the database triggers let rows recorded before this moment be deleted (prune).
# Read by the SQLite trigger's function.
_deletable_before: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "audit_deletable_before", default=None
)


def scrubbed(text: str, limit: int) -> str:
    """The text with anything shaped like a full postcode hidden, cut to the column's size."""
    return POSTCODE.sub(HIDDEN, text or "")[:limit]


def _path(request) -> str:
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match is not None and match.kwargs.get("postcode"):
        path = path.replace(str(match.kwargs["postcode"]), HIDDEN)
    return path


REQUEST_USER = object()


def record(
    request,
    action: Action,
    *,
    user=REQUEST_USER,
    username: str = "",
    referral_id: int | None = None,
    detail: str = "",
) -> AuditEvent:
    """Append one event. The user is the request's signed-in user unless given (None: nobody
    signed in, and `username` is the name tried)."""
    if user is REQUEST_USER:
        user = getattr(request, "user", None) if request is not None else None
        if user is not None and not user.is_authenticated:
            user = None
    if user is not None:
        username = user.get_username()
    return AuditEvent.objects.create(
        action=action,
        user_id=user.pk if user is not None else None,
        username=scrubbed(username, 150),
        referral_id=referral_id,
        detail=scrubbed(detail, 100),
        method=(request.method or "")[:8] if request is not None else "",
        path=scrubbed(_path(request), 300) if request is not None else "",
        ip_address=(request.META.get("REMOTE_ADDR") or None) if request is not None else None,
    )


def deletable_before() -> str | None:
    """The moment before which rows may now be deleted, in the database's text form, or None."""
    return _deletable_before.get()


@contextlib.contextmanager
def deletion_allowed(before: str):
    """Let the triggers allow deleting rows recorded before `before` (the database's text form
    on SQLite, ISO 8601 on PostgreSQL). On PostgreSQL call it inside a transaction: the setting
    lasts until the transaction ends."""
    token = _deletable_before.set(before)
    try:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('signpost.audit_deletable_before', %s, true)", [before]
                )
        yield
    finally:
        _deletable_before.reset(token)


def retention_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """Rows older than this are past the retention period (AUDIT_RETENTION_DAYS)."""
    return (now or timezone.now()) - dt.timedelta(days=settings.AUDIT_RETENTION_DAYS)


def prune(*, now: dt.datetime | None = None) -> int:
    """Delete the rows older than the retention period, and only those; return how many."""
    cutoff = retention_cutoff(now)
    value = connection.ops.adapt_datetimefield_value(cutoff)
    text = value if isinstance(value, str) else cutoff.isoformat()
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with transaction.atomic(), deletion_allowed(text), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE at < %s", [value])  # noqa: S608
        deleted = cursor.rowcount
    log.info("Pruned %s audit events recorded before %s", deleted, cutoff.isoformat())
    return deleted
