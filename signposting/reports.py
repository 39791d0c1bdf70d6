"""Reports for network leads: pandas over querysets, one plain function a report.

Each report takes a Scope (a period and optionally an area and a team) and returns a DataFrame
of raw counts. `build_report` applies small-number suppression for anything a person sees or
downloads; tests call the functions directly to check the raw figures.
"""

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.conf import settings
from django.db.models import Case, CharField, Count, Q, QuerySet, Value, When
from django.db.models.functions import TruncMonth
from django.utils import timezone

from directory.geometry import bounding_box, haversine_km
from directory.models import Area, Need, Postcode, Service
from directory.queries import needs_review, serving_area
from eligibility.engine import Patient, Place, Verdict, decide
from signposting.index import current_index
from signposting.models import OutcomeEvent, Referral, Team

SUPPRESSED = "<{threshold}"
COVERAGE_KM = 2.0


@dataclass(frozen=True)
class Scope:
    start: dt.date
    end: dt.date
    area: Area | None = None
    team: Team | None = None

    def local_authorities(self) -> list[str] | None:
        if self.area is None:
            return None
        if self.area.kind == Area.Kind.ICB:
            return list(self.area.members.values_list("code", flat=True))
        return [self.area.code]

    def referrals(self) -> QuerySet:
        """Referrals made in the period (inclusive), for the team, by patients of the area."""
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(self.start, dt.time.min, tzinfo=tz)
        end = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        referrals = Referral.objects.filter(created_at__gte=start, created_at__lt=end)
        if self.team is not None:
            referrals = referrals.filter(team=self.team)
        codes = self.local_authorities()
        if codes is not None:
            referrals = referrals.filter(Q(home_area__in=codes) | Q(gp_area__in=codes))
        return referrals


def default_scope() -> Scope:
    today = timezone.localdate()
    return Scope(start=today - dt.timedelta(days=365), end=today)


def _frame(rows, columns) -> pd.DataFrame:
    """A frame from .values() rows, naming their fields (in query order) as `columns`."""
    return pd.DataFrame([tuple(row.values()) for row in rows], columns=columns)


def _percent(part, whole):
    return np.where(whole > 0, np.round(100 * part / np.where(whole > 0, whole, 1)), np.nan)


SOURCE_LABELS = dict(Referral.Source.choices)
STATE_LABELS = {**dict(OutcomeEvent.Kind.choices), "": "No outcome yet"}
TOTAL = "All referrals"
WAITING = {"", "referred", "signposted"}


