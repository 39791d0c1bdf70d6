"""Gaps in provision: for each borough and need, the services its residents may use against
the demand and the unmet demand from its residents."""

import math

import numpy as np
import pandas as pd
from django.db.models import Max
from scipy.spatial import cKDTree

from directory.models import Area, DataImport, Need, Postcode
from signposting.index import current_index
from signposting.matching import services_open_to_residents
from signposting.reports.cells import ReportData, _fetch
from signposting.reports.scope import Scope

COVERAGE_KM = 2.0
COLUMNS = ["borough", "need", "services_open", "demand", "unmet", "coverage_2km_percent"]
# Demand from patients living outside the listed boroughs (or where they live is not known):
# one row per need with such demand, after the boroughs, with no services or coverage.
OTHER_AREAS = "Other areas"


def gap_boroughs(scope: Scope) -> list[Area]:
    """The boroughs the gap report lists: the scope's area's (an ICB's six boroughs, or the one
    borough); else the team's funding area's; else every borough in an ICB."""
    codes = scope.codes
    if codes is None and scope.team is not None and scope.team.funding_area_id:
        codes = Scope(scope.start, scope.end, scope.team.funding_area).codes
    boroughs = Area.objects.filter(kind=Area.Kind.LOCAL_AUTHORITY).select_related("icb")
    if codes is not None:
        return list(boroughs.filter(code__in=codes).order_by("name"))
    return list(boroughs.filter(icb__isnull=False).order_by("name"))


def gaps_report(scope: Scope, data: ReportData | None = None) -> pd.DataFrame:
    """For each borough and need: the open services its residents may use; the demand (needs
    referred from residents); the unmet demand (needs with no service available, or whose every
    service answered full, declined or not eligible); and the share of the borough's postcodes
    within 2 km of such a service delivered in person. Worst first. Then "Other areas": the
    demand from patients living outside these boroughs, by need."""
    index = current_index()
    cells = (data or ReportData(scope)).needs()
    demand = cells.groupby(["home", "need"])["count"].sum().to_dict()
    unmet = cells[cells["unmet"]].groupby(["home", "need"])["count"].sum().to_dict()
    needs = list(Need.objects.order_by("name").values_list("pk", "name"))
    rows = []
    version = _postcode_version()
    boroughs = gap_boroughs(scope)
    for borough in boroughs:
        provision = _provision(index, borough, [need_id for need_id, _ in needs], version)
        for need_id, need_name in needs:
            services_open, coverage = provision[need_id]
            key = (borough.code, need_id)
            rows.append(
                {
                    "borough": borough.name,
                    "need": need_name,
                    "services_open": services_open,
                    "demand": int(demand.get(key, 0)),
                    "unmet": int(unmet.get(key, 0)),
                    "coverage_2km_percent": coverage,
                }
            )
    frame = pd.DataFrame(rows, columns=COLUMNS)
    # Worst first: demand with no service at all, then the most unmet demand.
    frame["no_service"] = (frame["services_open"] == 0) & (frame["demand"] > 0)
    frame = frame.sort_values(
        ["no_service", "unmet", "services_open", "demand", "coverage_2km_percent", "borough",
         "need"],
        ascending=[False, False, True, False, True, True, True],
    )  # fmt: skip
    frame = frame.drop(columns="no_service")
    other = _other_areas(cells, {b.code for b in boroughs}, needs)
    frame = pd.concat([frame, other]) if len(other) else frame
    return frame.astype({"services_open": "Int64"}).reset_index(drop=True)


def _other_areas(cells: pd.DataFrame, listed: set[str], needs: list) -> pd.DataFrame:
    """Demand and unmet demand by need from patients whose home borough is not listed (a sum
    of the same cells as every other figure)."""
    outside = cells[~cells["home"].isin(listed)]
    demand = outside.groupby("need")["count"].sum()
    unmet = outside[outside["unmet"]].groupby("need")["count"].sum()
    rows = [
        {
            "borough": OTHER_AREAS,
            "need": name,
            "services_open": pd.NA,
            "demand": int(demand[need_id]),
            "unmet": int(unmet.get(need_id, 0)),
            "coverage_2km_percent": float("nan"),
        }
        for need_id, name in needs
        if demand.get(need_id, 0) > 0
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


_provision_cache: dict[str, tuple[tuple, dict[int, tuple[int, float]]]] = {}


def _provision(index, borough: Area, need_ids: list[int], version: int) -> dict:
    """For each need: how many services are open to the borough's residents, and the coverage
    of its postcodes. Facts about the directory, not patients: kept per process until the
    directory (its index revision), the postcodes or the needs change."""
    stamp = (index.revision, version, tuple(need_ids))
    cached = _provision_cache.get(borough.code)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    open_mask = np.zeros(index.size, dtype=bool)
    open_mask[services_open_to_residents(index, borough)] = True
    postcodes = _postcode_points(borough, version)
    result = {}
    for need_id in need_ids:
        postings = index.need_postings.get(need_id, np.array([], dtype=np.int64))
        services = postings[open_mask[postings]]
        result[need_id] = (int(len(services)), _coverage(index, services, postcodes))
    _provision_cache[borough.code] = (stamp, result)
    return result


def _postcode_version() -> int:
    return DataImport.objects.filter(source="ons-postcodes").aggregate(v=Max("id"))["v"] or 0


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


def _postcode_points(borough: Area, version: int) -> _Points:
    """The borough's postcodes, kept per process until the next postcode load."""
    cached = _points_cache.get(borough.code)
    if cached is not None and cached[0] == version:
        return cached[1]
    rows = np.array(
        _fetch(
            Postcode.objects.filter(local_authority=borough, latitude__isnull=False).values_list(
                "latitude", "longitude"
            )
        ),
        dtype=float,
    ).reshape(-1, 2)
    points = _Points(rows[:, 0], rows[:, 1])
    _points_cache[borough.code] = (version, points)
    return points


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
