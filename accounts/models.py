"""Which users are demo users (made by load_demo_users with the published password)."""

from django.conf import settings
from django.db import models


class DemoAccount(models.Model):
    """A demo user: refused at sign-in whenever DEBUG is off (accounts.backends), and a reason
    for production to refuse to start (accounts.checks)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="demo_account",
    )
    marked_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"demo user {self.user}"
