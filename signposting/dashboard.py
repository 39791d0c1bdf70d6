"""The reports page: every report as a table, with charts and downloads.

A network lead sees across teams and areas, through disclosure control, over whole months; a
team member sees their own team's reports, exact (signposting.reports.access). A lead who
works for an area (their team's funding area) sees it first.

A period or scope that cannot be used shows no report: the error summary and the form say what
to fix, and nothing is shown under dates that were refused.
"""

import dataclasses
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone

from signposting.report_api import ReportScopeForm
from signposting.reports import REPORTS, ReportData
from signposting.reports.access import reader_of
from signposting.reports.disclosure import note, threshold

TABLE_ROWS = 25  # the page shows the first rows; downloads have them all


@login_required
def dashboard(request):
    reader = reader_of(request.user)
    if reader is None:
        raise PermissionDenied
    data = request.GET.copy()
    if reader.area is not None and "area" not in data:
        data["area"] = reader.area.code  # the lead's own area first; "All areas" is a choice
    form = ReportScopeForm(data, reader=reader)
    scope = form.cleaned_data["scope"] if form.is_valid() else None
    context = {
        "form": form,
        "scope": scope,
        "reader": reader,
        **dict(zip(("sections", "worked_out_at"), page_sections(scope), strict=True)),
        "note": note(reader.exact),
        "threshold": threshold(),
        "date_from": request.GET.get("from", scope.start.isoformat() if scope else ""),
        "date_to": request.GET.get("to", scope.end.isoformat() if scope else ""),
        "date_fields": [
            (
                form["date_from"],
                "from",
                "Year-month-day, for example 2026-01-01"
                + (": the first day of a month" if reader.lead else ""),
            ),
            (
                form["date_to"],
                "to",
                "Year-month-day, for example 2026-12-31"
                + (": the last day of a month" if reader.lead else ""),
            ),
        ],  # fmt: skip
    }
    return render(request, "signposting/dashboard.html", context)


def page_sections(scope) -> tuple[list[dict], object]:
    """The page's reports for the scope and when they were worked out: at most once every
    REPORTS_PAGE_SECONDS (60) for a scope, shared by everyone reading that scope through
    Django's cache (files shared by every process on the host: CACHES). Monthly figures moved by
    a minute's referrals are the same figures, and a page of every report costs a few hundred
    milliseconds; the page says when they were worked out. Downloads are never cached."""
    if scope is None:
        return [], None
    seconds = settings.REPORTS_PAGE_SECONDS
    if seconds <= 0:
        return sections(scope), timezone.now()
    # Every field of the scope (a model by its key) and the rounding: figures for one scope
    # and rounding are never served for another.
    parts = [getattr(scope, f.name) for f in dataclasses.fields(scope)]
    key = "reports-page:v1:" + ":".join(
        str(getattr(part, "pk", part) if part is not None else "-")
        for part in (*parts, threshold())
    )
    found = cache.get(key)
    if found is None:
        found = (sections(scope), timezone.now())
        cache.set(key, found, seconds)
    return found


def sections(scope) -> list[dict]:
    """Every report of the scope: its first rows, charts and download links."""
    data = ReportData(scope)  # each cube is queried once for every report on the page
    data.prefetch()
    params = {
        "from": scope.start.isoformat(),
        "to": scope.end.isoformat(),
        "area": scope.area.code if scope.area else "",
        **({"team": scope.team.pk} if scope.team else {}),
    }
    result = []
    for name, spec in REPORTS.items():
        frame = spec.function(scope, data)
        shown = frame.head(TABLE_ROWS)
        result.append(
            {
                "name": name,
                "title": spec.title,
                "doc": (spec.function.__doc__ or "").strip(),
                "columns": [c.replace("_", " ") for c in frame.columns],
                "rows": shown.astype(object).where(shown.notna(), "").values.tolist(),
                "total_rows": len(frame),
                "charts": [svg for chart in spec.charts if (svg := chart(frame))],
                "csv": "/api/v1/reports/"
                f"{name}/?{urlencode({**params, 'format': 'csv', 'notes': 'true'})}",
                "xlsx": f"/api/v1/reports/{name}/?{urlencode({**params, 'format': 'xlsx'})}",
            }
        )
    return result
