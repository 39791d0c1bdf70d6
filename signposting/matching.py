"""Match a patient to the services they can use, with reasons, ranked.

Candidates are the published services that cover at least one of the patient's needs and either
serve one of the patient's areas (home, GP, work: borough or ICB), name one of them among their
eligible areas, serve nationally, or have a location near the patient's home, so that a
clinician also sees the nearby services across a boundary that are not open to this patient,
and why. Each candidate gets an eligibility decision from the pure engine, and matching adds
two listing reasons of its own: a service closed to new referrals is "check", never "can use",
and so is an unrestricted service found only because it is near (it lists other areas). Ranking
is: eligible, then check, then not eligible; within each, open services before closed ones,
then more needs covered, then nearer, then more recently reviewed, then by id so that ties are
always broken the same way. Filters (delivery modes, distance, open on a day, free only) narrow
the candidates before any of this, so a need that only filtered-out services cover is unmet.

`services_open_to_residents` is the same rule for a whole borough, for the gap report.
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from pyproj import Geod

from config.by_ids import ByIds
from directory.geometry import bounding_box, haversine_km
from directory.listing import WEEKDAY_SLUGS, day_bit, parse_weekday
from directory.models import (
    DELIVERY_MODE_FIELDS,
    Area,
    GPPractice,
    Location,
    Need,
    PatientGroup,
    Service,
)
from directory.postcodes import PostcodeError, lookup_postcode
from directory.queries import ListingFacts, listing_details
from eligibility.engine import (
    SEVERITY,
    AreaRef,
    Criteria,
    Decision,
    Patient,
    Place,
    Reason,
    Verdict,
    decide,
    verdicts,
)
from signposting.index import CAPACITIES, CAPACITY_CLOSED, MODE_BITS, DirectoryIndex, current_index
from signposting.vocabulary import NotOpen

NEARBY_KM = 10.0
MAX_DISTANCE_KM = 200.0
MAX_NEEDS = 10
DEFAULT_LIMIT = 50
MAX_LIMIT = 500


# What the two listing filters mean, said once for the search page and the API.
OPEN_ON_HELP = (
    "Only services whose weekly opening times include this day. Services seen by appointment "
    "only, or whose days are not given, are left out."
)
FREE_ONLY_HELP = "Only services recorded as free. Services whose cost is not known are left out."
WORKS_HELP = (
    "Whether the patient works: false, they do not (a service only for people who live or work "
    "in an area is then not open to them through work); null or left out, not known ('check'). "
    "A work_postcode implies true."
)


GEOD = Geod(ellps="WGS84")


def geodesic_distances_km(lat: float, lon: float, lats, lons) -> np.ndarray:
    """WGS84 geodesic distances from one point to many, in km: pyproj's Geod, vectorised (the
    same Karney algorithm as geopy's geodesic, which stays the oracle in the tests)."""
    lats = np.asarray(lats, dtype=np.float64)
    lons = np.asarray(lons, dtype=np.float64)
    if not len(lats):
        return np.zeros(0)
    _, _, metres = GEOD.inv(np.full(len(lons), lon), np.full(len(lats), lat), lons, lats)
    return np.asarray(metres) / 1000.0


# The great-circle distance (directory.geometry.haversine_km) is within 0.56 % of the WGS84
# geodesic anywhere on Earth, and within 0.32 % in the UK, at a tenth of its cost. Matching
# measures every location by it first, then by the geodesic only where the difference could
# change an answer: a location about as far as a radius, and the candidates that could be
# among the results shown. (Near central London the geodesic of every location in reach was
# 16 ms of a 45 ms search.) The margin is wider than the difference can be, so the answers are
# the geodesic's exactly (tests/test_matching_distances.py).
SPHERE_ERROR = 0.01


