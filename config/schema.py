"""The API schema documents its error answers: every operation lists the 4xx statuses the API
can give, each with its body and content types, so an integrator can rely on the schema for
errors as for successes (docs/security-headers-and-limits.md).

document_errors is a drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS); AutoSchema
(REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]) says truthfully which operations anyone may call.
"""

from django.contrib.auth.models import AnonymousUser
from drf_spectacular import openapi
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

ERROR_DETAIL = "ErrorDetail"
FIELD_ERRORS = "FieldErrors"
JSON = "application/json"

# Status: what it means. Descriptions an operation already gives are kept.
ERRORS = {
    "400": "Refused, nothing stored: each parameter or field at fault with its messages "
    '({"to": ["Give a date from 2000-01-01 to 2100-12-31."]}), or "detail" for a body that '
    "cannot be read (not JSON, or nested too deeply).",
    "401": "Not signed in: the credentials are missing, wrong or expired.",
    "403": "Signed in, without permission for this.",
    "404": "No such thing, or not one you may see.",
    "405": "The method is not allowed here (the Allow header lists those that are).",
    "406": "None of the content types in the Accept header (or ?format=) can be given.",
    "413": "The request body is larger than the most accepted (1 MB by default).",
    "415": "The request body's content type is not one the operation reads.",
}
SCHEMAS = {
    ERROR_DETAIL: {
        "type": "object",
        "description": "An error, in a sentence.",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    FIELD_ERRORS: {
        "type": "object",
        "description": "Each parameter or field at fault, with a list of messages (nested for "
        "nested fields); 'detail' or 'non_field_errors' for the request as a whole.",
        "additionalProperties": True,
    },
}
# Downloads (the reports' ?format=csv and xlsx) give their errors in the format asked for.
TABULAR = {
    "text/csv": {"type": "string"},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
        "type": "string",
        "format": "binary",
    },
}


def document_errors(result, generator, request, public):
    """Add the error answers (and their schemas) to every operation of the schema."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in SCHEMAS.items():
        schemas.setdefault(name, schema)
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in ("get", "put", "patch", "post", "delete", "head", "options"):
                continue
            _document_operation(operation)
    return result


def _document_operation(operation: dict) -> None:
    responses = operation.setdefault("responses", {})
    success_types = {
        content_type
        for status, response in responses.items()
        if str(status).startswith("2")
        for content_type in response.get("content", {})
    }
    for status, description in ERRORS.items():
        response = responses.setdefault(status, {"description": description})
        response.setdefault("description", description)
        body = FIELD_ERRORS if status == "400" else ERROR_DETAIL
        content = response.setdefault("content", {})
        content.setdefault(JSON, {"schema": {"$ref": f"#/components/schemas/{body}"}})
        for content_type, schema in TABULAR.items():
            if content_type in success_types:
                content.setdefault(content_type, {"schema": schema})


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's AutoSchema, whose security also lists {} (no credentials) when the
    view's own permission classes let an anonymous caller in for this method, whatever those
    classes are (drf-spectacular itself only recognises AllowAny and IsAuthenticatedOrReadOnly)."""

    def get_auth(self):
        auths = super().get_auth()
        if {} not in auths and self._anonymous_allowed():
            auths.append({})
        return auths

    def _anonymous_allowed(self) -> bool:
        anonymous = Request(APIRequestFactory().generic(self.method, self.path))
        anonymous.user = AnonymousUser()
        real = getattr(self.view, "request", None)
        self.view.request = anonymous
        try:
            return all(p.has_permission(anonymous, self.view) for p in self.view.get_permissions())
        except Exception:  # noqa: BLE001 - a permission that cannot tell: not documented as open
            return False
        finally:
            self.view.request = real
