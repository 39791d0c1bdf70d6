"""Sign-in by username and password that refuses demo users whenever DEBUG is off."""

import logging

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied

from accounts.demo_accounts import demo_refused, is_demo, refused_password
from config.by_ids import ByIds

log = logging.getLogger(__name__)


class SignpostBackend(ModelBackend):
    """Django's model backend, refusing the published demo password and demo users outside
    DEBUG. A refusal counts as a failed sign-in (and towards a lockout). A user's permissions
    are read in one query, not Django's two (their own, their groups'): every page's menu asks
    for them."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if refused_password(password):
            log.warning("Refused the published demo password for %r (DEBUG is off)", username)
            raise PermissionDenied("demo password")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and demo_refused() and is_demo(user):
            log.warning("Refused demo user %r (DEBUG is off)", user.get_username())
            raise PermissionDenied("demo user")
        return user

    def get_all_permissions(self, user_obj, obj=None):
        """What ModelBackend gives (a user's own permissions and their groups', every one for a
        superuser, none for an inactive user), in one query, kept on the user for the request."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                rows = Permission.objects.values_list(*_NAMES).order_by()
            else:
                rows = _PERMISSIONS.rows([user_obj.pk])
            user_obj._perm_cache = {f"{app}.{codename}" for app, codename in rows}
        return user_obj._perm_cache


_NAMES = ("content_type__app_label", "codename")
# A UNION of the user's own and their groups', each by its own indexed join: one OR over both
# joins made the database pair every holder of a permission with every member of its groups
# (8 s a call at 3,000 users, against 1.5 ms this way). Its SQL is written once (config.by_ids).
_PERMISSIONS = ByIds(
    lambda ids: (
        Permission.objects.filter(user__in=ids)
        .values_list(*_NAMES)
        .order_by()
        .union(Permission.objects.filter(group__user__in=ids).values_list(*_NAMES).order_by())
    )
)