def _sphere_bounds(approx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The range in which the geodesic distance lies, from the great-circle one (NaN stays)."""
    return approx * (1 - SPHERE_ERROR) - 1e-9, approx * (1 + SPHERE_ERROR) + 1e-9


def within_km(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray, km: float) -> np.ndarray:
    """Which of these points lie within km of (lat, lon) by the WGS84 geodesic: as the geodesic
    decides, with the geodesic worked out only for the points near the edge."""
    low, high = _sphere_bounds(haversine_km(lat, lon, lats, lons))
    inside = high <= km
    unsure = (low <= km) & ~inside
    if unsure.any():
        inside[unsure] = geodesic_distances_km(lat, lon, lats[unsure], lons[unsure]) <= km
    return inside


def _lex_at_most(columns: tuple, limit: tuple) -> np.ndarray:
    """Which rows' keys (columns, most significant first) sort at or before the limit's."""
    before = np.zeros(len(columns[0]), dtype=bool)
    equal = np.ones(len(columns[0]), dtype=bool)
    for column, value in zip(columns, limit, strict=True):
        before |= equal & (column < value)
        equal &= column == value
    return before | equal


@dataclass(frozen=True)
class Entry:
    """What a result shows of one published service: flags from the index, display fields
    read from the database for the returned rows only."""

    id: int
    name: str
    organisation: str
    description: str
    capacity: str
    delivery_modes: frozenset[str]
    criteria: Criteria
    last_reviewed: dt.date | None
    referral_route: str
    phone: str
    email: str
    website: str
    serves_nationally: bool
    areas_served: tuple[str, ...] = ()  # short names, for the reasons matching gives
    # What it costs, for the card (shown_listings): read with the rest.
    is_free: bool | None = None
    cost: str = ""


class MatchError(ValueError):
    """Bad input, with the problems by field name."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()))
        self.errors = errors


@dataclass
class MatchQuery:
    home_postcode: str
    needs: list[str]
    work_postcode: str | None = None
    # Whether the patient works: False, they do not (a rule for people who work in an area is
    # then not met); None, not known ("check"). A work postcode implies True.
    works: bool | None = None
    gp_practice: str | None = None
    gp_area: str | None = None
    age: int | None = None
    groups: list[str] | None = None
    delivery_modes: list[str] | None = None
    max_distance_km: float | None = None
    # A day's name ("monday" ... "sunday"): only services whose schedule opens that day.
    open_on: str | None = None
    # Only services recorded as free (a cost not known is not free).
    free_only: bool = False
    limit: int = DEFAULT_LIMIT

    @classmethod
    def from_data(cls, data, *, groups_key: str = "for") -> "MatchQuery":
        """Build a query from validated form or serializer data (blank means not given)."""
        return cls(
            home_postcode=data["home_postcode"],
            work_postcode=data.get("work_postcode") or None,
            works=data.get("works"),
            gp_practice=data.get("gp_practice") or None,
            gp_area=data.get("gp_area") or None,
            age=data.get("age"),
            needs=data["needs"],
            groups=data.get(groups_key) or None,
            delivery_modes=data.get("delivery_modes") or None,
            max_distance_km=data.get("max_distance_km"),
            open_on=data.get("open_on") or None,
            free_only=bool(data.get("free_only")),
            limit=data.get("limit", DEFAULT_LIMIT),
        )


@dataclass
class ResolvedPatient:
    patient: Patient
    home_area: Area | None
    gp_area: Area | None
    work_area: Area | None
    latitude: float | None
    longitude: float | None
    need_ids: list[int]

    @property
    def icbs(self) -> list[Area]:
        seen = {}
        for area in (self.home_area, self.gp_area, self.work_area):
            if area is not None and area.icb is not None:
                seen.setdefault(area.icb.code, area.icb)
        return list(seen.values())

    def area_codes(self) -> set[str]:
        codes = set()
        for area in (self.home_area, self.gp_area, self.work_area):
            if area is not None:
                codes.add(area.code)
                if area.icb_id:
                    codes.add(area.icb_id)
        return codes


@dataclass
class Match:
    entry: Entry
    decision: Decision
    matched_need_ids: list[int]
    distance_km: float | None
    location: tuple[str, str] | None = None

    @property
    def closed(self) -> bool:
        return self.entry.capacity == CAPACITY_CLOSED


@dataclass
class MatchResult:
    patient: ResolvedPatient
    results: list[Match]
    total: int
    unmet_need_ids: list[int] = field(default_factory=list)
    need_slugs: dict[int, str] = field(default_factory=dict)
    need_names: dict[int, str] = field(default_factory=dict)
    revision: str = ""  # the directory revision of the index that answered


def _place(area: Area | None) -> Place | None:
    if area is None:
        return None
    icb = area.icb
    return Place(area.code, area.name, icb.code if icb else None, icb.short_name if icb else None)


def need_aliases() -> dict[str, int]:
    """Every need's slug, name and synonyms (lower case) to its id, read from the database:
    for writes, which never go through the index."""
    aliases: dict[str, int] = {}
    for need in Need.objects.order_by("pk"):
        for alias in [need.slug, need.name, *need.synonym_list]:
            aliases.setdefault(alias.strip().lower(), need.pk)
    return aliases


def resolve_patient(query: MatchQuery, index: DirectoryIndex | None = None) -> ResolvedPatient:
    """Turn what the user typed into engine facts, collecting every problem by field.

    The needs are read from the index when one is given (a search), else from the database
    (recording a referral, a write, never touches the index)."""
    errors: dict[str, list[str]] = {}

    def err(name, message):
        errors.setdefault(name, []).append(message)

    home = work = None
    try:
        home = lookup_postcode(query.home_postcode or "")
    except PostcodeError as exc:
        err("home_postcode", str(exc))
    if query.work_postcode and query.works is False:
        err("work_postcode", "leave the work postcode empty for a patient who does not work")
    elif query.work_postcode:
        try:
            work = lookup_postcode(query.work_postcode)
        except PostcodeError as exc:
            err("work_postcode", str(exc))

    gp_area = None
    if query.gp_practice and query.gp_area:
        err("gp_practice", "give the GP practice or the GP's borough, not both")
    elif query.gp_practice:
        code = query.gp_practice.strip().upper()
        practice = (
            GPPractice.objects.select_related("local_authority__icb").filter(code=code).first()
        )
        if practice is None:
            err(
                "gp_practice", f"'{query.gp_practice.strip()[:20]}' is not a known GP practice code"
            )
        else:
            gp_area = practice.local_authority
    elif query.gp_area:
        gp_area = Area.objects.select_related("icb").filter(code=query.gp_area.strip()).first()
        if gp_area is None:
            err("gp_area", f"'{query.gp_area.strip()[:20]}' is not a known area code")
        elif gp_area.kind != Area.Kind.LOCAL_AUTHORITY:
            err("gp_area", "give the GP's borough (a local authority code), not an ICB")

    need_ids: list[int] = []
    aliases: Mapping[str, int] = index.need_aliases if index is not None else need_aliases()
    if not query.needs:
        err("needs", "give at least one need")
    elif len(query.needs) > MAX_NEEDS:
        err("needs", f"give at most {MAX_NEEDS} needs")
    else:
        for raw in query.needs:
            need_id = aliases.get(str(raw).strip().lower())
            if need_id is None:
                err("needs", f"'{str(raw)[:40]}' is not a known need (see /api/v1/needs/)")
            elif need_id not in need_ids:
                need_ids.append(need_id)

    if query.age is not None and not (0 <= query.age <= 120):
        err("age", "give an age in whole years from 0 to 120")
    groups = None
    if query.groups is not None:
        bad = [g for g in query.groups if g not in PatientGroup.values]
        if bad:
            err("for", f"'{bad[0]}' is not one of {', '.join(PatientGroup.values)}")
        groups = frozenset(query.groups)
    for mode in query.delivery_modes or ():
        if mode not in DELIVERY_MODE_FIELDS:
            err("delivery_modes", f"'{mode}' is not one of {', '.join(DELIVERY_MODE_FIELDS)}")
    if query.max_distance_km is not None and not (0 < query.max_distance_km <= MAX_DISTANCE_KM):
        err("max_distance_km", f"give a distance above 0 and at most {MAX_DISTANCE_KM:g} km")
    if query.open_on is not None and parse_weekday(query.open_on) is None:
        err(
            "open_on",
            f"'{str(query.open_on)[:20]}' is not a day of the week: give one of "
            f"{', '.join(WEEKDAY_SLUGS)}",
        )
    if not (1 <= query.limit <= MAX_LIMIT):
        err("limit", f"give a limit from 1 to {MAX_LIMIT}")
    if errors:
        raise MatchError(errors)

    home_area = home.local_authority
    work_area = work.local_authority if work else None
    return ResolvedPatient(
        patient=Patient(
            home=_place(home_area),
            work=_place(work_area),
            gp=_place(gp_area),
            age=query.age,
            groups=groups,
            works=True if work_area is not None else query.works,
        ),
        home_area=home_area,
        gp_area=gp_area,
        work_area=work_area,
        latitude=home.latitude,
        longitude=home.longitude,
        need_ids=need_ids,
    )


def _in_sorted(values: np.ndarray, sorted_values: np.ndarray) -> np.ndarray:
    """Which values are in the sorted array (numpy's isin hashes: slower here)."""
    if not len(sorted_values):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_values, values), len(sorted_values) - 1)
    return sorted_values[at] == values


