"""With DEBUG off, demo users (and their published password) must not exist: stop start-up.

The check reads the database, so, like Django's own database checks, it runs when a database
is named: at every `manage.py migrate` (the deploy step) and `manage.py check --database
default`; and at `manage.py check --deploy`, which names none."""

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.checks import Warning as CheckWarning
from django.db import DatabaseError, connections

from accounts.demo_accounts import active_demo_users


def _demo_user_errors(databases) -> list[Error | CheckWarning]:
    if settings.DEBUG:
        return []
    errors = []
    for alias in databases:
        try:
            names = list(active_demo_users().using(alias).values_list("username", flat=True))
        except DatabaseError:  # not migrated yet: no demo users either
            connections[alias].close()
            continue
        if names and settings.DEMO_USERS_ALLOWED:
            errors.append(
                CheckWarning(
                    f"Demo users can sign in with DEBUG off: {', '.join(sorted(names))}.",
                    hint="DEMO_USERS_ALLOWED is set: for `make serve` on the demo database only, "
                    "never in production.",
                    id="accounts.W001",
                )
            )
        elif names:
            errors.append(
                Error(
                    f"Demo users exist with DEBUG off: {', '.join(sorted(names))}.",
                    hint="Their password is published. Run `manage.py disable_demo_users` "
                    "(it deactivates them and removes their passwords) before starting.",
                    id="accounts.E001",
                )
            )
    return errors


@register(Tags.security, Tags.database)
def demo_users_with_debug_off(app_configs=None, databases=None, **kwargs):
    return _demo_user_errors(databases or [])


@register(Tags.security, deploy=True)
def demo_users_at_deploy(app_configs=None, databases=None, **kwargs):
    # `check --deploy --database default` has run the check above already.
    return [] if databases else _demo_user_errors(["default"])