def referrals_report(scope: Scope) -> pd.DataFrame:
    """Referrals by source and by reason (a referral counts once for each of its reasons),
    for the whole period and by month. Percentages are of the referrals in the same month."""
    referrals = scope.referrals()
    through = Referral.needs.through.objects.filter(referral__in=referrals)
    parts = []
    for month_expr, label in ((None, "all"), (TruncMonth("created_at"), None)):
        group = ["source"] if month_expr is None else ["month", "source"]
        base = referrals if month_expr is None else referrals.annotate(month=month_expr)
        sources = _frame(base.values(*group).annotate(referrals=Count("id")), [*group, "referrals"])
        if month_expr is None:
            reasons = _frame(
                through.values("need__name").annotate(referrals=Count("referral_id")),
                ["need", "referrals"],
            )
        else:
            reasons = _frame(
                through.annotate(month=TruncMonth("referral__created_at"))
                .values("month", "need__name")
                .annotate(referrals=Count("referral_id")),
                ["month", "need", "referrals"],
            )
        if month_expr is None:
            sources["month"] = label
            reasons["month"] = label
        else:
            sources["month"] = pd.to_datetime(sources["month"]).dt.strftime("%Y-%m")
            reasons["month"] = pd.to_datetime(reasons["month"]).dt.strftime("%Y-%m")
        totals = sources.groupby("month", as_index=False)["referrals"].sum()
        totals["category"] = TOTAL
        sources["category"] = sources["source"].map(SOURCE_LABELS)
        sources["breakdown"] = "source"
        totals["breakdown"] = "source"
        reasons["category"] = reasons["need"]
        reasons["breakdown"] = "reason"
        parts += [totals, sources, reasons]
    frame = pd.concat(parts, ignore_index=True)
    columns = ["breakdown", "month", "category", "referrals", "percent"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    month_totals = frame[frame["category"] == TOTAL].set_index("month")["referrals"]
    frame["percent"] = _percent(frame["referrals"], frame["month"].map(month_totals).fillna(0))
    frame["order"] = np.where(frame["category"] == TOTAL, 0, 1)
    frame["month_order"] = np.where(frame["month"] == "all", "", frame["month"])
    frame = frame.sort_values(
        ["breakdown", "month_order", "order", "referrals", "category"],
        ascending=[False, True, True, False, True],
    )
    return frame[columns].reset_index(drop=True)


def uptake_report(scope: Scope) -> pd.DataFrame:
    """Uptake: referrals with an accepted event over all referrals; the others by their latest
    outcome, as counts and as percentages of all referrals and of those not accepted."""
    referrals = scope.referrals()
    total = referrals.count()
    accepted = referrals.filter(ever_accepted=True).count()
    others = _frame(
        referrals.filter(ever_accepted=False).values("state").annotate(referrals=Count("id")),
        ["state", "referrals"],
    )
    # Referrals still waiting are one group, whatever their last step was.
    others["state"] = others["state"].where(~others["state"].isin(WAITING), "awaiting")
    others = others.groupby("state", as_index=False)["referrals"].sum()
    rows = [("all", TOTAL, total), ("accepted", "Accepted", accepted)]
    for state, count in sorted(
        zip(others["state"], others["referrals"], strict=True), key=lambda r: (-r[1], r[0])
    ):
        label = "awaiting an outcome" if state == "awaiting" else STATE_LABELS[state].lower()
        rows.append((state, f"Not accepted: {label}", int(count)))
    frame = pd.DataFrame(rows, columns=["outcome", "label", "referrals"])
    not_accepted = total - accepted
    frame["percent_of_referrals"] = _percent(frame["referrals"], total)
    frame["percent_of_not_accepted"] = np.where(
        frame["outcome"].isin(["all", "accepted"]),
        np.nan,
        _percent(frame["referrals"], not_accepted),
    )
    return frame


def outcomes_report(scope: Scope) -> pd.DataFrame:
    """Referrals by month, home borough, need and current outcome."""
    rows = (
        Referral.needs.through.objects.filter(referral__in=scope.referrals())
        .annotate(month=TruncMonth("referral__created_at"))
        .values("month", "referral__home_area__name", "need__name", "referral__state")
        .annotate(referrals=Count("referral_id"))
    )
    frame = _frame(rows, ["month", "borough", "need", "outcome", "referrals"])
    if frame.empty:
        return frame
    frame["month"] = pd.to_datetime(frame["month"]).dt.strftime("%Y-%m")
    frame["borough"] = frame["borough"].fillna("Not known")
    frame["outcome"] = frame["outcome"].map(STATE_LABELS)
    return frame.sort_values(["month", "borough", "need", "outcome"]).reset_index(drop=True)


def out_of_area_report(scope: Scope) -> pd.DataFrame:
    """Referrals whose patients live outside the area that funds the team, and what happened."""
    columns = ["team", "funding_area", "lives_in", "gp_in_funding_area", "outcome", "referrals"]
    teams = Team.objects.filter(funding_area__isnull=False).select_related("funding_area")
    if scope.team is not None:
        teams = teams.filter(pk=scope.team.pk)
    parts = []
    for team in teams:
        area = team.funding_area
        codes = (
            list(area.members.values_list("code", flat=True))
            if area.kind == Area.Kind.ICB
            else [area.code]
        )
        rows = (
            scope.referrals()
            .filter(team=team, home_area__isnull=False)
            .exclude(home_area__in=codes)
            .annotate(
                gp_in=Case(
                    When(gp_area__in=codes, then=Value("yes")),
                    default=Value("no"),
                    output_field=CharField(),
                )
            )
            .values("home_area__name", "gp_in", "state")
            .annotate(referrals=Count("id"))
        )
        frame = _frame(rows, ["lives_in", "gp_in_funding_area", "outcome", "referrals"])
        frame["team"] = team.name
        frame["funding_area"] = area.short_name
        parts.append(frame)
    if not parts:
        return pd.DataFrame(columns=columns)
    frame = pd.concat(parts, ignore_index=True)
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame = frame.groupby(columns[:-1], as_index=False)["referrals"].sum()
    frame["outcome"] = frame["outcome"].map(STATE_LABELS)
    return frame.sort_values(["team", "referrals"], ascending=[True, False])[columns].reset_index(
        drop=True
    )


def gap_boroughs(scope: Scope) -> list[Area]:
    codes = scope.local_authorities()
    if codes is None and scope.team is not None and scope.team.funding_area_id:
        codes = Scope(scope.start, scope.end, scope.team.funding_area).local_authorities()
    boroughs = Area.objects.filter(kind=Area.Kind.LOCAL_AUTHORITY).select_related("icb")
    if codes is not None:
        return list(boroughs.filter(code__in=codes).order_by("name"))
    return list(boroughs.filter(icb__isnull=False).order_by("name"))


def gaps_report(scope: Scope) -> pd.DataFrame:
    """For each borough and need: the open services its residents may use, the demand
    (referrals from residents with that need), the unmet demand (no service available, or not
    eligible), and the share of its postcodes within 2 km of such a service delivered in person.
    Worst first."""
    index = current_index()
    boroughs = gap_boroughs(scope)
    needs = list(Need.objects.order_by("name"))
    referrals = scope.referrals()
    demand = _counts(
        Referral.needs.through.objects.filter(referral__in=referrals)
        .values("referral__home_area", "need")
        .annotate(n=Count("referral_id", distinct=True))
    )
    no_service = _counts(
        OutcomeEvent.objects.filter(referral__in=referrals, kind="no_service_available")
        .values("referral__home_area", "need")
        .annotate(n=Count("referral_id", distinct=True))
    )
    turned_away = _counts(
        Referral.needs.through.objects.filter(
            referral__in=referrals.filter(events__kind="not_eligible")
        )
        .values("referral__home_area", "need")
        .annotate(n=Count("referral_id", distinct=True))
    )
    rows = []
    for borough in boroughs:
        open_to_residents = _open_to_residents(index, borough)
        lats, lons = _postcode_points(borough)
        for need in needs:
            postings = index.need_postings.get(need.pk, np.array([], dtype=np.int64))
            services = np.intersect1d(open_to_residents, postings, assume_unique=True)
            key = (borough.code, need.pk)
            rows.append(
                {
                    "borough": borough.name,
                    "need": need.name,
                    "services_open": int(len(services)),
                    "demand": demand.get(key, 0),
                    "unmet": no_service.get(key, 0) + turned_away.get(key, 0),
                    "coverage_2km_percent": _coverage(index, services, lats, lons),
                }
            )
    frame = pd.DataFrame(
        rows,
        columns=["borough", "need", "services_open", "demand", "unmet", "coverage_2km_percent"],
    )
    # Worst first: demand with no service at all, then the most unmet demand.
    frame["no_service"] = (frame["services_open"] == 0) & (frame["demand"] > 0)
    frame = frame.sort_values(
        [
            "no_service",
            "unmet",
            "services_open",
            "demand",
            "coverage_2km_percent",
            "borough",
            "need",
        ],
        ascending=[False, False, True, False, True, True, True],
    )
    return frame.drop(columns="no_service").reset_index(drop=True)


def _counts(rows) -> dict:
    return {(r["referral__home_area"], r["need"]): r["n"] for r in rows}


def _open_to_residents(index, borough: Area) -> np.ndarray:
    """Positions of published, not closed services serving the borough whose area rule admits
    people who live there (age and group rules are not known for a whole borough)."""
    size = index.size
    reach = np.zeros(size, dtype=bool)
    for code in [borough.code, borough.icb_id]:
        if code and code in index.area_postings:
            reach[index.area_postings[code]] = True
    reach[index.national] = True
    reach &= ~index.closed
    place = Place(
        borough.code,
        borough.name,
        borough.icb_id,
        borough.icb.short_name if borough.icb else None,
    )
    resident = Patient(home=place)
    admits = np.zeros(len(index.criteria), dtype=bool)
    candidates = np.flatnonzero(reach)
    for key in np.unique(index.criteria_key[candidates]).tolist():
        area_reason = decide(index.criteria[key], resident).reasons[0]
        admits[key] = area_reason.verdict == Verdict.ELIGIBLE
    return candidates[admits[index.criteria_key[candidates]]]


def _postcode_points(borough: Area) -> tuple[np.ndarray, np.ndarray]:
    rows = np.array(
        Postcode.objects.filter(local_authority=borough, latitude__isnull=False).values_list(
            "latitude", "longitude"
        ),
        dtype=float,
    ).reshape(-1, 2)
    order = np.argsort(rows[:, 0], kind="stable")
    return rows[order, 0], rows[order, 1]


def _coverage(index, services: np.ndarray, lats: np.ndarray, lons: np.ndarray) -> float:
    """The percentage of the postcodes within COVERAGE_KM of one of the services' locations."""
    if len(lats) == 0:
        return float("nan")
    covered = np.zeros(len(lats), dtype=bool)
    for position in services.tolist():
        start, count = int(index.loc_start[position]), int(index.loc_count[position])
        for row in range(start, start + count):
            lat, lon = index.loc_lat[row], index.loc_lon[row]
            min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, COVERAGE_KM)
            lo, hi = np.searchsorted(lats, [min_lat, max_lat])
            if lo == hi:
                continue
            near = (lons[lo:hi] >= min_lon) & (lons[lo:hi] <= max_lon)
            if not near.any():
                continue
            hits = np.flatnonzero(near) + lo
            within = haversine_km(lat, lon, lats[hits], lons[hits]) <= COVERAGE_KM
            covered[hits[within]] = True
    return round(100 * covered.mean(), 1)


