"""Reports: referrals, uptake, outcomes by need, out-of-area demand, gaps, directory health.

Where things are: scope.py (period, area, team, whole months), cells.py (the base-cell
queries every report is built from), disclosure.py (keyed rounding for network leads), one
module per report, registry.py (REPORTS by name), charts.py (SVG from a report's own rows),
access.py (who reads what: network leads rounded, team members their own team exact).
"""

from signposting.reports.cells import ReportData
from signposting.reports.directory_health import directory_health_report
from signposting.reports.gaps import gaps_report
from signposting.reports.out_of_area import out_of_area_report
from signposting.reports.outcomes import outcomes_report
from signposting.reports.referrals import referrals_report
from signposting.reports.registry import REPORTS, ReportSpec, build_report
from signposting.reports.scope import Scope, default_scope, whole_month_errors, whole_months
from signposting.reports.uptake import uptake_report

__all__ = [
    "REPORTS",
    "ReportData",
    "ReportSpec",
    "Scope",
    "build_report",
    "directory_health_report",
    "gaps_report",
    "out_of_area_report",
    "outcomes_report",
    "referrals_report",
    "uptake_report",
    "default_scope",
    "whole_month_errors",
    "whole_months",
]