def _distinct(keys: np.ndarray, count: int) -> list[int]:
    """The distinct criteria keys among these, in order."""
    return np.flatnonzero(np.bincount(keys, minlength=count)).tolist()


def _union(postings: dict, keys, size: int) -> np.ndarray:
    mask = np.zeros(size, dtype=bool)
    for key in keys:
        positions = postings.get(key)
        if positions is not None:
            mask[positions] = True
    return mask


def _listed_for(index: DirectoryIndex, codes) -> np.ndarray:
    """Mark the services that serve one of these areas, name one among their eligible areas,
    or serve nationally."""
    mask = _union(index.area_postings, codes, index.size)
    mask |= _union(index.eligible_postings, codes, index.size)
    mask[index.national] = True
    return mask


def services_open_to_residents(
    index: DirectoryIndex, borough: Area, need_id: int | None = None
) -> np.ndarray:
    """Return the index positions of the services open to this borough's residents (for a need).

    The rule: a published service (the index holds no others) is open to a borough's
    residents if it is not closed to new referrals, serves the borough, its ICB or the whole
    country or names the borough or its ICB among its eligible areas, and its area criterion
    admits someone who lives in the borough and is registered with a GP there. Age and group
    rules are left out (a borough has no age), so these are the services `match` shows such a
    resident as "can use", or "check" for age or group alone.
    """
    codes = [code for code in (borough.code, borough.icb_id) if code]
    reach = _listed_for(index, codes) & ~index.closed
    if need_id is not None:
        reach &= _union(index.need_postings, [need_id], index.size)
    candidates = np.flatnonzero(reach)
    place = _place(borough)
    resident = Patient(home=place, gp=place)
    admits = np.zeros(len(index.criteria), dtype=bool)
    for key in _distinct(index.criteria_key[candidates], len(index.criteria)):
        admits[key] = verdicts(index.criteria[key], resident)[1] == Verdict.ELIGIBLE
    return candidates[admits[index.criteria_key[candidates]]]


