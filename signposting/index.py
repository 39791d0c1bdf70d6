"""An in-memory index of the published directory, for matching at national scale.

Built from a handful of bulk queries and kept per process until the directory revision moves
(see directory.models.DirectoryRevision). Candidate selection is then numpy work over arrays:
posting lists per need, per area served and per eligible area, locations sorted by latitude for
a box search, and columns for the filters (delivery modes, open days, free).
"""

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass

import numpy as np

from directory.listing import day_bit
from directory.models import Area, DirectoryRevision, Location, Need, Schedule, Service
from eligibility.engine import AreaRef, Criteria

log = logging.getLogger(__name__)

CAPACITY_CLOSED = Service.Capacity.CLOSED.value
MODE_BITS = {"in_person": 1, "phone": 2, "online": 4, "home_visit": 8}


@dataclass(frozen=True)
class Entry:
    """What matching needs to know of one published service."""

    id: int
    name: str
    organisation: str
    description: str
    capacity: str
    delivery_modes: frozenset[str]
    criteria: Criteria
    need_ids: frozenset[int]
    reviewed: int  # date ordinal, 0 when never reviewed
    last_reviewed: dt.date | None
    referral_route: str
    phone: str
    email: str
    website: str
    serves_nationally: bool
    areas_served: tuple[str, ...] = ()  # short names, for the reasons matching gives


