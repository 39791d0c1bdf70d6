"""Pages for directory editors to import a spreadsheet of services: upload, preview, import.

The upload is checked and kept privately (directory/spreadsheet_uploads.py); the preview is a
dry run of the real import, so it counts and lists exactly what the import would do; the import
itself is directory.importers.spreadsheet.import_services, which keeps the record of the run.
"""

import functools
import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from directory import spreadsheet_uploads as uploads
from directory.forms import SpreadsheetUploadForm
from directory.importers.base import ImportFileError
from directory.importers.spreadsheet import KIND, import_services, read_table
from directory.models import DataImport
from directory.service_data import SERVICE_COLUMNS

TEMPLATE_CSV = settings.BASE_DIR / "docs" / "import-template.csv"
# The importer's problems read "row 14, postcode: 'SM1 XYZ' is not a valid UK postcode".
ROW_PROBLEM = re.compile(r"^row (?P<row>\d+), (?P<column>[^:]+): (?P<problem>.*)$", re.DOTALL)


def editors_only(view):
    """Let in only people who may add and change services; others get 403, or sign in."""
    checked = permission_required(
        ("directory.add_service", "directory.change_service"), raise_exception=True
    )(view)
    return functools.wraps(view)(never_cache(login_required(checked)))


@csrf_exempt
@editors_only
def upload(request):
    """Show the upload form; on POST, keep the file and go to its preview.

    The upload handler must be set before anything reads the request body, so CSRF is checked
    after it (csrf_protect on _upload) rather than by the middleware.
    """
    handler = uploads.SpreadsheetUploadHandler(request)
    if request.method == "POST":
        request.upload_handlers = [handler]
    try:
        return _upload(request, handler)
    finally:
        handler.discard_unkept()


@csrf_protect
def _upload(request, handler):
    posted = request.method == "POST"
    # Reading the body runs the upload handler, which says whether it refused the file.
    data, files = (request.POST, request.FILES) if posted else (None, None)
    form = SpreadsheetUploadForm(
        data, files, size_limit=uploads.size_limit_text(), refused=handler.problem
    )
    if form.is_valid():
        stored = form.cleaned_data["file"]
        try:
            read_table(stored.path, stored.name)
        except ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            uploads.sweep()
            pending = uploads.remember(request.session, stored, form.source_name)
            handler.keep(pending.path)
            return redirect("import-preview", token=pending.token)
    return render(
        request,
        "directory/import_upload.html",
        {"form": form, "columns": SERVICE_COLUMNS},
    )


@require_GET
@editors_only
def template_csv(request):
    """The spreadsheet template: a header of every column and three example rows."""
    return FileResponse(
        open(TEMPLATE_CSV, "rb"),
        as_attachment=True,
        filename="signpost-services-template.csv",
        content_type="text/csv; charset=utf-8",
    )


@require_GET
@editors_only
def preview(request, token: str):
    """Show what importing the upload would do: counts, every row's problems, conflicts."""
    upload = uploads.pending(request.session, token)
    if upload is None:
        return _gone(request)
    problem = None
    result = None
    try:
        result = import_services(
            upload.path,
            skip_invalid=True,
            dry_run=True,
            source_name=upload.source_name,
            name=upload.original_name,
            by=request.user,
        )
    except ImportFileError as exc:
        problem = str(exc)
    context = {"upload": upload, "problem": problem, "result": result}
    if result is not None:
        context["valid"] = result.created + result.updated + result.unchanged + result.conflicts
        context["problems"] = [_row_problem(text) for text in result.errors]
    return render(request, "directory/import_preview.html", context)


@require_POST
@editors_only
def run_import(request, token: str):
    """Import the upload (all of it, or its valid rows only) and show what was done."""
    upload = uploads.pending(request.session, token)
    if upload is None:
        return _gone(request)
    valid_only = request.POST.get("rows") == "valid"
    try:
        result = import_services(
            upload.path,
            skip_invalid=valid_only,
            source_name=upload.source_name,
            name=upload.original_name,
            by=request.user,
        )
    except ImportFileError as exc:
        # The directory changed since the preview (or the rows now have problems): nothing
        # was written; the preview, shown again, lists what is wrong now.
        messages.error(request, str(exc).splitlines()[0])
        return redirect("import-preview", token=token)
    uploads.forget(request.session, token)
    return redirect("import-result", pk=result.import_id)


@require_POST
@editors_only
def cancel(request, token: str):
    """Forget the upload and delete its file."""
    uploads.forget(request.session, token)
    messages.info(request, "The upload was cancelled; nothing was imported.")
    return redirect("import-upload")


@require_GET
@editors_only
def result(request, pk: int):
    """What an import this person ran did: its counts, rows not imported and conflicts."""
    run = get_object_or_404(DataImport, pk=pk, source=KIND, imported_by=request.user)
    return render(
        request,
        "directory/import_result.html",
        {
            "run": run,
            "notes": [_row_problem(line) for line in run.notes.splitlines() if line.strip()],
        },
    )


def _gone(request):
    return render(request, "directory/import_gone.html", status=404)


def _row_problem(text: str) -> dict:
    found = ROW_PROBLEM.match(text)
    if found is None:
        return {"row": "", "column": "", "problem": text}
    return found.groupdict()