CLOSED_REASON = Reason("capacity", Verdict.CHECK, "Closed to new referrals at the moment")


def _listing_decision(decision: Decision, entry: Entry, elsewhere: bool, home: Area | None):
    """Add matching's own reasons to the engine's decision: closed to new referrals, and found
    only because it is near while listing other areas. The verdict is the worst reason's."""
    extra = []
    if entry.capacity == CAPACITY_CLOSED:
        extra.append(CLOSED_REASON)
    if elsewhere:
        home_name = home.short_name if home is not None else "the patient's area"
        names = entry.areas_served
        served = f"{', '.join(names[:-1])} and {names[-1]}" if len(names) > 1 else "".join(names)
        listed = f"Listed as serving {served}, not" if served else "Not listed as serving"
        extra.append(
            Reason(
                "reach",
                Verdict.CHECK,
                f"{listed} {home_name}: check they take patients from there",
            )
        )
    if not extra:
        return decision
    reasons = (*decision.reasons, *extra)
    return Decision(max((r.verdict for r in reasons), key=SEVERITY.__getitem__), reasons)


def service_criteria(service: Service) -> Criteria:
    """Return a service's criteria read from the database (with its eligible areas and source)."""
    via = frozenset(
        connection
        for connection, on in (
            ("lives", service.eligible_if_lives),
            ("works", service.eligible_if_works),
            ("gp", service.eligible_if_gp),
        )
        if on
    )
    published = service.eligibility_published
    return Criteria(
        areas=tuple(
            AreaRef(a.code, a.short_name)
            for a in sorted(service.eligible_areas.all(), key=lambda a: a.code)
        ),
        via=via,
        min_age=service.min_age,
        max_age=service.max_age,
        only_for=tuple(service.only_for or ()),
        areas_published=published,
        source_name=None if published else (service.source.name if service.source else None),
    )


