"""What a downloaded report says about itself: its file name and its notes.

Two downloads of the same report for different scopes must never look alike: a Sutton file
and an all-areas file, or a lead's rounded figures and a team's exact ones. So the file name
carries the report, the area (and team), the period and the disclosure rule:

    signpost-outcomes-sutton-2025-12-01-to-2026-11-30-rounded-to-5.csv
    signpost-uptake-all-areas-sutton-pcn-social-prescribing-2026-01-01-to-2026-03-31-exact.xlsx

and the notes say the same in words, with what the report counts and when it was made: an
Excel file's second sheet ("notes"), and a CSV's first lines when asked for (`notes=true`),
each such line starting with a "#" cell. A CSV without notes is a plain table (one header row
and the data) that any machine reader takes as it is; with notes, pandas reads it with
`read_csv(..., comment="#")` and R with `read.csv(..., comment.char = "#")`, and a spreadsheet
shows the notes above the table.
"""

from django.utils import timezone
from django.utils.text import slugify

from signposting.reports.disclosure import note, threshold
from signposting.reports.registry import REPORTS
from signposting.reports.scope import Scope

NOTES_MARK = "#"


def scope_label(scope: Scope) -> str:
    """The area and team a scope covers, in words."""
    area = scope.area.short_name if scope.area else "All areas"
    return f"{area}, {scope.team.name}" if scope.team else area


def rule_label(scope: Scope) -> str:
    """The disclosure rule, as a file name says it."""
    return "exact" if scope.exact else f"rounded-to-{threshold()}"


def file_name(name: str, scope: Scope, extension: str) -> str:
    """The download's file name: report, area (and team), period, disclosure rule."""
    area = slugify(scope.area.short_name) if scope.area else "all-areas"
    parts = ["signpost", name, area]
    if scope.team is not None:
        parts.append(slugify(scope.team.name) or f"team-{scope.team.pk}")
    parts += [f"{scope.start.isoformat()}-to-{scope.end.isoformat()}", rule_label(scope)]
    return "-".join(parts) + f".{extension}"


def _day(day) -> str:
    return f"{day.day} {day:%B %Y}"


def notes(name: str, scope: Scope) -> list[tuple[str, str]]:
    """The download's notes, as (what, value) pairs."""
    spec = REPORTS[name]
    period = f"{_day(scope.start)} to {_day(scope.end)}"
    if not spec.period_applies:
        period = f"Does not apply: the directory as it was when the file was made ({period} asked)"
    made = timezone.localtime()
    return [
        ("Report", spec.title),
        ("What it counts", " ".join((spec.function.__doc__ or "").split())),
        ("Area", scope.area.short_name if scope.area else "All areas"),
        ("Team", scope.team.name if scope.team else "All teams"),
        ("Period", period),
        ("Disclosure control", note(scope.exact)),
        ("Made", f"{_day(made)} at {made:%H:%M} by Signpost"),
    ]
