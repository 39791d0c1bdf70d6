"""Demo users: the published password, marking them, and refusing them outside DEBUG."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.crypto import constant_time_compare

from accounts.models import DemoAccount

DEMO_PASSWORD = "signpost-demo-2026"  # noqa: S105 - printed for the demo, never in production


def mark_demo(user) -> None:
    """Mark the user as a demo user."""
    DemoAccount.objects.get_or_create(user=user)


def demo_refused() -> bool:
    """Demo users are refused with DEBUG off, unless DEMO_USERS_ALLOWED says otherwise."""
    return not settings.DEBUG and not settings.DEMO_USERS_ALLOWED


def is_demo(user) -> bool:
    return DemoAccount.objects.filter(user_id=user.pk).exists()


def refused_password(password) -> bool:
    """The published demo password is refused for everyone whenever DEBUG is off."""
    return (
        demo_refused()
        and isinstance(password, str)
        and constant_time_compare(password, DEMO_PASSWORD)
    )


def active_demo_users():
    """Demo users who could still sign in."""
    return get_user_model().objects.filter(demo_account__isnull=False, is_active=True)