def service_decision(query: MatchQuery, service: Service) -> Decision:
    """Return this patient's decision for one service, read from the database (a write, such as
    recording a referral, never touches the index): the engine's, and closed to new referrals."""
    decision = decide(service_criteria(service), resolve_patient(query).patient)
    if service.capacity == Service.Capacity.CLOSED:
        reasons = (*decision.reasons, CLOSED_REASON)
        return Decision(max((r.verdict for r in reasons), key=SEVERITY.__getitem__), reasons)
    return decision


@dataclass(frozen=True)
class NotOpenToPatient:
    """Why a service is not open to a patient: a NotOpen value and the reasons, in words."""

    why: str
    reasons: tuple[str, ...]


def not_open(decision: Decision) -> NotOpenToPatient | None:
    """Return why a service is not open to the patient, or None if it may be.

    A service is not open if the patient is not eligible for it (the reasons not met), or else
    if it is closed to new referrals. "Check first" alone is not "not open"."""
    if decision.verdict == Verdict.NOT_ELIGIBLE:
        return NotOpenToPatient(
            NotOpen.NOT_ELIGIBLE,
            tuple(r.text for r in decision.reasons if r.verdict == Verdict.NOT_ELIGIBLE),
        )
    if any(r.criterion == CLOSED_REASON.criterion for r in decision.reasons):
        return NotOpenToPatient(NotOpen.CLOSED, (CLOSED_REASON.text,))
    return None


# The groups of a search's results, in the order shown: (slug, title).
CAN_USE = "can-use"
CAN_USE_NOT_OPEN = "can-use-closed"
CHECK_FIRST = "check-first"
NOT_OPEN = "not-open"
RESULT_GROUPS = (
    (CAN_USE, "Can use"),
    (CAN_USE_NOT_OPEN, "Can use, but closed to new referrals or with a waiting list"),
    (CHECK_FIRST, "Check first"),
    (NOT_OPEN, "Not open to this patient"),
)


def result_group(item: "Match") -> str:
    """Return the group a result is shown in.

    "Can use" is only for services the patient is eligible for that take new referrals
    without a waiting list; eligible but closed to new referrals, or with a waiting list, is a
    group of its own; any other doubt is "check first"; not eligible is "not open"."""
    if item.decision.verdict == Verdict.NOT_ELIGIBLE:
        return NOT_OPEN
    others = [r for r in item.decision.reasons if r.criterion != CLOSED_REASON.criterion]
    if any(r.verdict != Verdict.ELIGIBLE for r in others):
        return CHECK_FIRST
    if item.closed or item.entry.capacity == Service.Capacity.WAITING_LIST:
        return CAN_USE_NOT_OPEN
    return CAN_USE


