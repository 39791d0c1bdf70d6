"""Disclosure control holds across everything a network lead sees for a scope.

The attacker gathers every figure published for a scope: every report (referrals, uptake,
outcomes), its month rows and whole-period rows, categories and totals, for every whole-month
period within a year, each team and all teams, each borough and everywhere, and the charts'
figures. It knows how each figure is made (the code is public): here it learns each figure's
definition by running the same reports on "probe" cells whose counts are distinct powers of
two, so every figure decodes to exactly the set of base cells it adds up. Then, with exact
linear bounds (scipy's linprog) over the unknown true base cells, it asks how far each small
true count (a base cell, or any published figure whose true value is 1 to T-1) can be pinned
down. Protection (docs/reports.md): the feasible range is at least T values wide.

The same attacker, pointed at exact figures with small ones hidden (the rule this replaced),
recovers a hidden count: the test can fail.
"""

import itertools
import re

import numpy as np
import pandas as pd
import pytest
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from directory.models import Area, Need
from signposting.models import Team
from signposting.reports import REPORTS, ReportData, Scope, disclosure
from signposting.reports.cells import NEED_KEYS, REFERRAL_KEYS
from signposting.reports.scope import last_day
from signposting.vocabulary import WAITING, Kind

T = settings.SIGNPOST_DISCLOSURE_THRESHOLD
LEAD_REPORTS = ["referrals", "uptake", "outcomes"]
SUTTON, MERTON = "E09000029", "E09000024"
YEAR = 2025
DATA_MONTHS = [1, 2, 3]
INTAKE = [(WAITING, False), (Kind.ACCEPTED, True), (Kind.DECLINED, False),
          (Kind.UNABLE_TO_CONTACT, False)]  # fmt: skip
PATHS = [(WAITING, False, False), (Kind.ACCEPTED, False, True),
         (Kind.NO_SERVICE_AVAILABLE, True, False)]  # fmt: skip
SOURCES = ["gp", "self"]
TEAMS = [Team(pk=901, name="Team one"), Team(pk=902, name="Team two")]


def month_label(month: int) -> str:
    return f"{YEAR}-{month:02d}"


@pytest.fixture
def world(geography):
    """What the data can be: the universe of base cells the attacker must consider."""
    needs = list(Need.objects.order_by("pk").values_list("pk", flat=True)[:2])
    boroughs = [SUTTON, MERTON]
    dims = dict(team=[t.pk for t in TEAMS], home=boroughs, gp=boroughs,
                month=[month_label(m) for m in DATA_MONTHS])  # fmt: skip
    referral_universe = [
        (*base, source, state, accepted)
        for base in itertools.product(*dims.values())
        for source in SOURCES
        for state, accepted in INTAKE
    ]
    need_universe = [
        (*base, need, state, unmet, taken_up)
        for base in itertools.product(*dims.values())
        for need in needs
        for state, unmet, taken_up in PATHS
    ]
    areas = {code: Area.objects.get(code=code) for code in boroughs}
    return {
        "needs": needs,
        "referrals": pd.DataFrame(referral_universe, columns=REFERRAL_KEYS),
        "needs_universe": pd.DataFrame(need_universe, columns=NEED_KEYS),
        "areas": areas,
    }


def cells_of(records: list[dict], keys: list[str]) -> pd.DataFrame:
    """Base cells (count and key sum) of records, as cells.py makes them in the database."""
    if not records:
        return pd.DataFrame(columns=[*keys, "count", "key_sum"]).astype(
            {"count": "int64", "key_sum": "int64"}
        )
    frame = pd.DataFrame(records)
    return frame.groupby(keys, as_index=False).agg(
        count=("key", "size"), key_sum=("key", "sum")
    ).astype({"count": "int64", "key_sum": "int64"})  # fmt: skip


