"""What a report covers: a period, optionally an area and a team, and who reads it.

A network lead's reports cover whole calendar months (see disclosure.py: every figure is a sum
of month cells, so a period must be a union of months). A team reading its own reports may
choose any dates and sees exact figures.
"""

import calendar
import datetime as dt
from dataclasses import dataclass
from functools import cached_property

from django.db.models import Case, CharField, Q, QuerySet, Value, When
from django.utils import timezone

from directory.models import Area
from signposting.models import Referral, ReferralNeed, Team


@dataclass(frozen=True)
class Scope:
    start: dt.date
    end: dt.date
    area: Area | None = None
    team: Team | None = None
    # True only for a team reading its own reports: figures are then exact, not rounded.
    exact: bool = False

    @cached_property
    def codes(self) -> frozenset[str] | None:
        """The local authority codes of the area (an ICB's members), or None for everywhere."""
        if self.area is None:
            return None
        if self.area.kind == Area.Kind.ICB:
            return frozenset(self.area.members.values_list("code", flat=True))
        return frozenset([self.area.code])

    def local_authorities(self) -> list[str] | None:
        return None if self.codes is None else sorted(self.codes)

    @property
    def months(self) -> list[str]:
        """The months the period touches, as "YYYY-MM", earliest first."""
        return [label for _, label in reversed(month_starts(self))]

    def referrals(self) -> QuerySet:
        """Referrals made in the period (inclusive), for the team, by patients of the area."""
        return self.apply(Referral.objects.all())

    def needs(self) -> QuerySet:
        """The same referrals' (referral, need) rows, filtered on their copied columns."""
        return self.apply(ReferralNeed.objects.all())

    def apply(self, queryset: QuerySet) -> QuerySet:
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(self.start, dt.time.min, tzinfo=tz)
        end = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        queryset = queryset.filter(created_at__gte=start, created_at__lt=end)
        if self.team is not None:
            queryset = queryset.filter(team=self.team)
        if self.codes is not None:
            codes = sorted(self.codes)
            queryset = queryset.filter(Q(home_area__in=codes) | Q(gp_area__in=codes))
        return queryset

    def select(self, cells):
        """The rows of a frame of cells (team, home, gp, month, ...) that the scope covers.

        The same rule as apply(), on cells: an area is the cells whose home or GP borough is in
        it, so any scope a lead may choose is a union of cells."""
        keep = cells["month"].isin(self.months)
        if self.team is not None:
            keep &= cells["team"] == self.team.pk
        if self.codes is not None:
            keep &= cells["home"].isin(self.codes) | cells["gp"].isin(self.codes)
        return cells[keep]


def month_starts(scope: Scope) -> list[tuple[dt.datetime, str]]:
    """The local months the period touches, as (first instant, "YYYY-MM"), latest first."""
    tz = timezone.get_current_timezone()
    months = []
    year, month = scope.start.year, scope.start.month
    while (year, month) <= (scope.end.year, scope.end.month):
        months.append((dt.datetime(year, month, 1, tzinfo=tz), f"{year}-{month:02d}"))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return list(reversed(months))


def month_of(field: str, scope: Scope) -> Case:
    """The local calendar month of a datetime column, computed by the database.

    A CASE over the month boundaries (exact across clock changes, and plain comparisons in C),
    rather than TruncMonth, which SQLite runs as a Python callback for every row.
    """
    months = month_starts(scope)
    return Case(
        *[When(**{f"{field}__gte": start}, then=Value(label)) for start, label in months[:-1]],
        default=Value(months[-1][1]),
        output_field=CharField(),
    )


def last_day(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def whole_months(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The whole months that contain the period."""
    return start.replace(day=1), last_day(end)


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def whole_month_errors(start: dt.date, end: dt.date) -> dict[str, str]:
    """Why a period is not whole months, by parameter (empty if it is), in plain words that
    name the nearest date to use."""
    first, last = whole_months(start, end)
    errors = {}
    if start != first:
        errors["from"] = (
            f"The start date must be the first day of a month, for example {_day(first)} "
            f"({first.isoformat()}): reports across teams cover whole months"
        )
    if end != last:
        errors["to"] = (
            f"The end date must be the last day of a month, for example {_day(last)} "
            f"({last.isoformat()}): reports across teams cover whole months"
        )
    return errors


def default_scope() -> Scope:
    """The twelve whole months up to and including this one."""
    today = timezone.localdate()
    first = today.replace(day=1)
    for _ in range(11):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return Scope(start=first, end=last_day(today))