def check_query(query: MatchQuery) -> None:
    """Raise MatchError for a query that match() would refuse, without ranking anything: a
    search form's post is checked, then matched on the results page it redirects to."""
    resolve_patient(query, current_index())


def match(query: MatchQuery) -> MatchResult:
    """Return the ranked services for this patient, and the needs no eligible service meets."""
    index = current_index()
    resolved = resolve_patient(query, index)
    size = index.size
    covered = np.zeros(size, dtype=np.int64)
    for need_id in resolved.need_ids:
        positions = index.need_postings.get(need_id)
        if positions is not None:
            covered[positions] += 1
    listed = _listed_for(index, resolved.area_codes())
    reach = listed.copy()
    has_home_point = resolved.latitude is not None
    if has_home_point:
        radius = query.max_distance_km or NEARBY_KM
        box = bounding_box(resolved.latitude, resolved.longitude, radius)
        rows = index.positions_near(resolved.latitude, resolved.longitude, box)
        near = within_km(
            resolved.latitude, resolved.longitude, index.loc_lat[rows], index.loc_lon[rows], radius
        )
        reach[index.loc_service[rows[near]]] = True
    candidates = np.flatnonzero((covered > 0) & reach)

    if query.delivery_modes:
        wanted_bits = sum(MODE_BITS[m] for m in set(query.delivery_modes))
        candidates = candidates[(index.mode_bits[candidates] & wanted_bits) != 0]
    if query.free_only:
        candidates = candidates[index.free[candidates]]
    if query.open_on is not None:
        # By appointment only opens on no day: such a service is filtered out.
        wanted_day = day_bit(parse_weekday(query.open_on))
        candidates = candidates[(index.open_days[candidates] & wanted_day) != 0]
    # Great-circle distances first; `exact` marks those replaced by the geodesic.
    distances = np.full(len(candidates), np.nan)
    exact = np.zeros(len(candidates), dtype=bool)
    if has_home_point and len(candidates):
        distances = _nearest_distances(
            index, candidates, resolved.latitude, resolved.longitude, haversine_km
        )
    if query.max_distance_km is not None:
        low, high = _sphere_bounds(distances)
        unsure = (low <= query.max_distance_km) & (high > query.max_distance_km)
        if unsure.any():
            distances[unsure] = _nearest_distances(
                index, candidates[unsure], resolved.latitude, resolved.longitude
            )
            exact[unsure] = True
        keep = np.isnan(distances) | (distances <= query.max_distance_km)
        candidates, distances, exact = candidates[keep], distances[keep], exact[keep]

    # Services share criteria in the index: decide each distinct one once.
    keys = index.criteria_key[candidates]
    # Ranked on the verdicts alone; decided, with the reasons' words, for the results shown.
    severity_of = np.zeros(len(index.criteria), dtype=np.int64)
    area_ok_of = np.zeros(len(index.criteria), dtype=bool)
    for key in _distinct(keys, len(index.criteria)):
        verdict, area = verdicts(index.criteria[key], resolved.patient)
        severity_of[key] = SEVERITY[verdict]
        area_ok_of[key] = area == Verdict.ELIGIBLE
    decisions: dict[int, Decision] = {}
    closed = index.closed[candidates]
    # Found only because it is near, and open to any area: it lists other areas than the
    # patient's, so "can use" would be a guess.
    elsewhere = ~listed[candidates] & area_ok_of[keys]
    severity = severity_of[keys]
    severity = np.where(closed | elsewhere, np.maximum(severity, SEVERITY[Verdict.CHECK]), severity)
    ids = index.ids[candidates]
    unreviewed = -index.reviewed[candidates].astype(np.int64)
    fewer_needs = -covered[candidates]
    # The geodesic for the candidates that could be among those shown (see SPHERE_ERROR).
    todo = ~exact & ~np.isnan(distances)
    if len(candidates) > query.limit and todo.any():
        todo &= _may_be_shown(
            query.limit, (severity, closed, fewer_needs), distances, exact, (unreviewed, ids)
        )
    if todo.any():
        distances[todo] = _nearest_distances(
            index, candidates[todo], resolved.latitude, resolved.longitude
        )
    # The distance shown (to 10 m) is the one ranked on, so equal figures tie.
    rounded = np.where(np.isnan(distances), np.inf, np.round(distances, 2))
    order = np.lexsort((ids, unreviewed, rounded, fewer_needs, closed, severity))

    # Closed and elsewhere services are "check" by now: usable means eligible and open.
    usable = severity == SEVERITY[Verdict.ELIGIBLE]
    met = [
        need_id
        for need_id in resolved.need_ids
        if need_id in index.need_postings
        and _in_sorted(candidates[usable], index.need_postings[need_id]).any()
    ]
    shown = order[: query.limit]
    entries = _entries(index, candidates[shown], elsewhere[shown])
    addresses = _addresses(index, resolved, [int(candidates[i]) for i in shown.tolist()])
    covering = _covering(index, resolved.need_ids, candidates[shown])
    results = []
    for row, i in enumerate(shown.tolist()):
        position = int(candidates[i])
        entry = entries.get(position)
        if entry is None:  # deleted since the index was built: nothing to show
            continue
        key = int(keys[i])
        if key not in decisions:
            decisions[key] = decide(index.criteria[key], resolved.patient)
        decision = _listing_decision(decisions[key], entry, bool(elsewhere[i]), resolved.home_area)
        matched = [n for n in resolved.need_ids if covering[n][row]]
        distance = None if np.isnan(distances[i]) else round(float(distances[i]), 2)
        results.append(Match(entry, decision, matched, distance, addresses.get(position)))
    return MatchResult(
        patient=resolved,
        results=results,
        total=len(candidates),
        unmet_need_ids=[n for n in resolved.need_ids if n not in met],
        need_slugs=index.need_slugs,
        need_names=index.need_names,
        revision=index.revision,
    )


