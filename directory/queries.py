"""Read-side helpers for the directory: which services serve where, need review, lie near."""

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
from django.db.models import Q, QuerySet
from django.utils import timezone

from config.by_ids import ByIds
from directory import listing
from directory.geometry import bounding_box, geodesic_km, haversine_km
from directory.models import (
    Area,
    DirectoryRevision,
    GPPractice,
    Location,
    Need,
    Schedule,
    Service,
)

REVIEW_AFTER_DAYS = 365
MAX_WITHIN_KM = 200.0


def review_due_before() -> dt.date:
    return timezone.localdate() - dt.timedelta(days=REVIEW_AFTER_DAYS)


def review_due(prefix: str = "") -> Q:
    """The condition "not reviewed in the last 12 months (or never)", on a service reached
    through prefix (e.g. "service__"), for filters and conditional counts alike."""
    return Q(**{f"{prefix}last_reviewed__lt": review_due_before()}) | Q(
        **{f"{prefix}last_reviewed__isnull": True}
    )


def needs_review(services: QuerySet) -> QuerySet:
    """Published services not reviewed in the last 12 months (or never)."""
    return services.filter(status=Service.Status.PUBLISHED).filter(review_due())


def serving_codes(area: Area) -> set[str]:
    """The area codes a service may list to serve the area: its own, its ICB's (a borough) or
    its member boroughs' (an ICB)."""
    codes = {area.code}
    if area.kind == Area.Kind.LOCAL_AUTHORITY and area.icb_id:
        codes.add(area.icb_id)
    if area.kind == Area.Kind.ICB:
        codes |= set(area.members.values_list("code", flat=True))
    return codes


def serving_area(services: QuerySet, area: Area) -> QuerySet:
    """Services serving the area: directly, through its ICB or member boroughs, or nationally."""
    codes = serving_codes(area)
    return services.filter(Q(serves_nationally=True) | Q(areas_served__in=codes)).distinct()


def text_search(services: QuerySet, q: str) -> QuerySet:
    """Services whose name, organisation, description or needs (or their synonyms) match."""
    condition = Q()
    for word in q.split()[:8]:
        condition &= (
            Q(name__icontains=word)
            | Q(organisation__name__icontains=word)
            | Q(description__icontains=word)
            | Q(needs__name__icontains=word)
            | Q(needs__synonyms__icontains=word)
        )
    return services.filter(condition).distinct()


@dataclass(frozen=True)
class Near:
    latitude: float
    longitude: float
    within_km: float


def nearest_first(services: QuerySet, near: Near) -> list[Service]:
    """Services with a location within the radius, nearest first, each with distance_km."""
    min_lat, max_lat, min_lon, max_lon = bounding_box(near.latitude, near.longitude, near.within_km)
    rows = list(
        Location.objects.filter(
            service__in=services,
            latitude__range=(min_lat, max_lat),
            longitude__range=(min_lon, max_lon),
        ).values_list("service_id", "latitude", "longitude")
    )
    if not rows:
        return []
    ids = np.array([r[0] for r in rows])
    lats = np.array([r[1] for r in rows], dtype=float)
    lons = np.array([r[2] for r in rows], dtype=float)
    rough = haversine_km(near.latitude, near.longitude, lats, lons)
    nearest: dict[int, tuple[float, float, float]] = {}
    for i in np.argsort(rough, kind="stable"):
        if rough[i] > near.within_km * 1.005:
            break
        nearest.setdefault(int(ids[i]), (float(rough[i]), lats[i], lons[i]))
    by_id = services.filter(pk__in=list(nearest)).in_bulk()
    result = []
    for service_id, (_, lat, lon) in nearest.items():
        service = by_id[service_id]
        service.distance_km = geodesic_km((near.latitude, near.longitude), (lat, lon))
        if service.distance_km <= near.within_km:
            result.append(service)
    result.sort(key=lambda s: (s.distance_km, s.name, s.pk))
    return result


@dataclass(frozen=True)
class ScheduleRow:
    """One opening of a shown service, as directory.listing reads it."""

    weekday: int | None
    opens_at: dt.time | None
    closes_at: dt.time | None
    by_appointment: bool


@dataclass(frozen=True)
class ListingFacts:
    """What a result card or the match API says of a shown service besides the index's
    columns: its cost and its openings."""

    is_free: bool | None
    cost: str
    schedules: tuple[ScheduleRow, ...]

    @property
    def cost_text(self) -> str:
        return listing.cost_text(self.is_free, self.cost)

    @property
    def open_days_text(self) -> str:
        return listing.open_days_text(self.schedules)


