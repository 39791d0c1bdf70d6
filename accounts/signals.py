"""Every sign-in, failure, lockout and sign-out goes in the audit log."""

import logging

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from accounts.sessions import stamp_sign_in
from accounts.tokens import connect_signals as connect_token_signals
from audit.log import record
from audit.models import Action

log = logging.getLogger(__name__)


def _signed_in(sender, request, user, **kwargs):
    record(request, Action.SIGNED_IN, user=user)


def _sign_in_failed(sender, credentials, request=None, **kwargs):
    # Django has already hidden the password; the name tried is kept, cut to size.
    record(request, Action.SIGN_IN_FAILED, user=None, username=str(credentials.get("username", "")))


def _signed_out(sender, request, user, **kwargs):
    record(request, Action.SIGNED_OUT, user=user)


def _locked_out(sender, request, username, ip_address, **kwargs):
    log.warning("Locked out %r at %s after repeated failed sign-ins", username, ip_address)
    record(request, Action.LOCKED_OUT, user=None, username=username or "")


def connect():
    user_logged_in.connect(stamp_sign_in, dispatch_uid="accounts-stamp-sign-in")
    user_logged_in.connect(_signed_in, dispatch_uid="accounts-audit-signed-in")
    user_login_failed.connect(_sign_in_failed, dispatch_uid="accounts-audit-sign-in-failed")
    user_logged_out.connect(_signed_out, dispatch_uid="accounts-audit-signed-out")
    user_locked_out.connect(_locked_out, dispatch_uid="accounts-audit-locked-out")
    connect_token_signals()