def directory_health_report(scope: Scope) -> pd.DataFrame:
    """Published services by the area they serve: stale reviews, no contact details, closed,
    waiting lists. A point-in-time report: the period does not apply."""
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


# --- small-number suppression -------------------------------------------------------------


@dataclass(frozen=True)
class ReportSpec:
    function: object
    title: str
    counts: tuple[str, ...]  # columns of patient counts, suppressed when small
    percents: tuple[str, ...] = ()
    # Rows that add up to a total row within a group: (group columns, is-total column, value)
    partition: tuple[tuple[str, ...], str, str] | None = None


REPORTS: dict[str, ReportSpec] = {
    "referrals": ReportSpec(
        referrals_report,
        "Referrals by source and reason",
        counts=("referrals",),
        percents=("percent",),
        partition=(("breakdown", "month"), "category", TOTAL),
    ),
    "uptake": ReportSpec(
        uptake_report,
        "Uptake and reasons for non-acceptance",
        counts=("referrals",),
        percents=("percent_of_referrals", "percent_of_not_accepted"),
        partition=((), "label", TOTAL),
    ),
    "outcomes": ReportSpec(outcomes_report, "Outcomes by borough, need and month", ("referrals",)),
    "out-of-area": ReportSpec(out_of_area_report, "Out-of-area demand", counts=("referrals",)),
    "gaps": ReportSpec(gaps_report, "Gaps in provision", counts=("demand", "unmet")),
    "directory-health": ReportSpec(directory_health_report, "Directory health", counts=()),
}