def _may_be_shown(limit, first: tuple, distances, exact, then: tuple) -> np.ndarray:
    """The candidates that could rank among the first `limit` once their great-circle
    distances are geodesic: ranked on keys `first`, the distance to 10 m, then keys `then`.

    The limit-th candidate, each distance at the top of its range, sets a bar: at least
    `limit` candidates rank at or before it whatever their geodesic distances. A candidate
    whose distance at the bottom of its range still ranks after the bar cannot be shown."""
    low, high = _sphere_bounds(distances)
    low = np.where(exact, distances, low)
    high = np.where(exact, distances, high)
    worst = np.where(np.isnan(high), np.inf, np.round(high, 2))
    best = np.where(np.isnan(low), np.inf, np.round(low, 2))
    bar = np.lexsort((*reversed(then), worst, *reversed(first)))[limit - 1]
    columns = (*first, worst, *then)
    return _lex_at_most((*first, best, *then), tuple(column[bar] for column in columns))


def _covering(index: DirectoryIndex, need_ids, positions: np.ndarray) -> dict:
    """For each need, which of these services help with it."""
    empty = np.zeros(0, dtype=np.int64)
    return {
        need_id: _in_sorted(positions, index.need_postings.get(need_id, empty))
        for need_id in need_ids
    }


# A returned service's display fields, the areas it serves and a location's address: read for
# the rows shown only.
_DISPLAY_FIELDS = ByIds(
    lambda ids: Service.objects.filter(pk__in=ids).order_by().values_list(
        "id", "name", "organisation__name", "description", "referral_route", "phone", "email",
        "website", "is_free", "cost",
    )
)  # fmt: skip
_AREAS_SERVED = ByIds(
    lambda ids: (
        Service.areas_served.through.objects.filter(service_id__in=ids)
        .order_by()
        .values_list("service_id", "area__name", "area__kind")
    )
)
_ADDRESSES = ByIds(
    lambda ids: (
        Location.objects.filter(pk__in=ids).order_by().values_list("id", "address", "postcode")
    )
)


