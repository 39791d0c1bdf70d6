"""GET /api/v1/reports/<name>/: the network lead's reports as JSON, CSV or XLSX, suppressed."""

import datetime as dt
import io

import pandas as pd
from django import forms
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, renderers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from directory.models import Area
from signposting.models import Team
from signposting.reports import REPORTS, Scope, build_report

MAX_PERIOD_DAYS = 366 * 5


class ReportScopeForm(forms.Form):
    """Period and scope, shared by the API and the dashboard."""

    date_from = forms.DateField(required=False, label="From")
    date_to = forms.DateField(required=False, label="To")
    area = forms.ModelChoiceField(
        queryset=Area.objects.all(), to_field_name="code", required=False, label="ICB or borough"
    )
    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False, label="Team")

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:
            data = data.copy()
            for name in ("from", "to"):
                if name in data:
                    data[f"date_{name}"] = data[name]
        super().__init__(data, *args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        today = timezone.localdate()
        end = cleaned.get("date_to") or today
        start = cleaned.get("date_from") or end - dt.timedelta(days=365)
        if start > end:
            self.add_error("date_from", "must be on or before 'to'")
        elif (end - start).days > MAX_PERIOD_DAYS:
            self.add_error("date_from", "the period can be at most five years")
        cleaned["scope"] = Scope(
            start=start, end=end, area=cleaned.get("area"), team=cleaned.get("team")
        )
        return cleaned

    def errors_by_parameter(self) -> dict:
        return {{"date_from": "from", "date_to": "to"}.get(k, k): v for k, v in self.errors.items()}


class CSVRenderer(renderers.BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, dict):  # an error body
            return "\n".join(f"{k}: {v}" for k, v in data.items()).encode()
        return pd.DataFrame(data).to_csv(index=False).encode("utf-8")


class XLSXRenderer(renderers.BaseRenderer):
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, dict):
            data = [{"error": f"{k}: {v}"} for k, v in data.items()]
        buffer = io.BytesIO()
        pd.DataFrame(data).to_excel(buffer, index=False, sheet_name="report")
        return buffer.getvalue()


class CanSeeReports(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.user.is_authenticated and request.user.has_perm("signposting.view_reports")


class ReportView(APIView):
    """One report over a period (from, to) and scope (area code, team id), suppressed."""

    permission_classes = [CanSeeReports]
    renderer_classes = [renderers.JSONRenderer, CSVRenderer, XLSXRenderer]
    filter_backends: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter("name", str, OpenApiParameter.PATH, enum=list(REPORTS)),
            OpenApiParameter(
                "from", OpenApiTypes.DATE, description="First day (default: a year ago)"
            ),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last day (default: today)"),
            OpenApiParameter("area", str, description="An ICB or borough code"),
            OpenApiParameter("team", int, description="A team id"),
            OpenApiParameter("format", str, enum=["json", "csv", "xlsx"]),
        ],
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="A list of row objects, the same columns as the CSV; counts from 1 "
                'to 4 as "<5" and recoverable totals as "suppressed".',
            )
        },
    )
    def get(self, request, name: str):
        if name not in REPORTS:
            raise NotFound(f"No report called '{name}'. Reports: {', '.join(REPORTS)}")
        form = ReportScopeForm(request.query_params)
        if not form.is_valid():
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
        return response
