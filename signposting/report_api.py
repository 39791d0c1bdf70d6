"""GET /api/v1/reports/<name>/: reports as JSON, CSV or XLSX.

A network lead's figures come through disclosure control, over whole months; a team member's
are their own team's, exact (signposting.reports.access).
"""

import datetime as dt
import io

import pandas as pd
from django import forms
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, renderers
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from audit import log as audit
from audit.models import Action
from config.validators import plausible_date
from directory.models import Area
from signposting.exports import safe_frame
from signposting.models import Team
from signposting.reports import REPORTS, Scope, build_report
from signposting.reports.access import Reader, reader_of
from signposting.reports.scope import last_day, whole_month_errors

MAX_PERIOD_DAYS = 366 * 5


class ReportScopeForm(forms.Form):
    """Period and scope, shared by the API and the dashboard."""

    date_from = forms.DateField(required=False, label="From", validators=[plausible_date])
    date_to = forms.DateField(required=False, label="To", validators=[plausible_date])
    area = forms.ModelChoiceField(
        queryset=Area.objects.all(), to_field_name="code", required=False, label="ICB or borough"
    )
    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False, label="Team")

    def __init__(self, data=None, *args, reader: Reader | None = None, **kwargs):
        if data is not None:
            data = data.copy()
            for name in ("from", "to"):
                if name in data:
                    data[f"date_{name}"] = data[name]
        super().__init__(data, *args, **kwargs)
        self.reader = reader or Reader(lead=True)
        self.forbidden = False  # a team member asked for another team

    def clean(self):
        cleaned = super().clean()
        end = cleaned.get("date_to") or last_day(timezone.localdate())
        start = cleaned.get("date_from") or twelve_months_to(end)
        team = cleaned.get("team")
        if start > end:
            self.add_error("date_from", "must be on or before 'to'")
        elif (end - start).days > MAX_PERIOD_DAYS:
            self.add_error("date_from", "the period can be at most five years")
        elif self.reader.lead:
            for name, error in whole_month_errors(start, end).items():
                self.add_error(f"date_{name}", error)
        if not self.reader.lead:
            if team is not None and team != self.reader.team:
                self.forbidden = True
                self.add_error("team", "you can see your own team's reports only")
            team = self.reader.team
        cleaned["scope"] = Scope(
            start=start, end=end, area=cleaned.get("area"), team=team, exact=self.reader.exact
        )
        return cleaned

    def errors_by_parameter(self) -> dict:
        return {{"date_from": "from", "date_to": "to"}.get(k, k): v for k, v in self.errors.items()}


class CSVRenderer(renderers.BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, dict):  # an error body: quoted cells, made safe like any other
            data = [{"error": f"{k}: {v}"} for k, v in data.items()]
        return safe_frame(pd.DataFrame(data)).to_csv(index=False).encode("utf-8")


class XLSXRenderer(renderers.BaseRenderer):
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, dict):
            data = [{"error": f"{k}: {v}"} for k, v in data.items()]
        buffer = io.BytesIO()
        safe_frame(pd.DataFrame(data)).to_excel(buffer, index=False, sheet_name="report")
        return buffer.getvalue()


# A report's rows: objects whose columns depend on the report.
ROWS = {"type": "array", "items": {"type": "object", "additionalProperties": True}}


def twelve_months_to(end: dt.date) -> dt.date:
    """The first day of the twelve whole months that end with end's month."""
    first = end.replace(day=1)
    for _ in range(11):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return first


class CanSeeReports(permissions.BasePermission):
    """Network leads, and team members (for their own team)."""

    def has_permission(self, request, view):
        return reader_of(request.user) is not None


class ReportView(APIView):
    """One report over a period (from, to) and scope (area code, team id).

    For a network lead the period must be whole months (400 otherwise) and every count is a sum
    of counts rounded at the finest level; a team member gets their own team's exact figures."""

    permission_classes = [CanSeeReports]
    renderer_classes = [renderers.JSONRenderer, CSVRenderer, XLSXRenderer]
    filter_backends: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter("name", str, OpenApiParameter.PATH, enum=list(REPORTS)),
            OpenApiParameter(
                "from",
                OpenApiTypes.DATE,
                description="First day; for a network lead the first of a month "
                "(default: twelve whole months to 'to')",
            ),
            OpenApiParameter(
                "to",
                OpenApiTypes.DATE,
                description="Last day; for a network lead the last of a month "
                "(default: the end of this month)",
            ),
            OpenApiParameter("area", str, description="An ICB or borough code"),
            OpenApiParameter(
                "team", int, description="A team id (a team member: their own team only)"
            ),
            OpenApiParameter("format", str, enum=["json", "csv", "xlsx"]),
        ],
        responses={
            (200, "application/json"): OpenApiResponse(
                ROWS,
                description="A list of row objects, the same columns as the CSV. For a network "
                "lead every count is a sum of counts rounded to multiples of 5 at the finest "
                "level (team, boroughs, month, category); a team member's are exact.",
            ),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The rows as CSV"),
            (200, XLSXRenderer.media_type): OpenApiResponse(
                OpenApiTypes.BINARY, description="The rows as an Excel workbook"
            ),
            # Errors come in the format asked for (config/schema.py adds the CSV and XLSX forms).
            (400, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="A bad parameter, by name (a date outside 2000 to 2100 among them); "
                "for a network lead, a period that is not whole months.",
            ),
            (403, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="Not a network lead or team member; another team."
            ),
        },
    )
    def get(self, request, name: str):
        if name not in REPORTS:
            raise NotFound(f"No report called '{name}'. Reports: {', '.join(REPORTS)}")
        form = ReportScopeForm(request.query_params, reader=reader_of(request.user))
        if not form.is_valid():
            if form.forbidden:
                raise PermissionDenied("You can see your own team's reports only.")
            raise ValidationError(form.errors_by_parameter())
        frame = build_report(name, form.cleaned_data["scope"])
        rows = frame.astype(object).where(pd.notna(frame), None).to_dict("records")
        response = Response(rows)
        if request.accepted_renderer.format in ("csv", "xlsx"):
            scope = form.cleaned_data["scope"]
            filename = (
                f"signpost-{name}-{scope.start}-{scope.end}.{request.accepted_renderer.format}"
            )
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            audit.record(request, Action.REPORT_EXPORTED, detail=name)
        return response