def _entries(index: DirectoryIndex, positions: np.ndarray, elsewhere: np.ndarray) -> dict:
    """The returned rows' entries: flags from the index, display fields from the database (one
    query, and one more for the areas served of services found only because they are near)."""
    ids = [int(i) for i in index.ids[positions]]
    rows = {row[0]: row for row in _DISPLAY_FIELDS.rows(ids)}
    served: dict[int, list[str]] = {}
    near_only = [ids[i] for i in np.flatnonzero(elsewhere).tolist()]
    if near_only:
        for service_id, name, kind in _AREAS_SERVED.rows(near_only):
            served.setdefault(service_id, []).append(Area(name=name, kind=kind).short_name)
    national = set(positions[_in_sorted(positions, index.national)].tolist())
    entries = {}
    for position, service_id in zip(positions.tolist(), ids, strict=True):
        row = rows.get(service_id)
        if row is None:
            continue
        _, name, organisation, description, route, phone, email, website, is_free, cost = row
        bits = int(index.mode_bits[position])
        ordinal = int(index.reviewed[position])
        entries[position] = Entry(
            id=service_id,
            name=name,
            organisation=organisation,
            description=description,
            capacity=CAPACITIES[int(index.capacity[position])],
            delivery_modes=frozenset(m for m, bit in MODE_BITS.items() if bits & bit),
            criteria=index.criteria[int(index.criteria_key[position])],
            last_reviewed=dt.date.fromordinal(ordinal) if ordinal else None,
            referral_route=route,
            phone=phone,
            email=email,
            website=website,
            serves_nationally=position in national,
            areas_served=tuple(sorted(served.get(service_id, ()))),
            is_free=is_free,
            cost=cost,
        )
    return entries


def _nearest_distances(
    index, candidates: np.ndarray, lat: float, lon: float, measure=geodesic_distances_km
) -> np.ndarray:
    """The distance to each candidate's nearest location (NaN for remote services): geodesic,
    or as `measure` measures it."""
    counts = index.loc_count[candidates].astype(np.int64)
    distances = np.full(len(candidates), np.nan)
    located = counts > 0
    if not located.any():
        return distances
    starts = index.loc_start[candidates[located]]
    counts = counts[located]
    offsets = np.cumsum(counts) - counts
    rows = np.repeat(starts - offsets, counts) + np.arange(counts.sum())
    each = measure(lat, lon, index.loc_lat[rows], index.loc_lon[rows])
    distances[located] = np.minimum.reduceat(each, offsets)
    return distances


def _addresses(index, resolved, positions: list[int]) -> dict[int, tuple[str, str]]:
    """The address of each returned service's nearest location, in one query."""
    if resolved.latitude is None or not positions:
        return {}
    at = np.array(positions, dtype=np.int64)
    counts = index.loc_count[at].astype(np.int64)
    located = counts > 0
    if not located.any():
        return {}
    at, counts = at[located], counts[located]
    offsets = np.cumsum(counts) - counts
    rows = np.repeat(index.loc_start[at] - offsets, counts) + np.arange(counts.sum())
    each = geodesic_distances_km(
        resolved.latitude, resolved.longitude, index.loc_lat[rows], index.loc_lon[rows]
    )
    best_of = {}
    for position, start, count in zip(at.tolist(), offsets.tolist(), counts.tolist(), strict=True):
        best = rows[start + int(np.argmin(each[start : start + count]))]
        best_of[position] = int(index.loc_id[best])
    found = {
        pk: (address, postcode) for pk, address, postcode in _ADDRESSES.rows(list(best_of.values()))
    }
    return {position: found[loc] for position, loc in best_of.items() if loc in found}


def shown_listings(result: "MatchResult") -> dict[int, ListingFacts]:
    """The cost and schedules of the services a result shows, by id (a result card's and the
    match API's listing facts): the costs matching read, the schedules in one query."""
    return listing_details({m.entry.id: (m.entry.is_free, m.entry.cost) for m in result.results})
