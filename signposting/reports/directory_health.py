"""Directory health: the state of the published services, by the area they serve.

Counted by the database (COUNT ... GROUP BY, two queries), not by reading every service: at
200,000 services the report costs a few hundred milliseconds nationally and a few for one
area (docs/benchmarks.md).
"""

import pandas as pd
from django.db.models import Case, CharField, Count, Exists, OuterRef, Q, Value, When
from django.utils import timezone

from directory.models import Area, DirectoryRevision, Service
from directory.queries import review_due, serving_codes
from signposting.reports.cells import ReportData, _fetch
from signposting.reports.scope import Scope

COLUMNS = [
    "area",
    "services",
    "not_reviewed_12_months",
    "no_contact_details",
    "closed",
    "waiting_list",
]
NATIONAL = "National"  # services that serve the whole country, whatever areas they list
NO_AREA = "None"  # services that list no area and do not serve nationally


def directory_health_report(scope: Scope, data: ReportData | None = None) -> pd.DataFrame:
    """Published services by the area they serve: stale reviews, no contact details, closed,
    waiting lists. A point-in-time report: the period does not apply."""
    stamp = (DirectoryRevision.current(), timezone.localdate(), scope.area and scope.area.code)
    if stamp not in _cache:
        if len(_cache) > 64:
            _cache.clear()
        _cache[stamp] = _health(scope)
    return _cache[stamp].copy()


# Facts about the directory, not patients: kept per process until the directory changes (its
# revision token), the day changes (reviews fall due) or another area is asked for.
_cache: dict[tuple, pd.DataFrame] = {}


def _counts(prefix: str = "", where: Q | None = None) -> dict:
    """One conditional count per column, of the services reached through prefix (and meeting
    where: a condition kept inside each count, rather than in WHERE, lets SQLite drive the
    query from an area's listings instead of scanning every published service)."""
    field = f"{prefix}pk" if prefix else "pk"
    where = where or Q()
    no_contact = Q(**{f"{prefix}phone": "", f"{prefix}email": "", f"{prefix}website": ""})
    capacity = f"{prefix}capacity"
    return {
        "services": Count(field, filter=where),
        "not_reviewed_12_months": Count(field, filter=where & review_due(prefix)),
        "no_contact_details": Count(field, filter=where & no_contact),
        "closed": Count(field, filter=where & Q(**{capacity: Service.Capacity.CLOSED})),
        "waiting_list": Count(field, filter=where & Q(**{capacity: Service.Capacity.WAITING_LIST})),
    }


def _health(scope: Scope) -> pd.DataFrame:
    """A service counts once under each area it lists, or once under "National" if it serves
    the whole country, or once under "None" if neither; with an area chosen, only the services
    serving it (directly, through its ICB or its boroughs, or nationally) count."""
    through = Service.areas_served.through
    published = Service.objects.filter(status=Service.Status.PUBLISHED)
    listed = Exists(through.objects.filter(service_id=OuterRef("pk")))
    live = Q(service__status=Service.Status.PUBLISHED, service__serves_nationally=False)
    if scope.area is None:
        # National, and listing no area: one GROUP BY over the services.
        unlisted = published.filter(Q(serves_nationally=True) | ~listed)
        listings, where = through.objects.filter(live), None
    else:
        # Every national service serves the area; one that lists no area serves none.
        unlisted = published.filter(serves_nationally=True)
        codes = sorted(serving_codes(scope.area))
        serving = through.objects.filter(area_id__in=codes).values("service_id")
        # The condition inside each count, not in WHERE: SQLite then starts from the area's
        # listings rather than from every published service (0.01 s, not 0.3 s, at 200,000).
        listings, where = through.objects.filter(service_id__in=serving), live
    label = Case(
        When(serves_nationally=True, then=Value(NATIONAL)),
        default=Value(NO_AREA),
        output_field=CharField(),
    )
    counts = _counts()
    rows = _fetch(
        unlisted.annotate(label=label)
        .values("label")
        .annotate(**counts)
        .values_list("label", *counts)
    )
    # Every other published service, under each area it lists: one GROUP BY over listings.
    counts = _counts("service__", where=where)
    by_area = _fetch(listings.values("area_id").annotate(**counts).values_list("area_id", *counts))
    names = dict(
        Area.objects.filter(code__in=[row[0] for row in by_area]).values_list("code", "name")
    )
    rows += [(names[code], *figures) for code, *figures in by_area if figures[0] > 0]
    if not rows:
        return pd.DataFrame(columns=COLUMNS)
    frame = pd.DataFrame(rows, columns=COLUMNS).astype({c: "int64" for c in COLUMNS[1:]})
    # Areas are grouped by name, as they are shown (and "National" or "None" with them).
    frame = frame.groupby("area", as_index=False)[COLUMNS[1:]].sum()
    return frame.sort_values(["not_reviewed_12_months", "area"], ascending=[False, True])[
        COLUMNS
    ].reset_index(drop=True)
