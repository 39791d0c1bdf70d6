"""API token authentication (django-rest-knox) that writes every use to the audit log.

Its own module: DRF imports it from settings while building APIView, so it imports no views."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from audit.log import record
from audit.models import Action


class AuditedTokenAuthentication(TokenAuthentication):
    """Knox's token authentication; every use, and every refusal, goes in the audit log."""

    def authenticate(self, request):
        # Django's request: asking DRF's for its user here would authenticate again.
        try:
            result = super().authenticate(request)
        except AuthenticationFailed:
            record(request._request, Action.TOKEN_REFUSED, user=None)
            raise
        if result is not None:
            record(request._request, Action.TOKEN_USED, user=result[0])
        return result


class AuditedTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.AuditedTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=self.target.authenticate_header(None)
        )
