"""/healthz: anonymous, JSON, never cached; 200 when the database and the index answer, else 503."""

from unittest import mock

import pytest
from django.db import OperationalError, connection

from directory.models import DirectoryRevision, Service

from .factories import make_service


def test_it_answers_ok_with_the_index_revision_and_size(client, geography):
    make_service(service="Open befriending")
    make_service(service="Draft befriending", status="draft")
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {
            "database": {"status": "ok"},
            "index": {
                "status": "ok",
                "revision": DirectoryRevision.current(),
                "services": Service.objects.filter(status=Service.Status.PUBLISHED).count(),
            },
        },
    }
    assert response.json()["checks"]["index"]["services"] >= 1


def test_it_is_never_cached_and_needs_no_login(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    for directive in ("no-cache", "no-store", "must-revalidate", "max-age=0"):
        assert directive in response["Cache-Control"]


def test_it_answers_503_naming_the_database_when_the_database_fails(client, db):
    down = OperationalError("connection refused")
    with mock.patch.object(connection, "cursor", side_effect=down):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "failed"
    assert body["checks"]["database"] == {"status": "failed", "error": "OperationalError"}
    # The index reads the directory's revision from the same database, so it fails too.
    assert body["failed"] == ["database", "index"]


def test_it_answers_503_naming_the_index_when_only_the_index_fails(client, db):
    with mock.patch("signposting.index.current_index", side_effect=MemoryError):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "failed",
        "checks": {
            "database": {"status": "ok"},
            "index": {"status": "failed", "error": "MemoryError"},
        },
        "failed": ["index"],
    }


def test_it_only_answers_get_and_head(client, db):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


@pytest.mark.parametrize(("path", "status"), [("/healthz", 200), ("/services/", 301)])
def test_only_the_health_check_is_exempt_from_the_https_redirect(
    client, db, settings, path, status
):
    settings.SECURE_SSL_REDIRECT = True  # as in production; the exemption is settings.py's
    assert client.get(path).status_code == status
