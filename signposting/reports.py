"""Reports for network leads: pandas over querysets, one plain function a report.

Each report takes a Scope (a period and optionally an area and a team) and returns a DataFrame
of raw counts. `build_report` applies small-number suppression for anything a person sees or
downloads; tests call the functions directly to check the raw figures.
"""

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection
from django.db.models import Case, CharField, Count, Max, Q, QuerySet, Value, When
from django.utils import timezone
from scipy.spatial import cKDTree

from directory.models import Area, DataImport, Need, Postcode, Service
from directory.queries import needs_review, serving_area
from signposting.index import current_index
from signposting.matching import services_open_to_residents
from signposting.models import OutcomeEvent, Referral, ReferralNeed, Team

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
        return self.apply(Referral.objects.all())

    def needs(self) -> QuerySet:
        """The same referrals' (referral, need) rows, filtered on their copied columns."""
        return self.apply(ReferralNeed.objects.all())

    def apply(self, queryset: QuerySet, prefix: str = "") -> QuerySet:
        """Filter a queryset of referrals, of referral needs (which carry the same columns), or
        of rows pointing at a referral (prefix "referral__")."""
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(self.start, dt.time.min, tzinfo=tz)
        end = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        queryset = queryset.filter(
            **{f"{prefix}created_at__gte": start, f"{prefix}created_at__lt": end}
        )
        if self.team is not None:
            queryset = queryset.filter(**{f"{prefix}team": self.team})
        codes = self.local_authorities()
        if codes is not None:
            queryset = queryset.filter(
                Q(**{f"{prefix}home_area__in": codes}) | Q(**{f"{prefix}gp_area__in": codes})
            )
        return queryset


def month_labels(scope: "Scope") -> list[tuple[dt.datetime, str]]:
    """The local months the period touches, as (first instant, "YYYY-MM"), latest first."""
    tz = timezone.get_current_timezone()
    months = []
    year, month = scope.start.year, scope.start.month
    while (year, month) <= (scope.end.year, scope.end.month):
        months.append((dt.datetime(year, month, 1, tzinfo=tz), f"{year}-{month:02d}"))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return list(reversed(months))


def month_of(field: str, scope: "Scope") -> Case:
    """The local calendar month of a datetime column, computed by the database.

    A CASE over the month boundaries (exact across clock changes, and plain comparisons in C),
    rather than TruncMonth, which SQLite runs as a Python callback for every row.
    """
    months = month_labels(scope)
    return Case(
        *[When(**{f"{field}__gte": start}, then=Value(label)) for start, label in months[:-1]],
        default=Value(months[-1][1]),
        output_field=CharField(),
    )


def _fetch(queryset) -> list[tuple]:
    """Run a values_list queryset with the driver directly: no per-row ORM work."""
    # No ORDER BY: a model's default ordering would add columns to a DISTINCT or GROUP BY.
    sql, params = queryset.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _grouped(queryset: QuerySet, fields: list[str], names: list[str]) -> pd.DataFrame:
    """COUNT(*) GROUP BY fields, in the database, as a frame named names + ["count"]."""
    rows = _fetch(
        queryset.values(*fields).annotate(count=Count("pk")).values_list(*fields, "count")
    )
    return pd.DataFrame(rows, columns=[*names, "count"])


