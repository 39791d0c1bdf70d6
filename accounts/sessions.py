"""Sessions end after 30 minutes idle (SESSION_COOKIE_AGE, renewed by a request at most once a
minute: RenewSessionMiddleware) and 12 hours after sign-in whatever happens
(SESSION_ABSOLUTE_SECONDS, here)."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser

from audit.log import record
from audit.models import Action

SIGNED_IN_AT = "signed_in_at"
RENEWED_AT = "renewed_at"
# A request renews the session's idle time (a database write) only if the last renewal is at
# least this old: the session then ends between 29 and 30 minutes after the last request,
# and a page costs no write.
RENEW_EVERY_SECONDS = 60


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


class RenewSessionMiddleware:
    """Start a session's idle time again on a request, but write the session for that at most
    once a minute (instead of Django's SESSION_SAVE_EVERY_REQUEST, a write a page). A session
    changed by the request is saved anyway, and so renewed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None:
            return response
        renewed_at = session.get(RENEWED_AT)  # loads it: an unknown or expired key goes
        if session.session_key is None:  # none, ended, unknown, or never saved
            return response
        now = int(time.time())
        if (
            session.modified
            or not isinstance(renewed_at, int)
            or not 0 <= now - renewed_at < RENEW_EVERY_SECONDS
        ):
            session[RENEWED_AT] = now  # saved, with a new expiry, by SessionMiddleware
        return response
