"""Sign-in by username and password that refuses demo users whenever DEBUG is off."""

import logging

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from accounts.demo_accounts import demo_refused, is_demo, refused_password

log = logging.getLogger(__name__)


class SignpostBackend(ModelBackend):
    """Django's model backend, refusing the published demo password and demo users outside
    DEBUG. A refusal counts as a failed sign-in (and towards a lockout)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if refused_password(password):
            log.warning("Refused the published demo password for %r (DEBUG is off)", username)
            raise PermissionDenied("demo password")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and demo_refused() and is_demo(user):
            log.warning("Refused demo user %r (DEBUG is off)", user.get_username())
            raise PermissionDenied("demo user")
        return user
