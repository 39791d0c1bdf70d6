"""Reports: referrals, uptake, outcomes by need, out-of-area demand, gaps, directory health.

Where things are: scope.py (period, area, team, whole months), cells.py (the base-cell
queries every report is built from), disclosure.py (keyed rounding for network leads), one
module per report, registry.py (REPORTS by name), charts.py (SVG from published figures).
"""

from signposting.reports.cells import ReportData
from signposting.reports.registry import REPORTS, ReportSpec, build_report
from signposting.reports.scope import Scope, default_scope, whole_month_errors, whole_months

__all__ = [
    "REPORTS",
    "ReportData",
    "ReportSpec",
    "Scope",
    "build_report",
    "default_scope",
    "whole_month_errors",
    "whole_months",
]