def make_history(world, rows) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Referral and need cells from rows of (team, home, gp, month, source, intake, needs, key)."""
    referrals, needs = [], []
    for team, home, gp, month, source, intake, paths, key in rows:
        base = dict(team=TEAMS[team].pk, home=[SUTTON, MERTON][home], gp=[SUTTON, MERTON][gp],
                    month=month_label(DATA_MONTHS[month]))  # fmt: skip
        state, accepted = INTAKE[intake]
        referrals.append({**base, "source": SOURCES[source], "state": state,
                          "accepted": accepted, "key": key})  # fmt: skip
        for need_index, path in paths:
            p_state, unmet, taken_up = PATHS[path]
            needs.append({**base, "need": world["needs"][need_index], "state": p_state,
                          "unmet": unmet, "taken_up": taken_up, "key": key})  # fmt: skip
    return cells_of(referrals, REFERRAL_KEYS), cells_of(needs, NEED_KEYS)


def lead_scopes(world, exact=False):
    """Every scope a lead may choose: whole-month periods within the year (one for each set of
    data months it covers: a period's other months hold no cells), each team or all, each
    borough or everywhere."""
    periods = {}
    for first, last in itertools.combinations_with_replacement(range(1, 13), 2):
        covered = tuple(m for m in DATA_MONTHS if first <= m <= last)
        if covered and covered not in periods:
            start = pd.Timestamp(YEAR, first, 1).date()
            periods[covered] = (start, last_day(pd.Timestamp(YEAR, last, 1).date()))
    for (start, end), team, area in itertools.product(
        periods.values(), [None, *TEAMS], [None, *world["areas"].values()]
    ):
        yield Scope(start, end, area=area, team=team, exact=exact)


def figures(scope, referrals, needs):
    """Every count a reader of this scope sees, by (report, scope, row, column); and the
    figures the report's charts draw."""
    data = ReportData(scope, referrals=referrals, needs=needs)
    found, charted = {}, []
    for name in LEAD_REPORTS:
        spec = REPORTS[name]
        frame = spec.function(scope, data)
        keys = [c for c in frame.columns if c not in spec.counts and not c.startswith("percent")]
        for row in frame.itertuples(index=False):
            row = row._asdict()
            for column in spec.counts:
                where = (scope.start, scope.end, scope.team and scope.team.pk,
                         scope.area and scope.area.code)  # fmt: skip
                label = (name, *where, tuple(row[k] for k in keys), column)
                found[label] = row[column]
        for chart in spec.charts:
            svg = chart(frame)
            if svg:
                charted += [int(v) for v in re.findall(r'data-value="(\d+)"', svg)]
                charted_from = {int(v) for v in frame[list(spec.counts)].to_numpy().ravel()}
                assert set(charted) <= charted_from, "a chart shows a figure its table does not"
    return found


def probe(universe: pd.DataFrame, offset: int) -> pd.DataFrame:
    """The universe with each cell's count a distinct power of two (bit offset + position)."""
    weights = pd.Series([1 << (offset + i) for i in range(len(universe))], dtype=object)
    return universe.assign(count=weights, key_sum=0)


def decode(value, size: int) -> np.ndarray:
    value = int(value)
    return np.array([(value >> i) & 1 for i in range(size)], dtype=float)


class Attacker:
    """Linear bounds over the true base cells x, from published figures F = A r, where r are
    the published cells and |x - r| <= slack (slack T-1 for rounding to multiples of T; 0 for
    exact figures)."""

    def __init__(self, definitions: np.ndarray, published: np.ndarray, slack: int):
        self.A, self.F, self.slack = definitions, published, slack
        self.n = definitions.shape[1]

    def bounds(self, target: np.ndarray) -> tuple[float, float]:
        n = self.n
        # Variables: x (true cells) then r (published cells), all >= 0.
        a_eq = np.hstack([np.zeros_like(self.A), self.A])
        identity = np.eye(n)
        a_ub = np.vstack([np.hstack([identity, -identity]), np.hstack([-identity, identity])])
        b_ub = np.full(2 * n, float(self.slack))
        objective = np.concatenate([target, np.zeros(n)])
        low = linprog(objective, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=self.F, method="highs")
        high = linprog(-objective, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=self.F, method="highs")
        assert low.status == 0 and high.status == 0, (low.message, high.message)
        return low.fun, -high.fun


def attack(world, referrals, needs):
    """Gather everything published, learn every figure's definition, and bound every small
    true count. Returns the narrowest feasible range found for a small true count."""
    universes = [world["referrals"], world["needs_universe"]]
    sizes = [len(u) for u in universes]
    n = sum(sizes)
    probes = [probe(universes[0], 0), probe(universes[1], sizes[0])]
    published = {}
    for scope in lead_scopes(world):
        published.update(figures(scope, referrals, needs))
    definitions = {}
    for scope in lead_scopes(world, exact=True):
        for label, value in figures(scope, probes[0], probes[1]).items():
            definitions[label] = decode(value, n)
    # A published figure is a sum of published base cells, never of true ones.
    true_cells = np.concatenate([aligned(universes[0], referrals), aligned(universes[1], needs)])
    rounded = np.concatenate([
        aligned(universes[0], disclosure.publish(referrals), "count"),
        aligned(universes[1], disclosure.publish(needs), "count"),
    ])  # fmt: skip
    rows, values = [], []
    for label, definition in definitions.items():
        value = published.get(label, 0)  # a row not published is a zero
        assert value == definition @ rounded, label
        assert value % T == 0
        rows.append(definition)
        values.append(float(value))
    a = np.unique(np.array(rows), axis=0)
    f = np.array([rounded @ row for row in a])
    attacker = Attacker(a, f, slack=T - 1)
    # Small true counts: each base cell and each figure whose true value is 1 to T-1.
    targets = [np.eye(n)[i] for i in np.flatnonzero((true_cells > 0) & (true_cells < T))]
    targets += [row for row in a if 0 < row @ true_cells < T]
    narrowest = np.inf
    for target in targets:
        low, high = attacker.bounds(target)
        assert low <= target @ true_cells <= high
        narrowest = min(narrowest, high - low)
        # The strongest attacker knows every published cell exactly: still a range of T values.
        box_low = target @ np.maximum(0, rounded - (T - 1))
        box_high = target @ (rounded + T - 1)
        assert box_high - box_low >= T - 1
    return narrowest


def aligned(universe: pd.DataFrame, cells: pd.DataFrame, column="count") -> np.ndarray:
    keys = list(universe.columns)
    merged = universe.merge(cells[[*keys, column]], on=keys, how="left")
    return merged[column].fillna(0).to_numpy(dtype=float)


# --- the tests ---------------------------------------------------------------------------


def test_rounding_is_keyed_unbiased_and_keeps_zero():
    counts = np.arange(0, 40)
    for key_sum in (0, 17, 255, 10_000):
        published = disclosure.rounded(counts, np.full(len(counts), key_sum))
        assert (published % T == 0).all()
        assert (np.abs(published - counts) < T).all()
        assert published[0] == 0
        assert (published[counts % T == 0] == counts[counts % T == 0]).all()
        # the same records always round the same way
        assert (disclosure.rounded(counts, np.full(len(counts), key_sum)) == published).all()
    rng = np.random.default_rng(1)
    keys = rng.integers(0, 256 * 3, 20_000)
    assert disclosure.rounded(np.full(20_000, 3), keys).mean() == pytest.approx(3, abs=0.15)
    assert disclosure.consistent_range(0) == (0, T - 1)
    assert disclosure.consistent_range(T) == (1, 2 * T - 1)


def test_percentages_have_one_decimal_place_and_none_without_a_whole():
    assert disclosure.percent([44, 8], [64, 20]).tolist() == [68.8, 40.0]
    assert np.isnan(disclosure.percent([0], [0])[0])


def test_the_issues_differencing_attack_recovers_nothing(world):
    """GP referrals: 3 in January, 10 in February, whole period 13 (the issue's example), plus
    the one-day-apart and each-team-against-all-teams variants, all in one history."""
    rows = (
        [(0, 0, 0, 0, 0, 1, [(0, 1)], k) for k in (11, 203, 77)]
        + [(0, 0, 0, 1, 0, 1, [(0, 1)], k) for k in range(10)]
        + [(1, 0, 0, 0, 0, 1, [(1, 2)], k) for k in (5, 99)]
        + [(1, 1, 0, 0, 1, 3, [(1, 0)], 42)]
    )
    referrals, needs = make_history(world, rows)
    assert attack(world, referrals, needs) >= T - 1


@hypothesis_settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 1), st.integers(0, 1), st.integers(0, 1), st.integers(0, 2),
            st.integers(0, 1), st.integers(0, len(INTAKE) - 1),
            st.lists(st.tuples(st.integers(0, 1), st.integers(0, len(PATHS) - 1)), min_size=1,
                     max_size=2, unique_by=lambda p: p[0]),
            st.integers(0, 255),
        ),
        min_size=1,
        max_size=20,
    )
)  # fmt: skip
def test_small_random_histories_leak_nothing(world, rows):
    referrals, needs = make_history(world, rows)
    assert attack(world, referrals, needs) >= T - 1