_SCHEDULES = ByIds(
    lambda ids: (
        Schedule.objects.filter(service_id__in=ids)
        .order_by("service_id", "by_appointment", "weekday", "opens_at")
        .values_list("service_id", "weekday", "opens_at", "closes_at", "by_appointment")
    )
)


def listing_details(costs: dict[int, tuple[bool | None, str]]) -> dict[int, ListingFacts]:
    """The shown services' cost and schedules, by id, in one query whatever their number.
    `costs` is each shown service's (is_free, cost), as matching reads them with the rest of a
    result's display fields; the schedules are read here.

    Matching's index holds what ranking needs; what a result card or the match API shows
    besides is read for the returned rows only, as plain values (no model instances: a page of
    fifty cards would spend more on building them than on the queries).
    """
    schedules: dict[int, list[ScheduleRow]] = {}
    for service_id, *row in _SCHEDULES.rows(list(costs)):
        schedules.setdefault(service_id, []).append(ScheduleRow(*row))
    return {
        service_id: ListingFacts(is_free, cost, tuple(schedules.get(service_id, ())))
        for service_id, (is_free, cost) in costs.items()
    }


# (revision, needs, boroughs): the search form's choices, as last read in this process.
_search_choices: tuple[str, tuple, tuple] | None = None


def search_choices() -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """The search form's needs (slug, name) and GP boroughs (code, name: the local authorities
    of an ICB), each by name. Read once a directory revision in a process, not for every form:
    a need or area saved changes the revision (directory/signals.py; their bulk loaders bump it
    themselves). Every search page builds the form, its post and its results page too, and the
    two queries and their lists were a tenth of the post's time."""
    global _search_choices
    revision = DirectoryRevision.current()
    cached = _search_choices
    if revision and cached is not None and cached[0] == revision:
        return cached[1], cached[2]
    # Read after the revision: what is kept under it is never older than it.
    needs = tuple(Need.objects.order_by("name").values_list("slug", "name"))
    boroughs = tuple(
        Area.objects.filter(kind=Area.Kind.LOCAL_AUTHORITY, icb__isnull=False)
        .order_by("name")
        .values_list("code", "name")
    )
    if revision:
        _search_choices = (revision, needs, boroughs)
    return needs, boroughs


def practices_in(area_code: str | None) -> list[dict]:
    """The active GP practices in an area (a local authority, or each of an ICB's), by name, as
    {name, code, postcode}: the search form's type-ahead offers a team those of the area that
    funds it. England has about 6,300 practices, too many to send with every search page; any
    of them is still found by its name or ODS code (find_gp_practices)."""
    if not area_code:
        return []
    return list(
        GPPractice.objects.filter(status="A")
        .filter(Q(local_authority_id=area_code) | Q(local_authority__icb_id=area_code))
        .order_by("name")
        .values("name", "code", "postcode")
    )


# The most practices a name is shown as matching; more than this asks for more of the name.
MAX_PRACTICE_CHOICES = 20
_CODE_AT_END = re.compile(r"\(\s*([A-Za-z0-9]{3,10})\s*\)$")


@dataclass(frozen=True)
class PracticeSearch:
    """What a GP practice's name or code stands for: `practices` (at most
    MAX_PRACTICE_CHOICES, by name), and how many practices matched in all."""

    practices: list[GPPractice]
    count: int

    @property
    def found(self) -> GPPractice | None:
        return self.practices[0] if self.count == 1 else None


def find_gp_practices(text: str) -> PracticeSearch:
    """Return the GP practices a name or ODS code typed by a person stands for.

    A code (any status) or a name ending in its code in brackets, as the type-ahead fills it
    in ("Meadow Lane Surgery (Z00001)"), is that practice; otherwise the active practices whose
    name holds every word typed (any case), or the one whose whole name it is."""
    text = " ".join(str(text).split())
    if not text:
        return PracticeSearch([], 0)
    practices = GPPractice.objects.select_related("local_authority")
    codes = [text.upper()]
    if at_end := _CODE_AT_END.search(text):
        codes.append(at_end.group(1).upper())
    for code in codes:
        practice = practices.filter(code=code).first()
        if practice is not None:
            return PracticeSearch([practice], 1)
    named = practices.filter(status="A")
    for word in text.split():
        named = named.filter(name__icontains=word)
    exact = [p for p in named.filter(name__iexact=text)[:2]]
    if len(exact) == 1:
        return PracticeSearch(exact, 1)
    count = named.count()
    return PracticeSearch(list(named.order_by("name", "code")[:MAX_PRACTICE_CHOICES]), count)
