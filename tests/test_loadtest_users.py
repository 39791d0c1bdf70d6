"""The load test's users: what `make loadtest` signs in with must work against this code."""

import json
import stat

from django.core.management import call_command
from rest_framework.test import APIClient

from .factories import make_service


def test_the_load_test_users_can_search_and_a_rerun_replaces_their_tokens(geography, tmp_path):
    make_service(service="Sutton befriending", needs="isolation", postcode="SM1 1AA")
    out = tmp_path / "users.json"
    call_command("load_loadtest_users", out=str(out), link_workers=2)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    first = json.loads(out.read_text())
    assert len(first["link_workers"]) == 2 and first["postcodes"] and first["services"]

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {first['link_workers'][0]['token']}")
    body = {"home_postcode": "SM1 1AA", "needs": ["isolation"]}
    assert client.post("/api/v1/match/", body, format="json").status_code == 200

    call_command("load_loadtest_users", out=str(out), link_workers=2)
    second = json.loads(out.read_text())
    assert second["link_workers"][0]["token"] != first["link_workers"][0]["token"]
    assert client.post("/api/v1/match/", body, format="json").status_code in (401, 403)

    worker = APIClient()
    worker.cookies["sessionid"] = second["link_workers"][0]["session"]
    page = worker.get("/search/")
    assert page.status_code == 200 and page.wsgi_request.user.username == "loadtest.worker01"
    as_lead = APIClient()
    as_lead.cookies["sessionid"] = second["link_workers"][1]["lead_session"]
    assert as_lead.get("/reports/").status_code == 200

    lead = APIClient()
    signed_in = lead.post(
        "/accounts/login/",
        {"username": second["lead"]["username"], "password": second["lead"]["password"]},
    )
    assert signed_in.status_code == 302
    assert lead.get("/reports/").status_code == 200