class ReportData:
    """The grouped counts the reports are built from, each queried once per page.

    Every query reads one table: needs are counted from ReferralNeed, which carries the
    referral's date, team, boroughs and state, so no report joins a million rows.
    """

    def __init__(self, scope: "Scope"):
        self.scope = scope
        self._cache: dict[str, pd.DataFrame] = {}

    def _memo(self, key: str, build) -> pd.DataFrame:
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    def sources(self) -> pd.DataFrame:
        """Referrals by source and month."""
        return self._memo(
            "sources",
            lambda: _grouped(
                self.scope.referrals().annotate(month=month_of("created_at", self.scope)),
                ["source", "month"],
                ["source", "month"],
            ),
        )

    def needs(self) -> pd.DataFrame:
        """Referral-need rows by need, home borough, current state and month."""
        return self._memo(
            "needs",
            lambda: _grouped(
                self.scope.needs().annotate(month=month_of("created_at", self.scope)),
                ["need_id", "home_area_id", "state", "month"],
                ["need", "home", "state", "month"],
            ),
        )

    def needs_by_borough(self) -> pd.DataFrame:
        """Referral-need rows by need, home borough and current state (no months)."""
        if "needs" in self._cache:
            frame = self._cache["needs"]
            return frame.groupby(["need", "home", "state"], as_index=False)["count"].sum()
        return self._memo(
            "needs_by_borough",
            lambda: _grouped(
                self.scope.needs(),
                ["need_id", "home_area_id", "state"],
                ["need", "home", "state"],
            ),
        )

    def states(self) -> pd.DataFrame:
        """Referrals by state and whether ever accepted (no months)."""
        if "states_by_month" in self._cache:
            frame = self._cache["states_by_month"]
            return frame.groupby(["state", "accepted"], as_index=False)["count"].sum()
        return self._memo(
            "states",
            lambda: _grouped(
                self.scope.referrals(), ["state", "ever_accepted"], ["state", "accepted"]
            ),
        )

    def states_by_month(self) -> pd.DataFrame:
        """Referrals by state, whether ever accepted, and month (for the dashboard's chart)."""
        return self._memo(
            "states_by_month",
            lambda: _grouped(
                self.scope.referrals().annotate(month=month_of("created_at", self.scope)),
                ["state", "ever_accepted", "month"],
                ["state", "accepted", "month"],
            ),
        )


def need_names() -> dict[int, str]:
    return dict(Need.objects.values_list("pk", "name"))


def area_names() -> dict[str, str]:
    return dict(Area.objects.values_list("code", "name"))


def default_scope() -> Scope:
    today = timezone.localdate()
    return Scope(start=today - dt.timedelta(days=365), end=today)


def _percent(part, whole):
    return np.where(whole > 0, np.round(100 * part / np.where(whole > 0, whole, 1)), np.nan)


SOURCE_LABELS = dict(Referral.Source.choices)
STATE_LABELS = {**dict(OutcomeEvent.Kind.choices), "": "No outcome yet"}
TOTAL = "All referrals"
WAITING = {"", "referred", "signposted"}


def referrals_report(scope: Scope, data: ReportData | None = None) -> pd.DataFrame:
    """Referrals by source and by reason (a referral counts once for each of its reasons),
    for the whole period and by month. Percentages are of the referrals in the same month."""
    data = data or ReportData(scope)
    columns = ["breakdown", "month", "category", "referrals", "percent"]
    sources = data.sources()
    if sources.empty:
        return pd.DataFrame(columns=columns)
    reasons = data.needs().groupby(["month", "need"], as_index=False)["count"].sum()
    names = need_names()
    parts = []
    for by_month in (False, True):
        month = (lambda f: f["month"]) if by_month else (lambda f: "all")
        source_rows = sources.assign(month=month(sources))
        grouped = source_rows.groupby(["month", "source"], as_index=False)["count"].sum()
        grouped["category"] = grouped["source"].map(SOURCE_LABELS)
        totals = source_rows.groupby("month", as_index=False)["count"].sum()
        totals["category"] = TOTAL
        need_rows = reasons.assign(month=month(reasons))
        by_need = need_rows.groupby(["month", "need"], as_index=False)["count"].sum()
        by_need["category"] = by_need["need"].map(names)
        parts += [
            totals.assign(breakdown="source"),
            grouped.assign(breakdown="source"),
            by_need.assign(breakdown="reason"),
        ]
    frame = pd.concat(parts, ignore_index=True).rename(columns={"count": "referrals"})
    month_totals = frame[frame["category"] == TOTAL].set_index("month")["referrals"]
    frame["percent"] = _percent(frame["referrals"], frame["month"].map(month_totals).fillna(0))
    frame["order"] = np.where(frame["category"] == TOTAL, 0, 1)
    frame["month_order"] = np.where(frame["month"] == "all", "", frame["month"])
    frame = frame.sort_values(
        ["breakdown", "month_order", "order", "referrals", "category"],
        ascending=[False, True, True, False, True],
    )
    return frame[columns].reset_index(drop=True)


