"""The health check (/healthz): can this process reach its database and answer a match?

A load balancer or orchestrator asks it every few seconds, anonymously, over plain HTTP from
inside the network: it answers 200 {"status": "ok", ...} when every check passes, otherwise 503
naming the checks that failed. It says nothing about any patient or user.
"""

import logging

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

log = logging.getLogger(__name__)


def check_database() -> dict:
    """Run a trivial query on the default database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone()
    if one != 1:
        raise RuntimeError(f"SELECT 1 answered {one!r}")
    return {}


def check_index() -> dict:
    """Return the matching index's revision and size, building it if this process has none.

    The one place outside signposting that reaches into the index, so that the index can change
    how it is built and shared without the health check changing with it.
    """
    from signposting.index import current_index

    index = current_index()
    summary = {"revision": str(index.revision)}
    ids = getattr(index, "ids", None)
    if ids is not None:
        summary["services"] = len(ids)
    return summary


CHECKS = {"database": check_database, "index": check_index}


def run_checks() -> tuple[bool, dict]:
    """Run every check; return (all passed, each check's outcome)."""
    outcomes = {}
    for name, check in CHECKS.items():
        try:
            outcomes[name] = {"status": "ok", **check()}
        except Exception as exc:  # any failure is an answer, not a crash
            log.warning("health check %s failed: %s", name, type(exc).__name__)
            outcomes[name] = {"status": "failed", "error": type(exc).__name__}
    return all(o["status"] == "ok" for o in outcomes.values()), outcomes


@login_not_required
@never_cache
@require_safe
def healthz(request):
    """Answer 200 when the database and the matching index both answer, otherwise 503."""
    healthy, outcomes = run_checks()
    body = {"status": "ok" if healthy else "failed", "checks": outcomes}
    if not healthy:
        body["failed"] = [name for name, o in outcomes.items() if o["status"] != "ok"]
    return JsonResponse(body, status=200 if healthy else 503)
