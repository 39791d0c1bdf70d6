"""GET /api/v1/reports/<name>/: reports as JSON, CSV or XLSX.

A network lead's figures come through disclosure control, over whole months; a team member's
are their own team's, exact (signposting.reports.access).
"""

import csv
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
from signposting.exports import safe_frame, text_cell
from signposting.models import Team
from signposting.reports import REPORTS, Scope, build_report
from signposting.reports.access import Reader, reader_of
from signposting.reports.downloads import NOTES_MARK, file_name, notes
from signposting.reports.scope import last_day, whole_month_errors

MAX_PERIOD_DAYS = 366 * 5


class ReportScopeForm(forms.Form):
    """Period and scope, shared by the API and the dashboard. Its messages say what to fix in
    plain words (NHS.UK error message style); the API gives them by parameter name."""

    date_from = forms.DateField(
        required=False,
        label="Start date",
        validators=[plausible_date],
        error_messages={
            "invalid": "Enter the start date as year, month and day, for example 2026-01-01"
        },
    )
    date_to = forms.DateField(
        required=False,
        label="End date",
        validators=[plausible_date],
        error_messages={
            "invalid": "Enter the end date as year, month and day, for example 2026-12-31"
        },
    )
    area = forms.ModelChoiceField(
        queryset=Area.objects.all(),
        to_field_name="code",
        required=False,
        label="ICB or borough",
        empty_label="All areas",
        error_messages={"invalid_choice": "Choose an ICB or borough from the list"},
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.all(),
        required=False,
        label="Team",
        empty_label="All teams",
        error_messages={"invalid_choice": "Choose a team from the list"},
    )

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
        if "date_from" in self.errors or "date_to" in self.errors:
            pass  # a date that could not be read: nothing more to say about the period yet
        elif start > end:
            self.add_error("date_from", "The start date must be the same as or before the end date")
        elif (end - start).days > MAX_PERIOD_DAYS:
            self.add_error(
                "date_from",
                "The period must be 5 years or shorter: choose a later start date or an "
                "earlier end date",
            )
        elif self.reader.lead:
            for name, error in whole_month_errors(start, end).items():
                self.add_error(f"date_{name}", error)
        if not self.reader.lead:
            if team is not None and team != self.reader.team:
                self.forbidden = True
                self.add_error("team", "You can see your own team's reports only")
            team = self.reader.team
        cleaned["scope"] = Scope(
            start=start, end=end, area=cleaned.get("area"), team=team, exact=self.reader.exact
        )
        return cleaned

    def errors_by_parameter(self) -> dict:
        return {{"date_from": "from", "date_to": "to"}.get(k, k): v for k, v in self.errors.items()}


def notes_wanted(value: str | None) -> bool:
    """Read the notes parameter: true or false (1 or 0, yes or no)."""
    if value is None or value.strip().lower() in ("", "false", "0", "no"):
        return False
    if value.strip().lower() in ("true", "1", "yes"):
        return True
    raise ValidationError({"notes": ["Use notes=true or notes=false"]})


def _error_rows(data: dict) -> list[dict]:
    """An error body as rows: quoted cells, made safe like any other."""
    return [{"error": f"{k}: {v}"} for k, v in data.items()]


class CSVRenderer(renderers.BaseRenderer):
    """The rows as CSV; with notes (notes=true), first a line for each note, whose first cell
    is "#" (signposting.reports.downloads)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, dict):
            data = _error_rows(data)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        for what, value in (renderer_context or {}).get("notes") or []:
            writer.writerow([NOTES_MARK, text_cell(what), text_cell(value)])
        safe_frame(pd.DataFrame(data)).to_csv(buffer, index=False)
        return buffer.getvalue().encode("utf-8")


class XLSXRenderer(renderers.BaseRenderer):
    """The rows as an Excel workbook: the "report" sheet, then (for a report) a "notes" one."""

    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, dict):
            data = _error_rows(data)
        notes = (renderer_context or {}).get("notes") or []
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="openpyxl") as workbook:
            safe_frame(pd.DataFrame(data)).to_excel(workbook, index=False, sheet_name="report")
            if notes:
                frame = pd.DataFrame(notes, columns=["note", "value"])
                safe_frame(frame).to_excel(workbook, index=False, sheet_name="notes")
                sheet = workbook.sheets["notes"]
                sheet.column_dimensions["A"].width = 20
                sheet.column_dimensions["B"].width = 100
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
            OpenApiParameter(
                "notes",
                bool,
                description="CSV only: true starts the file with its notes (report, area, team, "
                "period, disclosure rule, when made), one a line, each line's first cell '#': "
                "read it with pandas' read_csv(comment='#'). Default false: a plain table. "
                "Excel files always have a 'notes' sheet after the 'report' sheet.",
            ),
        ],
        responses={
            (200, "application/json"): OpenApiResponse(
                ROWS,
                description="A list of row objects, the same columns as the CSV. For a network "
                "lead every count is a sum of counts rounded to multiples of 5 at the finest "
                "level (team, boroughs, month, category); a team member's are exact.",
            ),
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                description="The rows as CSV (with notes=true, after the notes). The file name "
                "(Content-Disposition) names the report, area, team, period and disclosure "
                "rule: signpost-outcomes-sutton-2025-12-01-to-2026-11-30-rounded-to-5.csv",
            ),
            (200, XLSXRenderer.media_type): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The rows as an Excel workbook: a 'report' sheet and a 'notes' "
                "sheet; named as the CSV is",
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
        scope = form.cleaned_data["scope"]
        download = request.accepted_renderer.format in ("csv", "xlsx")
        with_notes = notes_wanted(request.query_params.get("notes"))
        frame = build_report(name, scope)
        rows = frame.astype(object).where(pd.notna(frame), None).to_dict("records")
        response = Response(rows)
        if download:
            if with_notes or request.accepted_renderer.format == "xlsx":
                self.notes = notes(name, scope)
            filename = file_name(name, scope, request.accepted_renderer.format)
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            audit.record(request, Action.REPORT_EXPORTED, detail=name)
        return response

    def get_renderer_context(self):
        return {**super().get_renderer_context(), "notes": getattr(self, "notes", None)}