def uptake_report(scope: Scope, data: ReportData | None = None) -> pd.DataFrame:
    """Uptake: referrals with an accepted event over all referrals; the others by their latest
    outcome, as counts and as percentages of all referrals and of those not accepted."""
    states = (data or ReportData(scope)).states()
    states["accepted"] = states["accepted"].astype(bool)
    total = int(states["count"].sum())
    accepted = int(states.loc[states["accepted"], "count"].sum())
    others = (
        states[~states["accepted"]]
        .groupby("state", as_index=False)["count"]
        .sum()
        .rename(columns={"count": "referrals"})
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


def outcomes_report(scope: Scope, data: ReportData | None = None) -> pd.DataFrame:
    """Referrals by month, home borough, need and current outcome."""
    frame = (data or ReportData(scope)).needs()
    columns = ["month", "borough", "need", "outcome", "referrals"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame = frame.rename(columns={"count": "referrals"})
    frame["borough"] = frame["home"].map(area_names()).fillna("Not known")
    frame["need"] = frame["need"].map(need_names())
    frame["outcome"] = frame["state"].map(STATE_LABELS)
    return frame.sort_values(["month", "borough", "need", "outcome"])[columns].reset_index(
        drop=True
    )


def out_of_area_report(scope: Scope, data: ReportData | None = None) -> pd.DataFrame:
    """Referrals whose patients live outside the area that funds the team, and what happened."""
    columns = ["team", "funding_area", "lives_in", "gp_in_funding_area", "outcome", "referrals"]
    teams = Team.objects.filter(funding_area__isnull=False).select_related("funding_area")
    parts = []
    if scope.team is not None:
        teams = teams.filter(pk=scope.team.pk)
    for team in teams:
        area = team.funding_area
        codes = (
            set(area.members.values_list("code", flat=True))
            if area.kind == Area.Kind.ICB
            else {area.code}
        )
        # Only the team's patients from outside its area are read.
        frame = _grouped(
            scope.referrals()
            .filter(team=team, home_area__isnull=False)
            .exclude(home_area__in=codes)
            .annotate(
                gp_in=Case(
                    When(gp_area__in=codes, then=Value("yes")),
                    default=Value("no"),
                    output_field=CharField(),
                )
            ),
            ["home_area_id", "gp_in", "state"],
            ["home", "gp_in", "state"],
        )
        if frame.empty:
            continue
        frame["team"] = team.name
        frame["funding_area"] = area.short_name
        parts.append(frame)
    if not parts:
        return pd.DataFrame(columns=columns)
    frame = pd.concat(parts, ignore_index=True).rename(
        columns={"gp_in": "gp_in_funding_area", "count": "referrals"}
    )
    frame["lives_in"] = frame["home"].map(area_names())
    frame["outcome"] = frame["state"].map(STATE_LABELS)
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


def gaps_report(scope: Scope, data: ReportData | None = None) -> pd.DataFrame:
    """For each borough and need: the open services its residents may use, the demand
    (referrals from residents with that need), the unmet demand (no service available, or not
    eligible), and the share of its postcodes within 2 km of such a service delivered in person.
    Worst first."""
    data = data or ReportData(scope)
    index = current_index()
    boroughs = gap_boroughs(scope)
    needs = list(Need.objects.order_by("name"))
    pairs = data.needs_by_borough()
    demand = pairs.groupby(["home", "need"])["count"].sum().to_dict()
    # Unmet: "no service available" for that need, or turned away as not eligible.
    # Few events say "no service available": read them through the kind index and join each
    # to its referral, rather than testing every referral in scope.
    no_service = _grouped(
        scope.apply(
            OutcomeEvent.objects.filter(kind=OutcomeEvent.Kind.NO_SERVICE_AVAILABLE), "referral__"
        ),
        ["referral__home_area_id", "need_id"],
        ["home", "need"],
    )
    turned_away = pairs[pairs["state"] == OutcomeEvent.Kind.NOT_ELIGIBLE]
    unmet = (
        no_service.groupby(["home", "need"])["count"]
        .sum()
        .add(turned_away.groupby(["home", "need"])["count"].sum(), fill_value=0)
        .to_dict()
    )
    rows = []
    for borough in boroughs:
        open_mask = np.zeros(index.size, dtype=bool)
        open_mask[_open_to_residents(index, borough)] = True
        postcodes = _postcode_points(borough)
        for need in needs:
            postings = index.need_postings.get(need.pk, np.array([], dtype=np.int64))
            services = postings[open_mask[postings]]
            key = (borough.code, need.pk)
            rows.append(
                {
                    "borough": borough.name,
                    "need": need.name,
                    "services_open": int(len(services)),
                    "demand": int(demand.get(key, 0)),
                    "unmet": int(unmet.get(key, 0)),
                    "coverage_2km_percent": _coverage(index, services, postcodes),
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


def _open_to_residents(index, borough: Area) -> np.ndarray:
    """Positions of the services open to the borough's residents, by the rule matching uses."""
    return services_open_to_residents(index, borough)


class _Points:
    """A borough's postcodes on a local flat grid in km, in a k-d tree for nearest queries.

    Over a few km, an equirectangular projection at the borough's latitude is within 0.1% of
    the geodesic distance: far inside the 2 km question being asked.
    """

    def __init__(self, lats: np.ndarray, lons: np.ndarray):
        self.count = len(lats)
        self.lat0 = float(np.mean(lats)) if self.count else 0.0
        self.xy = self.project(lats, lons)

    def project(self, lats, lons) -> np.ndarray:
        ky = 111.132
        kx = 111.320 * math.cos(math.radians(self.lat0))
        return np.column_stack([np.asarray(lons) * kx, np.asarray(lats) * ky])


_points_cache: dict[str, tuple[int, _Points]] = {}


def _postcode_points(borough: Area) -> _Points:
    """The borough's postcodes, kept per process until the next postcode load."""
    version = DataImport.objects.filter(source="ons-postcodes").aggregate(v=Max("id"))["v"] or 0
    cached = _points_cache.get(borough.code)
    if cached is not None and cached[0] == version:
        return cached[1]
    points = _read_postcode_points(borough)
    _points_cache[borough.code] = (version, points)
    return points


def _read_postcode_points(borough: Area) -> _Points:
    rows = np.array(
        _fetch(
            Postcode.objects.filter(local_authority=borough, latitude__isnull=False).values_list(
                "latitude", "longitude"
            )
        ),
        dtype=float,
    ).reshape(-1, 2)
    return _Points(rows[:, 0], rows[:, 1])


def _coverage(index, services: np.ndarray, points: _Points) -> float:
    """The percentage of the postcodes within COVERAGE_KM of one of the services' locations."""
    if points.count == 0:
        return float("nan")
    counts = index.loc_count[services]
    if counts.sum() == 0:
        return 0.0
    starts = index.loc_start[services][counts > 0]
    counts = counts[counts > 0]
    offsets = np.cumsum(counts) - counts
    rows = np.repeat(starts - offsets, counts) + np.arange(counts.sum())
    tree = cKDTree(points.project(index.loc_lat[rows], index.loc_lon[rows]))
    distances, _ = tree.query(points.xy, k=1, distance_upper_bound=COVERAGE_KM)
    return round(100 * float(np.mean(distances <= COVERAGE_KM)), 1)


def directory_health_report(scope: Scope, data: ReportData | None = None) -> pd.DataFrame:
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


def build_report(
    name: str, scope: Scope, *, suppressed: bool = True, data: ReportData | None = None
) -> pd.DataFrame:
    """Run one report; suppressed unless asked otherwise (tests of raw figures)."""
    spec = REPORTS[name]
    frame = spec.function(scope, data)
    return suppress(frame, spec) if suppressed else frame