def test_the_attacker_recovers_counts_from_exact_figures_with_small_ones_hidden(world):
    """The rule this replaced: exact figures, 1 to T-1 hidden. The same attacker finds the
    hidden January count (whole period 13, February 10: January 3)."""
    rows = [(0, 0, 0, 0, 0, 1, [(0, 1)], k) for k in range(3)] + [
        (0, 0, 0, 1, 0, 1, [(0, 1)], k) for k in range(10)
    ]
    referrals, needs = make_history(world, rows)
    n = len(world["referrals"])
    probes = probe(world["referrals"], 0)
    true = aligned(world["referrals"], referrals)
    rows_, values = [], []
    for scope in lead_scopes(world, exact=True):
        shown = figures(scope, referrals, needs)
        for label, value in figures(scope, probes, probe(world["needs_universe"], n)).items():
            if label[0] != "uptake":
                continue
            definition = decode(value, n)
            figure = shown.get(label, 0)
            if 0 < figure < T:
                continue  # hidden
            rows_.append(definition)
            values.append(float(figure))
    a = np.array(rows_)
    attacker = Attacker(a, np.array(values), slack=0)
    january = world["referrals"].eval("month == '2025-01'").to_numpy(dtype=float)
    low, high = attacker.bounds(january)
    assert (low, high) == pytest.approx((3, 3))  # recovered exactly
    assert january @ true == 3
