"""Referrals by source and by reason (the evaluation's Tables 4 and 6)."""

import numpy as np
import pandas as pd

from signposting.models import Referral
from signposting.reports.cells import ReportData, need_names
from signposting.reports.disclosure import percent
from signposting.reports.scope import Scope

TOTAL = "All referrals"
COLUMNS = ["breakdown", "month", "category", "referrals", "percent"]


def referrals_report(scope: Scope, data: ReportData | None = None) -> pd.DataFrame:
    """Referrals by source and by reason (a referral counts once for each of its reasons),
    for the whole period and by month. Percentages are of the referrals in the same month."""
    data = data or ReportData(scope)
    referrals, needs = data.referrals(), data.needs()
    # Either may be empty alone: for a lead, a few referrals' cells can round to 0 while their
    # need cells round up, and the reasons are still published.
    if referrals.empty and needs.empty:
        return pd.DataFrame(columns=COLUMNS)
    sources = referrals.groupby(["month", "source"], as_index=False)["count"].sum()
    reasons = needs.groupby(["month", "need"], as_index=False)["count"].sum()
    source_labels = dict(Referral.Source.choices)
    names = need_names()
    parts = []
    for whole_period in (True, False):
        by_source = sources.assign(month="all") if whole_period else sources
        by_source = by_source.groupby(["month", "source"], as_index=False)["count"].sum()
        by_source["category"] = by_source["source"].map(source_labels)
        totals = by_source.groupby("month", as_index=False)["count"].sum().assign(category=TOTAL)
        by_need = reasons.assign(month="all") if whole_period else reasons
        by_need = by_need.groupby(["month", "need"], as_index=False)["count"].sum()
        by_need["category"] = by_need["need"].map(names)
        parts += [
            totals.assign(breakdown="source"),
            by_source.assign(breakdown="source"),
            by_need.assign(breakdown="reason"),
        ]
    frame = pd.concat(parts, ignore_index=True).rename(columns={"count": "referrals"})
    month_totals = frame[frame["category"] == TOTAL].set_index("month")["referrals"]
    frame["percent"] = percent(frame["referrals"], frame["month"].map(month_totals).fillna(0))
    frame["order"] = np.where(frame["category"] == TOTAL, 0, 1)
    frame["month_order"] = np.where(frame["month"] == "all", "", frame["month"])
    frame = frame.sort_values(
        ["breakdown", "month_order", "order", "referrals", "category"],
        ascending=[False, True, True, False, True],
    )
    return frame[COLUMNS].reset_index(drop=True)
