"""Uptake at intake: referrals accepted by the team over those with an intake outcome."""

import pandas as pd

from signposting.reports.cells import ReportData
from signposting.reports.disclosure import percent
from signposting.reports.scope import Scope
from signposting.vocabulary import INTAKE_LABELS, INTAKE_STATE_LABELS, WAITING, Kind

COLUMNS = [
    "month",
    "outcome",
    "label",
    "referrals",
    "percent_of_referrals_with_an_outcome",
    "percent_of_not_accepted",
]


def uptake_report(scope: Scope, data: ReportData | None = None) -> pd.DataFrame:
    """Uptake: referrals the team accepted, as a share of referrals with an intake outcome; the
    others by their intake outcome, also as a share of those not accepted. Referrals waiting for
    an outcome are on their own line and in no percentage. For the period, then by month."""
    data = data or ReportData(scope)
    cells = data.referrals()
    rows = _rows(cells.assign(month="all"))
    for month in sorted(cells["month"].unique()):
        rows += _rows(cells[cells["month"] == month])
    frame = pd.DataFrame(rows, columns=["month", "outcome", "label", "referrals"])
    with_outcome = _per_month(frame, "with_outcome")
    not_accepted = _per_month(frame, "not_accepted")
    decided = ~frame["outcome"].isin(["all", WAITING])
    frame["percent_of_referrals_with_an_outcome"] = percent(
        frame["referrals"], with_outcome.where(decided, 0)
    )
    refused = decided & ~frame["outcome"].isin(["with_outcome", Kind.ACCEPTED, "not_accepted"])
    frame["percent_of_not_accepted"] = percent(frame["referrals"], not_accepted.where(refused, 0))
    return frame[COLUMNS]


def _per_month(frame: pd.DataFrame, outcome: str) -> pd.Series:
    totals = frame[frame["outcome"] == outcome].set_index("month")["referrals"]
    return frame["month"].map(totals).fillna(0)


def _rows(cells: pd.DataFrame) -> list[tuple]:
    month = cells["month"].iloc[0] if len(cells) else "all"
    total = int(cells["count"].sum())
    waiting = int(cells.loc[cells["state"] == WAITING, "count"].sum())
    accepted = int(cells.loc[cells["accepted"], "count"].sum())
    refused = cells[~cells["accepted"] & (cells["state"] != WAITING)]
    by_state = refused.groupby("state")["count"].sum()
    rows = [
        (month, "all", "All referrals", total),
        (month, WAITING, INTAKE_STATE_LABELS[WAITING], waiting),
        (month, "with_outcome", "With an intake outcome", total - waiting),
        (month, Kind.ACCEPTED, INTAKE_LABELS[Kind.ACCEPTED], accepted),
        (month, "not_accepted", "Not accepted", int(by_state.sum())),
    ]
    for state, count in sorted(by_state.items(), key=lambda item: (-item[1], item[0])):
        rows.append((month, state, f"Not accepted: {INTAKE_LABELS[state].lower()}", int(count)))
    return rows