class DirectoryIndex:
    def __init__(self, revision: str):
        started = time.perf_counter()
        self.revision = revision
        self.needs = {n.slug: n for n in Need.objects.all()}
        self.need_names = {n.pk: n.name for n in self.needs.values()}
        self.need_slugs = {n.pk: n.slug for n in self.needs.values()}
        self.need_aliases: dict[str, int] = {}
        for need in self.needs.values():
            for alias in [need.slug, need.name, *need.synonym_list]:
                self.need_aliases.setdefault(alias.strip().lower(), need.pk)
        area_names = {
            code: (Area(name=name, kind=kind).short_name)
            for code, name, kind in Area.objects.values_list("code", "name", "kind")
        }
        published = Service.objects.filter(status=Service.Status.PUBLISHED)

        needs_of: dict[int, set[int]] = {}
        for service_id, need_id in Service.needs.through.objects.filter(
            service__status=Service.Status.PUBLISHED
        ).values_list("service_id", "need_id"):
            needs_of.setdefault(service_id, set()).add(need_id)
        eligible_of: dict[int, list[str]] = {}
        for service_id, code in Service.eligible_areas.through.objects.filter(
            service__status=Service.Status.PUBLISHED
        ).values_list("service_id", "area_id"):
            eligible_of.setdefault(service_id, []).append(code)
        served_rows = list(
            Service.areas_served.through.objects.filter(
                service__status=Service.Status.PUBLISHED
            ).values_list("service_id", "area_id")
        )

        served_of: dict[int, list[str]] = {}
        for service_id, code in served_rows:
            served_of.setdefault(service_id, []).append(area_names.get(code, code))

        criteria_cache: dict[tuple, int] = {}
        self.criteria: list[Criteria] = []
        criteria_keys: list[int] = []
        free: list[bool] = []
        self.entries: list[Entry] = []
        position: dict[int, int] = {}
        for row in published.order_by("id").values_list(
            "id",
            "name",
            "organisation__name",
            "description",
            "capacity",
            "in_person",
            "by_phone",
            "online",
            "home_visit",
            "eligible_if_lives",
            "eligible_if_works",
            "eligible_if_gp",
            "min_age",
            "max_age",
            "only_for",
            "last_reviewed",
            "referral_route",
            "phone",
            "email",
            "website",
            "serves_nationally",
            "is_free",
            "eligibility_published",
            "source__name",
        ):
            (sid, name, org, description, capacity, in_person, phone_mode, online, home_visit,
             lives, works, gp, min_age, max_age, only_for, reviewed, route, phone, email,
             website, national, is_free, areas_published, source_name) = row  # fmt: skip
            areas = tuple(sorted(eligible_of.get(sid, ())))
            via = frozenset(c for c, on in (("lives", lives), ("works", works), ("gp", gp)) if on)
            # Who did not publish the eligibility matters only when it is not published.
            unpublished_by = None if areas_published else (source_name or "")
            key = (areas, via, min_age, max_age, tuple(only_for or ()), unpublished_by)
            criteria_key = criteria_cache.get(key)
            if criteria_key is None:
                criteria_key = criteria_cache[key] = len(self.criteria)
                self.criteria.append(
                    Criteria(
                        areas=tuple(AreaRef(code, area_names.get(code, code)) for code in areas),
                        via=via,
                        min_age=min_age,
                        max_age=max_age,
                        only_for=tuple(only_for or ()),
                        areas_published=areas_published,
                        source_name=unpublished_by or None,
                    )
                )
            criteria_keys.append(criteria_key)
            criteria = self.criteria[criteria_key]
            modes = frozenset(
                m
                for m, on in (
                    ("in_person", in_person),
                    ("phone", phone_mode),
                    ("online", online),
                    ("home_visit", home_visit),
                )
                if on
            )
            position[sid] = len(self.entries)
            free.append(bool(is_free))
            self.entries.append(
                Entry(
                    id=sid,
                    name=name,
                    organisation=org,
                    description=description,
                    capacity=capacity,
                    delivery_modes=modes,
                    criteria=criteria,
                    need_ids=frozenset(needs_of.get(sid, ())),
                    reviewed=reviewed.toordinal() if reviewed else 0,
                    last_reviewed=reviewed,
                    referral_route=route,
                    phone=phone,
                    email=email,
                    website=website,
                    serves_nationally=national,
                    areas_served=tuple(sorted(served_of.get(sid, ()))),
                )
            )
        n = len(self.entries)
        self.size = n
        # Column arrays, so that filtering and ranking candidates is vectorised.
        self.ids = np.array([e.id for e in self.entries], dtype=np.int64)
        self.closed = np.array([e.capacity == CAPACITY_CLOSED for e in self.entries], dtype=bool)
        self.reviewed = np.array([e.reviewed for e in self.entries], dtype=np.int64)
        self.criteria_key = np.array(criteria_keys, dtype=np.int64)
        self.mode_bits = np.array(
            [sum(MODE_BITS[m] for m in e.delivery_modes) for e in self.entries], dtype=np.int64
        )
        # Free means recorded as free: a cost not known is not free.
        self.free = np.array(free, dtype=bool)
        # The weekdays each service opens on, a bit a day (directory.listing.day_bit); a
        # by-appointment schedule opens on no day.
        self.open_days = np.zeros(n, dtype=np.uint8)
        opening = np.array(
            Schedule.objects.filter(service__status=Service.Status.PUBLISHED, by_appointment=False)
            .order_by()
            .values_list("service_id", "weekday"),
            dtype=np.int64,
        ).reshape(-1, 2)
        if n and len(opening):
            at = np.minimum(np.searchsorted(self.ids, opening[:, 0]), n - 1)
            known = self.ids[at] == opening[:, 0]  # published when the services were read
            bits = np.array([0, *(day_bit(day) for day in range(1, 8))], dtype=np.uint8)
            np.bitwise_or.at(self.open_days, at[known], bits[opening[known, 1]])
        self.national = np.array(
            [i for i, e in enumerate(self.entries) if e.serves_nationally], dtype=np.int64
        )
        self.need_postings = _postings(
            (position[sid], need)
            for sid, needs in needs_of.items()
            if sid in position
            for need in needs
        )
        self.area_postings = _postings(
            (position[sid], code) for sid, code in served_rows if sid in position
        )
        # Services whose eligibility names an area, wherever they say they serve: a service
        # serving Merton but open to Sutton residents must reach a Sutton resident's search.
        self.eligible_postings = _postings(
            (position[sid], code)
            for sid, codes in eligible_of.items()
            if sid in position
            for code in codes
        )

        # Locations, grouped by service position (for distances) ...
        rows = sorted(
            (position[sid], lat, lon, address, postcode)
            for sid, lat, lon, address, postcode in Location.objects.filter(
                service__status=Service.Status.PUBLISHED, latitude__isnull=False
            ).values_list("service_id", "latitude", "longitude", "address", "postcode")
            if sid in position
        )
        self.loc_service = np.array([r[0] for r in rows], dtype=np.int64)
        self.loc_lat = np.array([r[1] for r in rows], dtype=np.float64)
        self.loc_lon = np.array([r[2] for r in rows], dtype=np.float64)
        self.loc_address = [(r[3], r[4]) for r in rows]
        counts = np.bincount(self.loc_service, minlength=n) if rows else np.zeros(n, np.int64)
        self.loc_count = counts
        self.loc_start = np.concatenate([[0], np.cumsum(counts)[:-1]]) if n else counts
        # ... and sorted by latitude (for the box search around a patient).
        self.lat_order = np.argsort(self.loc_lat, kind="stable")
        self.lat_sorted = self.loc_lat[self.lat_order]
        self.build_seconds = time.perf_counter() - started
        log.info(
            "directory index built: %s services, %s locations, revision %s, %.2f s",
            n,
            len(rows),
            revision,
            self.build_seconds,
        )

    def positions_near(self, lat: float, lon: float, box) -> np.ndarray:
        """Service positions with a location inside the (min_lat, max_lat, min_lon, max_lon) box."""
        min_lat, max_lat, min_lon, max_lon = box
        lo, hi = np.searchsorted(self.lat_sorted, [min_lat, max_lat], side="left")
        rows = self.lat_order[lo:hi]
        lons = self.loc_lon[rows]
        rows = rows[(lons >= min_lon) & (lons <= max_lon)]
        return self.loc_service[rows]


def _postings(pairs) -> dict:
    grouped: dict = {}
    for pos, key in pairs:
        grouped.setdefault(key, []).append(pos)
    return {key: np.unique(np.array(values, dtype=np.int64)) for key, values in grouped.items()}


_lock = threading.Lock()
_current: DirectoryIndex | None = None


def current_index() -> DirectoryIndex:
    """Return the index for the directory as it is now, rebuilding it if it has changed."""
    global _current
    revision = DirectoryRevision.current()
    index = _current
    if index is not None and index.revision == revision:
        return index
    with _lock:
        if _current is None or _current.revision != revision:
            _current = DirectoryIndex(revision)
        return _current
