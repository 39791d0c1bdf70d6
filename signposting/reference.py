"""A plain, naive matcher: the reference the index is checked and benchmarked against.

It holds every published service as a Python object and, for a patient, evaluates every
service's rules one by one with the eligibility engine and computes each distance with geopy
one pair at a time, as a straightforward implementation would. Same rule and same ranking as
`signposting.matching.match` (see docs/matching.md), none of its shortcuts: no posting lists,
no shared criteria, no vectorised distances. Slow by design; used by bench_match and the tests.
"""

import math
from dataclasses import dataclass

from geopy.distance import geodesic

from directory.listing import day_bit, parse_weekday
from directory.models import Service
from eligibility.engine import SEVERITY, Criteria, Verdict, decide
from signposting.matching import NEARBY_KM, MatchQuery, ResolvedPatient, service_criteria

MODES = {
    "in_person": "in_person",
    "phone": "by_phone",
    "online": "online",
    "home_visit": "home_visit",
}


@dataclass
class Listing:
    id: int
    criteria: Criteria
    need_ids: frozenset[int]
    served: frozenset[str]
    eligible: frozenset[str]
    national: bool
    closed: bool
    modes: frozenset[str]
    free: bool
    open_days: int
    reviewed: int
    locations: list[tuple[float, float]]


def load_listings() -> list[Listing]:
    """Every published service with what matching needs, one object each."""
    listings = []
    services = (
        Service.objects.filter(status=Service.Status.PUBLISHED)
        .select_related("source")
        .prefetch_related("needs", "areas_served", "eligible_areas", "locations", "schedules")
        .order_by("id")
    )
    for service in services.iterator(chunk_size=2000):
        criteria = service_criteria(service)
        days = 0
        for schedule in service.schedules.all():
            if not schedule.by_appointment and schedule.weekday:
                days |= day_bit(schedule.weekday)
        listings.append(
            Listing(
                id=service.pk,
                criteria=criteria,
                need_ids=frozenset(n.pk for n in service.needs.all()),
                served=frozenset(a.code for a in service.areas_served.all()),
                eligible=frozenset(a.code for a in service.eligible_areas.all()),
                national=service.serves_nationally,
                closed=service.capacity == Service.Capacity.CLOSED,
                modes=frozenset(m for m, f in MODES.items() if getattr(service, f)),
                free=bool(service.is_free),
                open_days=days,
                reviewed=service.last_reviewed.toordinal() if service.last_reviewed else 0,
                locations=[
                    (loc.latitude, loc.longitude)
                    for loc in service.locations.all()
                    if loc.latitude is not None
                ],
            )
        )
    return listings


@dataclass
class ReferenceResult:
    ranked: list[tuple[int, str, float | None]]  # (service id, verdict, distance km to 10 m)
    total: int
    unmet_need_ids: list[int]


def naive_match(listings: list[Listing], resolved: ResolvedPatient, query: MatchQuery):
    """Rank the listings for this patient, looking at every one of them."""
    codes = resolved.area_codes()
    wanted = set(resolved.need_ids)
    home = (resolved.latitude, resolved.longitude) if resolved.latitude is not None else None
    radius = query.max_distance_km or NEARBY_KM
    day = day_bit(parse_weekday(query.open_on)) if query.open_on else None
    rows, usable_needs = [], set()
    for listing in listings:
        decision = decide(listing.criteria, resolved.patient)  # every service's rules
        covered = wanted & listing.need_ids
        if not covered:
            continue
        distances = [geodesic(home, point).km for point in listing.locations] if home else []
        listed = listing.national or bool(listing.served & codes or listing.eligible & codes)
        if not (listed or any(d <= radius for d in distances)):
            continue
        if query.delivery_modes and not listing.modes & set(query.delivery_modes):
            continue
        if query.free_only and not listing.free:
            continue
        if day is not None and not listing.open_days & day:
            continue
        nearest = min(distances) if distances else None
        beyond = query.max_distance_km is not None and nearest is not None
        if beyond and nearest > query.max_distance_km:
            continue
        area = next(r.verdict for r in decision.reasons if r.criterion == "area")
        elsewhere = not listed and area == Verdict.ELIGIBLE
        severity = SEVERITY[decision.verdict]
        if listing.closed or elsewhere:
            severity = max(severity, SEVERITY[Verdict.CHECK])
        if severity == SEVERITY[Verdict.ELIGIBLE]:
            usable_needs |= covered
        shown = None if nearest is None else round(nearest, 2)
        key = (
            severity,
            listing.closed,
            -len(covered),
            math.inf if shown is None else shown,
            -listing.reviewed,
            listing.id,
        )
        rows.append((key, listing.id, severity, shown))
    rows.sort()
    verdicts = {v: k for k, v in SEVERITY.items()}
    return ReferenceResult(
        ranked=[(sid, verdicts[sev].value, shown) for _, sid, sev, shown in rows[: query.limit]],
        total=len(rows),
        unmet_need_ids=[n for n in resolved.need_ids if n not in usable_needs],
    )


def ranked(result) -> list[tuple[int, str, float | None]]:
    """A match result in the reference's terms, for comparing the two."""
    return [(m.entry.id, m.decision.verdict.value, m.distance_km) for m in result.results]
