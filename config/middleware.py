"""Small middleware for headers and limits Django does not set itself
(docs/security-headers-and-limits.md)."""

import io

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers


class RequestBodyLimitMiddleware:
    """Answer 413 to a request body over REQUEST_BODY_MAX_BYTES before anything reads it.

    A declared Content-Length is checked first. A chunked body (no Content-Length) is read up to
    one byte past the limit, refused if it goes past, and otherwise handed on as if its length
    had been declared. The paths in REQUEST_BODY_LIMIT_EXEMPT (exactly: the spreadsheet upload,
    which streams to disk under its own, larger limit) are left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.REQUEST_BODY_MAX_BYTES
        if request.path_info in settings.REQUEST_BODY_LIMIT_EXEMPT:
            return self.get_response(request)
        declared = request.META.get("CONTENT_LENGTH") or ""
        if declared.strip():
            try:
                length = int(declared)
            except ValueError:
                return _refused(request, 400, "The Content-Length header is not a number.")
            if length > limit:
                return _too_large(request, limit)
        elif "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            stream = request.META.get("wsgi.input")
            body = b""
            if stream is not None:
                body = stream.read(limit + 1)
            if len(body) > limit:
                return _too_large(request, limit)
            request.META["CONTENT_LENGTH"] = str(len(body))
            request._stream = io.BytesIO(body)
        return self.get_response(request)


class NulCharacterMiddleware:
    """Answer 400 to an address with a NUL character (%00) in its path or query: no Signpost
    address has one, and PostgreSQL cannot compare text with it (a 500 otherwise)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info or "%00" in request.META.get("QUERY_STRING", ""):
            return _refused(request, 400, "The address contains a NUL character (%00).")
        return self.get_response(request)


def _too_large(request, limit: int) -> HttpResponse:
    size = f"{limit / (1024 * 1024):g} MB" if limit >= 1024 * 1024 else f"{limit:,} bytes"
    return _refused(request, 413, f"The request body is larger than {size}, the most accepted.")


def _refused(request, status: int, message: str) -> HttpResponse:
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


class PermissionsPolicyMiddleware:
    """Send Permissions-Policy: the browser features no Signpost page uses are switched off."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(allowed)})"
            for feature, allowed in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        if self.header and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = self.header
        return response


class NoStoreMiddleware:
    """Cache-Control: no-store (and no-cache, private) on every response about referrals and
    patients: the paths in NO_STORE_PATH_PREFIXES (pages, exports, reports and their API)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path_info.startswith(tuple(settings.NO_STORE_PATH_PREFIXES)):
            add_never_cache_headers(response)
        return response


class ApiErrorsAsJsonMiddleware:
    """An error Django answers itself under /api/v1/ (a path no route matches: 404; a bad
    request: 400) is JSON like the API's own errors, as the schema documents, not an HTML page."""

    prefix = "/api/v1/"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path_info.startswith(self.prefix)
            and response.get("Content-Type", "").startswith("text/html")
        ):
            message = {404: "Not found.", 400: "Bad request.", 403: "Forbidden."}.get(
                response.status_code, response.reason_phrase
            )
            json_response = JsonResponse({"detail": message}, status=response.status_code)
            for header in ("Allow", "Cache-Control", "Vary"):
                if header in response:
                    json_response[header] = response[header]
            return json_response
        return response
