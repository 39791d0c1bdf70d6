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

from dataclasses import dataclass, field

import numpy as np

from directory.geometry import bounding_box, geodesic_km, haversine_km
from directory.listing import WEEKDAY_SLUGS, day_bit, parse_weekday
from directory.models import DELIVERY_MODE_FIELDS, Area, GPPractice, PatientGroup
from directory.postcodes import PostcodeError, lookup_postcode
from eligibility.engine import SEVERITY, Decision, Patient, Place, Reason, Verdict, decide
from signposting.index import CAPACITY_CLOSED, MODE_BITS, DirectoryIndex, Entry, current_index

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


def _place(area: Area | None) -> Place | None:
    if area is None:
        return None
    icb = area.icb
    return Place(area.code, area.name, icb.code if icb else None, icb.short_name if icb else None)


def resolve_patient(query: MatchQuery, index: DirectoryIndex) -> ResolvedPatient:
    """Turn what the user typed into engine facts, collecting every problem by field."""
    errors: dict[str, list[str]] = {}

    def err(name, message):
        errors.setdefault(name, []).append(message)

    home = work = None
    try:
        home = lookup_postcode(query.home_postcode or "")
    except PostcodeError as exc:
        err("home_postcode", str(exc))
    if query.work_postcode:
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
    aliases = index.need_aliases
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
        ),
        home_area=home_area,
        gp_area=gp_area,
        work_area=work_area,
        latitude=home.latitude,
        longitude=home.longitude,
        need_ids=need_ids,
    )


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


def _area_verdict(decision: Decision) -> Verdict:
    return next(r.verdict for r in decision.reasons if r.criterion == "area")


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
    for key in np.unique(index.criteria_key[candidates]).tolist():
        admits[key] = _area_verdict(decide(index.criteria[key], resident)) == Verdict.ELIGIBLE
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
        reach[index.positions_near(resolved.latitude, resolved.longitude, box)] = True
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
    distances = np.full(len(candidates), np.nan)
    if has_home_point and len(candidates):
        distances = _nearest_distances(index, candidates, resolved.latitude, resolved.longitude)
    if query.max_distance_km is not None:
        keep = np.isnan(distances) | (distances <= query.max_distance_km)
        candidates, distances = candidates[keep], distances[keep]

    # Services share criteria objects in the index: decide each distinct one once.
    keys = index.criteria_key[candidates]
    decisions: dict[int, Decision] = {}
    for key in np.unique(keys).tolist():
        decisions[key] = decide(index.criteria[key], resolved.patient)
    severity_of = np.zeros(len(index.criteria), dtype=np.int64)
    area_ok_of = np.zeros(len(index.criteria), dtype=bool)
    for key, decision in decisions.items():
        severity_of[key] = SEVERITY[decision.verdict]
        area_ok_of[key] = _area_verdict(decision) == Verdict.ELIGIBLE
    closed = index.closed[candidates]
    # Found only because it is near, and open to any area: it lists other areas than the
    # patient's, so "can use" would be a guess.
    elsewhere = ~listed[candidates] & area_ok_of[keys]
    severity = severity_of[keys]
    severity = np.where(closed | elsewhere, np.maximum(severity, SEVERITY[Verdict.CHECK]), severity)
    rounded = np.where(np.isnan(distances), np.inf, np.round(distances, 2))
    order = np.lexsort(
        (
            index.ids[candidates],
            -index.reviewed[candidates],
            rounded,
            -covered[candidates],
            closed,
            severity,
        )
    )

    # Closed and elsewhere services are "check" by now: usable means eligible and open.
    usable = severity == SEVERITY[Verdict.ELIGIBLE]
    met = [
        need_id
        for need_id in resolved.need_ids
        if need_id in index.need_postings
        and np.isin(candidates[usable], index.need_postings[need_id]).any()
    ]
    requested = set(resolved.need_ids)
    results = []
    for i in order[: query.limit].tolist():
        position = int(candidates[i])
        entry = index.entries[position]
        distance = None if np.isnan(distances[i]) else float(distances[i])
        decision = _listing_decision(
            decisions[int(keys[i])], entry, bool(elsewhere[i]), resolved.home_area
        )
        results.append(
            _present(
                index,
                resolved,
                position,
                decision,
                sorted(requested & entry.need_ids),
                distance,
            )
        )
    return MatchResult(
        patient=resolved,
        results=results,
        total=len(candidates),
        unmet_need_ids=[n for n in resolved.need_ids if n not in met],
        need_slugs=index.need_slugs,
        need_names=index.need_names,
    )


def _nearest_distances(index, candidates: np.ndarray, lat: float, lon: float) -> np.ndarray:
    """The rough distance to each candidate's nearest location (NaN for remote services)."""
    counts = index.loc_count[candidates]
    distances = np.full(len(candidates), np.nan)
    located = counts > 0
    if not located.any():
        return distances
    starts = index.loc_start[candidates[located]]
    counts = counts[located]
    offsets = np.cumsum(counts) - counts
    rows = np.repeat(starts - offsets, counts) + np.arange(counts.sum())
    rough = haversine_km(lat, lon, index.loc_lat[rows], index.loc_lon[rows])
    distances[located] = np.minimum.reduceat(rough, offsets)
    return distances


def _present(index, resolved, position, decision, matched, rough) -> Match:
    """Build one shown result, with geopy's geodesic distance to its nearest location."""
    entry = index.entries[position]
    distance = location = None
    if rough is not None:
        start, count = int(index.loc_start[position]), int(index.loc_count[position])
        home = (resolved.latitude, resolved.longitude)
        distance, best = min(
            (geodesic_km(home, (index.loc_lat[row], index.loc_lon[row])), row)
            for row in range(start, start + count)
        )
        location = index.loc_address[best]
    return Match(entry, decision, matched, distance, location)
