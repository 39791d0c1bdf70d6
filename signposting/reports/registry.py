"""Every report by its name in URLs and downloads: its function, title and what it counts."""

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from signposting.reports import charts
from signposting.reports.cells import ReportData
from signposting.reports.directory_health import directory_health_report
from signposting.reports.engagement import (
    feedback_report,
    measures_report,
    sessions_report,
    wellbeing_report,
)
from signposting.reports.gaps import gaps_report
from signposting.reports.out_of_area import out_of_area_report
from signposting.reports.outcomes import outcomes_report
from signposting.reports.referrals import referrals_report
from signposting.reports.scope import Scope
from signposting.reports.uptake import uptake_report


@dataclass(frozen=True)
class ReportSpec:
    function: Callable[[Scope, ReportData], pd.DataFrame]
    title: str
    # Columns that count patients' referrals or needs (rounded for leads; the rest are
    # percentages of them, or facts about the directory).
    counts: tuple[str, ...] = ()
    # Charts drawn from the report's own rows (charts.py), in the order shown.
    charts: tuple[Callable[[pd.DataFrame], str | None], ...] = ()
    # False for a point-in-time report about the directory: the period asked for does not apply.
    period_applies: bool = True


REPORTS: dict[str, ReportSpec] = {
    "referrals": ReportSpec(referrals_report, "Referrals by source and reason", ("referrals",)),
    "uptake": ReportSpec(
        uptake_report,
        "Uptake and reasons for non-acceptance",
        ("referrals",),
        (charts.non_acceptance, charts.intake_by_month),
    ),
    "outcomes": ReportSpec(
        outcomes_report, "Outcomes by need, borough and month", ("needs", "taken_up", "unmet")
    ),
    "out-of-area": ReportSpec(out_of_area_report, "Out-of-area demand", ("referrals",)),
    "gaps": ReportSpec(
        gaps_report, "Gaps in provision", ("demand", "unmet"), (charts.gap_heatmap,)
    ),
    "sessions": ReportSpec(
        sessions_report,
        "Sessions with the link worker",
        ("value",),
        (charts.session_attendance,),
    ),
    "measures": ReportSpec(
        measures_report,
        "Outcome measures, baseline and follow-up",
        ("at_baseline", "with_both", "improved", "same", "worse"),
        (charts.measure_changes,),
    ),
    "wellbeing": ReportSpec(
        wellbeing_report,
        "ONS4 personal wellbeing by ONS threshold",
        ("at_baseline", "at_follow_up"),
    ),
    "feedback": ReportSpec(
        feedback_report, "Patient feedback", ("responses",), (charts.satisfaction,)
    ),
    "directory-health": ReportSpec(
        directory_health_report, "Directory health", period_applies=False
    ),
}


def build_report(name: str, scope: Scope, data: ReportData | None = None) -> pd.DataFrame:
    """Run one report: exact for a team's own scope (scope.exact), from published cells
    otherwise."""
    return REPORTS[name].function(scope, data or ReportData(scope))
