"""The base cells every report is built from: counts grouped as finely as any figure needs.

Two cubes, each one GROUP BY on one table (no per-row Python, no join: ReferralNeed carries
copies of the referral's date, team, boroughs and record key, ADR 4):
- referral cells: team, home borough, GP borough, month, source, intake state, accepted;
- need cells: team, home borough, GP borough, month, need, path state, unmet, taken up.
Each cell has its count and the sum of its records' keys (for disclosure.py). Team, both
boroughs and month are always there, so that every area, team and whole-month period a lead
may choose is a union of cells, and every published figure a sum of them.
"""

from concurrent.futures import ThreadPoolExecutor

import pandas as pd
from django.db import connection
from django.db.models import Count, QuerySet, Sum

from directory.models import Area, Need
from signposting.reports import disclosure
from signposting.reports.scope import Scope, month_of

REFERRAL_KEYS = ["team", "home", "gp", "month", "source", "state", "accepted"]
NEED_KEYS = ["team", "home", "gp", "month", "need", "state", "unmet", "taken_up"]
_REFERRAL_FIELDS = [
    "team_id", "home_area_id", "gp_area_id", "month", "source", "state", "ever_accepted",
]  # fmt: skip
_NEED_FIELDS = [
    "team_id", "home_area_id", "gp_area_id", "month", "need_id", "state", "unmet", "taken_up",
]  # fmt: skip
NOT_KNOWN = ""  # a borough that could not be found, in the home and gp columns


def _fetch(queryset) -> list[tuple]:
    """Run a values_list queryset with the driver directly: no per-row ORM work."""
    # No ORDER BY: a model's default ordering would add columns to the GROUP BY.
    sql, params = queryset.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _cube(queryset: QuerySet, scope: Scope, fields: list[str], keys: list[str]) -> pd.DataFrame:
    """COUNT(*) and SUM(record_key) GROUP BY fields, in the database."""
    rows = _fetch(
        queryset.annotate(month=month_of("created_at", scope))
        .values(*fields)
        .annotate(count=Count("pk"), key_sum=Sum("record_key"))
        .values_list(*fields, "count", "key_sum")
    )
    frame = pd.DataFrame(rows, columns=[*keys, "count", "key_sum"])
    frame["home"] = frame["home"].fillna(NOT_KNOWN)
    frame["gp"] = frame["gp"].fillna(NOT_KNOWN)
    for column in ("accepted", "unmet", "taken_up"):
        if column in frame:
            frame[column] = frame[column].astype(bool)
    return frame.astype({"count": "int64", "key_sum": "int64"})


def referral_cells(scope: Scope) -> pd.DataFrame:
    return _cube(scope.referrals(), scope, _REFERRAL_FIELDS, REFERRAL_KEYS)


def need_cells(scope: Scope) -> pd.DataFrame:
    return _cube(scope.needs(), scope, _NEED_FIELDS, NEED_KEYS)


class ReportData:
    """The cells of one scope, each cube queried once per page and shared by its reports.

    What the reports read is exact for a team's own reports (scope.exact) and published
    (rounded, disclosure.publish) for everyone else. Tests may pass true cells instead of the
    database's, to play an attacker over many scopes without a query each.
    """

    def __init__(self, scope: Scope, *, referrals=None, needs=None):
        self.scope = scope
        self._true = {"referrals": referrals, "needs": needs}
        self._cache: dict[str, pd.DataFrame] = {}

    def _cells(self, name: str, read) -> pd.DataFrame:
        if name not in self._cache:
            true = self._true.get(name)
            frame = read(self.scope) if true is None else self.scope.select(true)
            self._cache[name] = frame if self.scope.exact else disclosure.publish(frame)
        return self._cache[name]

    def prefetch(self) -> None:
        """Query every cube (the two here and those of reports/engagement.py), two at a time
        where that is safe: this thread reads one half, one more thread with its own connection
        the other; only outside a transaction (another connection would not see its writes)
        and on a database file or server. One extra connection, not one a cube: opening a
        connection costs more than a small cube takes to read."""
        # Imported here: reports/engagement.py builds on this module.
        from signposting.reports.engagement import CUBES

        readers = {
            "needs": need_cells,
            "measures": CUBES["measures"],
            "referrals": referral_cells,
            "sessions": CUBES["sessions"],
            "wellbeing": CUBES["wellbeing"],
            "feedback": CUBES["feedback"],
        }  # fmt: skip  (largest first, for the halves)
        missing = [n for n in readers if n not in self._cache and self._true.get(n) is None]
        in_memory = "memory" in str(connection.settings_dict.get("NAME", ""))
        if len(missing) < 2 or connection.in_atomic_block or in_memory:
            for name in missing:
                self._cells(name, readers[name])
            return

        def read(names):
            try:
                return {name: readers[name](self.scope) for name in names}
            finally:
                connection.close()  # this thread's own connection

        # Alternate down the list, largest first, so that the halves take about as long.
        with ThreadPoolExecutor(max_workers=1) as pool:
            other = pool.submit(read, missing[1::2])
            frames = {name: readers[name](self.scope) for name in missing[::2]}
            frames.update(other.result())
        for name, frame in frames.items():
            self._cells(name, lambda scope, frame=frame: frame)

    def referrals(self) -> pd.DataFrame:
        """Referral cells: REFERRAL_KEYS and count."""
        return self._cells("referrals", referral_cells)

    def needs(self) -> pd.DataFrame:
        """Need cells: NEED_KEYS and count."""
        return self._cells("needs", need_cells)

    def cells(self, name: str, read) -> pd.DataFrame:
        """Any other cube (reports/engagement.py): read(scope) gives its true cells."""
        return self._cells(name, read)


def need_names() -> dict[int, str]:
    return dict(Need.objects.values_list("pk", "name"))


def area_names() -> dict[str, str]:
    return {NOT_KNOWN: "Not known", **dict(Area.objects.values_list("code", "name"))}
