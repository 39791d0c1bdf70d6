"""Directory health: the state of the published services, by the area they serve."""

import pandas as pd
from django.utils import timezone

from directory.models import DirectoryRevision, Service
from directory.queries import needs_review, serving_area
from signposting.reports.cells import ReportData
from signposting.reports.scope import Scope


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


def _health(scope: Scope) -> pd.DataFrame:
    services = Service.objects.filter(status=Service.Status.PUBLISHED)
    if scope.area is not None:
        services = serving_area(services, scope.area)
    stale = set(needs_review(services).values_list("id", flat=True))
    rows = []
    served = Service.areas_served.through.objects.filter(service__in=services).values_list(
        "service_id", "area__name"
    )
    area_of: dict[int, list[str]] = {}
    for service_id, name in served:
        area_of.setdefault(service_id, []).append(name)
    for service in services.values(
        "id", "serves_nationally", "capacity", "phone", "email", "website"
    ):
        names = (
            ["National"] if service["serves_nationally"] else area_of.get(service["id"], ["None"])
        )
        for name in names:
            rows.append(
                {
                    "area": name,
                    "services": 1,
                    "not_reviewed_12_months": int(service["id"] in stale),
                    "no_contact_details": int(
                        not (service["phone"] or service["email"] or service["website"])
                    ),
                    "closed": int(service["capacity"] == Service.Capacity.CLOSED),
                    "waiting_list": int(service["capacity"] == Service.Capacity.WAITING_LIST),
                }
            )
    columns = [
        "area",
        "services",
        "not_reviewed_12_months",
        "no_contact_details",
        "closed",
        "waiting_list",
    ]
    if not rows:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(rows).groupby("area", as_index=False)[columns[1:]].sum()
    return frame.sort_values(["not_reviewed_12_months", "area"], ascending=[False, True])[
        columns
    ].reset_index(drop=True)
