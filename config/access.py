"""Deny by default: every page needs a signed-in user unless its view says it is public.

Django's LoginRequiredMiddleware sends anonymous visitors of any page not marked
`login_not_required` to the sign-in page. The API is left to Django REST framework, which
authenticates sessions and tokens itself and denies by default (DEFAULT_PERMISSION_CLASSES is
IsAuthenticated; the public directory's endpoints allow anonymous reads explicitly).

The public pages, and only these: the directory and a service's page, the postcode checker, the
home page, the Open Referral UK feed, the patient feedback page, the API schema and its docs, the
health check, and the sign-in and password pages. tests/test_access_matrix.py checks every URL
in the URLconf against every persona, so a new URL without an entry fails.
"""

from django.contrib.auth.middleware import LoginRequiredMiddleware
from rest_framework.views import APIView


class LoginRequired(LoginRequiredMiddleware):
    def process_view(self, request, view_func, view_args, view_kwargs):
        view_class = getattr(view_func, "cls", None)
        if isinstance(view_class, type) and issubclass(view_class, APIView):
            return None  # the API answers 401/403 itself, for tokens as for sessions
        return super().process_view(request, view_func, view_args, view_kwargs)
