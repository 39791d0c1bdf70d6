"""Validators shared by forms, filters and serializers in every app
(docs/security-headers-and-limits.md)."""

import datetime as dt

from django.core.exceptions import ValidationError

EARLIEST_DATE = dt.date(2000, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)


def plausible_date(value: dt.date | None) -> None:
    """Refuse a date outside 2000-01-01 to 2100-12-31: no referral, session or report is
    outside, and a date far out (9999-12-31) overflows date arithmetic."""
    if value is None:
        return
    if isinstance(value, dt.datetime):
        value = value.date()
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(
            f"Give a date from {EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}; "
            f"{value.isoformat()} is outside.",
            code="date_out_of_range",
        )
