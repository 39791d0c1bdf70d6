"""Matching measures by the great circle first and the WGS84 geodesic only where the difference
could change an answer (signposting.matching.SPHERE_ERROR). These tests hold it to giving the
geodesic's answers exactly: the same services in reach, the same ranking, the same figures."""

import random

import numpy as np
import pytest
from django.core.management import call_command

from directory.geometry import haversine_km
from directory.models import Need, Postcode
from signposting import matching
from signposting.matching import (
    GEOD,
    SPHERE_ERROR,
    MatchQuery,
    geodesic_distances_km,
    match,
    within_km,
)


def test_the_great_circle_is_within_the_margin_of_the_geodesic_anywhere():
    rng = np.random.default_rng(5)
    worst = 0.0
    for lat, lon in zip(rng.uniform(-85, 85, 200), rng.uniform(-180, 180, 200), strict=True):
        metres = rng.uniform(1, 5e5, 50)
        lons, lats, _ = GEOD.fwd(
            np.full(50, lon), np.full(50, lat), rng.uniform(0, 360, 50), metres
        )
        great_circle = haversine_km(lat, lon, lats, lons)
        geodesic = geodesic_distances_km(lat, lon, lats, lons)
        assert np.allclose(geodesic, metres / 1000)
        worst = max(worst, float(np.max(np.abs(great_circle - geodesic) / geodesic)))
    assert 0.003 < worst < 0.006 < SPHERE_ERROR


@pytest.mark.parametrize("lat,lon", [(51.5, -0.12), (54.6, -5.93), (60.2, -1.1), (0.0, 30.0)])
def test_within_km_agrees_with_the_geodesic_at_the_edge(lat, lon):
    """Points a hair inside and outside the radius, in every direction."""
    rng = np.random.default_rng(9)
    km = 10.0
    azimuths = rng.uniform(0, 360, 4000)
    metres = km * 1000 * (1 + rng.choice([-1e-6, 1e-6, -0.004, 0.004, -0.5, 0.5], 4000))
    lons, lats, _ = GEOD.fwd(np.full(4000, lon), np.full(4000, lat), azimuths, metres)
    expected = geodesic_distances_km(lat, lon, lats, lons) <= km
    assert (within_km(lat, lon, lats, lons, km) == expected).all()
    assert expected.sum() not in (0, 4000)


@pytest.fixture
def dense(geography):
    """A directory as crowded as the test geography allows: services share postcodes, so
    distances tie, and most searches have more candidates than they show."""
    call_command("generate_directory", "--services", "1500", "--seed", "11")


def _answers(result):
    return (
        result.total,
        result.unmet_need_ids,
        [(m.entry.id, m.distance_km, m.decision.verdict, m.location) for m in result.results],
    )


def test_matching_gives_the_geodesics_answers(dense, monkeypatch):
    rng = random.Random(17)
    postcodes = list(
        Postcode.objects.filter(latitude__isnull=False).values_list("postcode", flat=True)
    )
    needs = list(Need.objects.values_list("slug", flat=True))
    queries = [
        MatchQuery(
            home_postcode=rng.choice(postcodes),
            needs=rng.sample(needs, rng.randint(1, 3)),
            age=rng.choice([None, 30, 70]),
            limit=rng.choice([1, 5, 20, 50]),
            max_distance_km=rng.choice([None, None, 1.0, 2.5, 5.0, 20.0]),
        )
        for _ in range(60)
    ]
    fast = [_answers(match(q)) for q in queries]
    # The geodesic for every location, as before the great circle (and no pruning).
    monkeypatch.setattr(matching, "SPHERE_ERROR", 1e9)
    monkeypatch.setattr(
        matching,
        "_may_be_shown",
        lambda limit, first, distances, *rest: np.ones(len(distances), bool),
    )
    exact = [_answers(match(q)) for q in queries]
    assert fast == exact
    assert (
        sum(1 for q, (total, _, _) in zip(queries, fast, strict=True) if total > q.limit) > 20
    )  # pruned


def test_no_candidate_that_ranks_among_the_first_is_left_with_its_great_circle_distance():
    """_may_be_shown on its own: random keys with ties, remote services (NaN), distances
    already exact, and geodesic distances anywhere within the margin, edges included."""
    rng = np.random.default_rng(23)
    for _ in range(3000):
        n = int(rng.integers(2, 40))
        limit = int(rng.integers(1, n + 1))
        first = (rng.integers(0, 3, n), rng.integers(0, 2, n).astype(bool), -rng.integers(1, 3, n))
        then = (-rng.integers(0, 3, n), rng.permutation(n))
        approx = np.round(rng.uniform(0, 3, n), int(rng.integers(1, 3)))
        approx[rng.random(n) < 0.1] = np.nan
        exact = rng.random(n) < 0.2
        low, high = matching._sphere_bounds(approx)
        anywhere = np.choose(rng.integers(0, 3, n), [low, high, (low + high) / 2])
        true = np.where(exact, approx, anywhere)
        maybe = matching._may_be_shown(limit, first, approx, exact, then)
        rounded = np.where(np.isnan(true), np.inf, np.round(true, 2))
        best = np.lexsort((*reversed(then), rounded, *reversed(first)))[:limit]
        assert maybe[best].all()
