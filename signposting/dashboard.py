"""The network lead's dashboard: every report as a table with a chart, and downloads."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render

from signposting import charts
from signposting.report_api import ReportScopeForm
from signposting.reports import (
    REPORTS,
    STATE_LABELS,
    ReportData,
    default_scope,
    suppress,
)

TABLE_ROWS = 60  # the dashboard shows the first rows; downloads have them all


@login_required
@permission_required("signposting.view_reports", raise_exception=True)
def dashboard(request):
    form = ReportScopeForm(request.GET or None)
    scope = default_scope()
    if form.is_bound and form.is_valid():
        scope = form.cleaned_data["scope"]
    threshold = settings.SIGNPOST_SUPPRESSION_THRESHOLD
    data = ReportData(scope)  # each grouped count is queried once for every report
    data.states_by_month()
    data.needs()
    raw = {name: REPORTS[name].function(scope, data) for name in REPORTS}
    shown = {name: suppress(frame, REPORTS[name]) for name, frame in raw.items()}
    monthly_frame = data.states_by_month()
    monthly_frame = monthly_frame.groupby(["month", "state"], as_index=False)["count"].sum()
    monthly_frame = monthly_frame.rename(columns={"count": "referrals"})
    monthly_frame["outcome"] = monthly_frame["state"].map(STATE_LABELS)
    params = {
        "from": scope.start.isoformat(),
        "to": scope.end.isoformat(),
        **({"area": scope.area.code} if scope.area else {}),
        **({"team": scope.team.pk} if scope.team else {}),
    }
    sections = []
    chart_for = {
        "gaps": charts.gap_heatmap(raw["gaps"]),
        "outcomes": charts.outcomes_over_time(monthly_frame, threshold),
        "uptake": charts.non_acceptance(shown["uptake"]),
    }
    for name, spec in REPORTS.items():
        frame = shown[name]
        sections.append(
            {
                "name": name,
                "title": spec.title,
                "doc": (spec.function.__doc__ or "").strip(),
                "columns": [c.replace("_", " ") for c in frame.columns],
                "rows": frame.head(TABLE_ROWS)
                .astype(object)
                .where(frame.notna(), "")
                .values.tolist(),
                "total_rows": len(frame),
                "chart": chart_for.get(name),
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
            "sections": sections,
            "threshold": threshold,
            "date_from": request.GET.get("from", scope.start.isoformat()),
            "date_to": request.GET.get("to", scope.end.isoformat()),
        },
    )
