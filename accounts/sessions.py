"""Sessions end after 30 minutes idle (SESSION_COOKIE_AGE, renewed on every request) and 12
hours after sign-in whatever happens (SESSION_ABSOLUTE_SECONDS, here)."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser

from audit.log import record
from audit.models import Action

SIGNED_IN_AT = "signed_in_at"


def stamp_sign_in(sender, request, user, **kwargs):
    """Keep the sign-in time in the session (user_logged_in)."""
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = int(time.time())


class SessionLimitMiddleware:
    """Sign out a session older than the absolute limit (or with no sign-in time: one from
    before the limit existed)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            signed_in_at = request.session.get(SIGNED_IN_AT)
            if (
                not isinstance(signed_in_at, int)
                or time.time() - signed_in_at >= settings.SESSION_ABSOLUTE_SECONDS
            ):
                record(request, Action.SESSION_ENDED, user=user)
                # As logout() does, without its signal: this row says why the session ended.
                request.session.flush()
                request.user = AnonymousUser()
                hours = settings.SESSION_ABSOLUTE_SECONDS // 3600
                messages.info(request, f"Your session ended after {hours} hours. Sign in again.")
        return self.get_response(request)