def suppress(frame: pd.DataFrame, spec: ReportSpec, threshold: int | None = None) -> pd.DataFrame:
    """Show counts from 1 to threshold-1 as "<threshold", with what would reveal them.

    A suppressed count's percentages go too. Where rows add up to a total row (a partition),
    one suppressed row would be recoverable by subtraction, so the total row is suppressed as
    well, and with it every percentage in the group (a count over its percentage gives the
    total back).
    """
    threshold = settings.SIGNPOST_SUPPRESSION_THRESHOLD if threshold is None else threshold
    if frame.empty or not spec.counts:
        return frame
    label = SUPPRESSED.format(threshold=threshold)
    small = np.zeros(len(frame), dtype=bool)
    result = frame.astype({c: object for c in (*spec.counts, *spec.percents)}).copy()
    for column in spec.counts:
        values = pd.to_numeric(frame[column], errors="coerce").fillna(0)
        hide = (values > 0) & (values < threshold)
        small |= hide.to_numpy()
        result.loc[hide, column] = label
    for column in spec.percents:
        result.loc[small, column] = None
    if spec.partition is not None:
        group_columns, total_column, total_value = spec.partition
        keys = (
            frame[list(group_columns)].astype(str).agg("|".join, axis=1)
            if group_columns
            else pd.Series("all", index=frame.index)
        )
        for key in keys[small].unique():
            in_group = (keys == key).to_numpy()
            total_row = in_group & (frame[total_column] == total_value).to_numpy()
            for column in spec.counts:
                result.loc[total_row, column] = "suppressed"
            for column in spec.percents:
                result.loc[in_group, column] = None
    return result


def build_report(name: str, scope: Scope, *, suppressed: bool = True) -> pd.DataFrame:
    spec = REPORTS[name]
    frame = spec.function(scope)
    return suppress(frame, spec) if suppressed else frame
