"""The reports page: every report as a table, with charts and downloads.

A network lead sees across teams and areas, through disclosure control, over whole months; a
team member sees their own team's reports, exact (signposting.reports.access).
"""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from signposting.report_api import ReportScopeForm
from signposting.reports import REPORTS, ReportData, Scope, default_scope
from signposting.reports.access import reader_of
from signposting.reports.disclosure import note, threshold

TABLE_ROWS = 25  # the page shows the first rows; downloads have them all


@login_required
def dashboard(request):
    reader = reader_of(request.user)
    if reader is None:
        raise PermissionDenied
    form = ReportScopeForm(request.GET or None, reader=reader)
    year = default_scope()
    scope = Scope(year.start, year.end, team=reader.team, exact=reader.exact)
    if form.is_bound and form.is_valid():
        scope = form.cleaned_data["scope"]
    data = ReportData(scope)  # each cube is queried once for every report on the page
    data.prefetch()
    params = {
        "from": scope.start.isoformat(),
        "to": scope.end.isoformat(),
        **({"area": scope.area.code} if scope.area else {}),
        **({"team": scope.team.pk} if scope.team else {}),
    }
    sections = []
    for name, spec in REPORTS.items():
        frame = spec.function(scope, data)
        shown = frame.head(TABLE_ROWS)
        sections.append(
            {
                "name": name,
                "title": spec.title,
                "doc": (spec.function.__doc__ or "").strip(),
                "columns": [c.replace("_", " ") for c in frame.columns],
                "rows": shown.astype(object).where(shown.notna(), "").values.tolist(),
                "total_rows": len(frame),
                "charts": [svg for chart in spec.charts if (svg := chart(frame))],
                "csv": f"/api/v1/reports/{name}/?{urlencode({**params, 'format': 'csv'})}",
                "xlsx": f"/api/v1/reports/{name}/?{urlencode({**params, 'format': 'xlsx'})}",
            }
        )
    return render(
        request,
        "signposting/dashboard.html",
        {
            "form": form,
            "scope": scope,
            "reader": reader,
            "sections": sections,
            "note": note(scope.exact),
            "threshold": threshold(),
            "date_from": request.GET.get("from", scope.start.isoformat()),
            "date_to": request.GET.get("to", scope.end.isoformat()),
        },
    )
