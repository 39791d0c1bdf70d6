"""Outcomes by need: where each need's own path has got to."""

import pandas as pd

from signposting.reports.cells import ReportData, area_names, need_names
from signposting.reports.scope import Scope
from signposting.vocabulary import PATH_STATE_LABELS

COLUMNS = ["month", "borough", "need", "outcome", "needs", "taken_up", "unmet"]


def outcomes_report(scope: Scope, data: ReportData | None = None) -> pd.DataFrame:
    """Referral needs by month referred, home borough, need and the latest event on that need's
    own path; of which a service took the patient on (taken up), and of which no service could
    help (unmet: no service available, or every service answered full, declined or not
    eligible)."""
    data = data or ReportData(scope)
    cells = data.needs()
    if cells.empty:
        return pd.DataFrame(columns=COLUMNS)
    cells = cells.assign(
        taken_up=cells["count"].where(cells["taken_up"], 0),
        unmet=cells["count"].where(cells["unmet"], 0),
    )
    frame = cells.groupby(["month", "home", "need", "state"], as_index=False)[
        ["count", "taken_up", "unmet"]
    ].sum()
    frame = frame.rename(columns={"count": "needs"})
    frame["borough"] = frame["home"].map(area_names())
    frame["need"] = frame["need"].map(need_names())
    frame["outcome"] = frame["state"].map(PATH_STATE_LABELS)
    return frame.sort_values(["month", "borough", "need", "outcome"])[COLUMNS].reset_index(
        drop=True
    )
