"""axe-core (npm, run inside Debian's chromium) on every page a person uses: WCAG 2.2 A and AA."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Page

from directory.models import Need
from directory.reviews import report_problem
from signposting.actions import create_referral, record_path_event
from signposting.feedback import team_token
from signposting.models import Membership, Team

from .factories import make_service, service_row, write_csv
from .test_browser_referrals import sign_in

pytestmark = [pytest.mark.functional, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def violations(page: Page) -> list[str]:
    # Evaluated through the browser's devtools, not as a <script> tag: the pages' strict
    # Content-Security-Policy blocks inline scripts (tests/test_browser_csp.py).
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    found = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
        ".violations.map(v => `${v.id} (${v.impact}): ${v.nodes.length} on ${v.nodes[0].target}`)",
        TAGS,
    )
    return found


def test_the_checker_finds_violations_when_there_are_some(page: Page):
    page.set_content("<html><body><img src='x.png'><input type='text'></body></html>")
    found = " ".join(violations(page))
    assert "image-alt" in found
    assert "html-has-lang" in found
    assert "label" in found


def test_the_pages_have_no_accessibility_violations(
    page: Page, live_server, geography, django_user_model, settings, tmp_path
):
    service = make_service(service="Sutton befriending", needs="isolation", postcode="SM1 1AA")
    team = Team.objects.create(name="Epsom and St Helier pain clinic", funding_area_id="QWE")
    worker = django_user_model.objects.create_user("worker", password="worker-pass-123")
    worker.groups.add(Group.objects.get(name="Link worker"))
    worker.groups.add(Group.objects.get(name="Network lead"))
    worker.groups.add(Group.objects.get(name="Directory editor"))
    settings.SPREADSHEET_UPLOAD_DIR = tmp_path / "uploads"
    spreadsheet = write_csv(
        tmp_path / "list.csv",
        [service_row(external_id="X1"), service_row(external_id="X2", postcode="SM1 XYZ")],
    )
    Membership.objects.create(user=worker, team=team)
    referral = create_referral(
        referrer=worker, source="ward", home_postcode="SM2 6AA", needs=["isolation"]
    )
    record_path_event(
        referral=referral,
        recorded_by=worker,
        need=Need.objects.get(slug="isolation"),
        kind="referred",
        service=service,
    )
    report_problem(service, "wrong_contact", "The number rings out", worker)

    problems = {}
    for path in ["/", "/services/", f"/services/{service.pk}/", "/postcodes/?postcode=SM1+1AA"]:
        page.goto(live_server.url + path)
        problems[path] = violations(page)
    sign_in(page, live_server.url, "worker", "worker-pass-123")
    page.goto(live_server.url + "/search/")
    problems["/search/"] = violations(page)
    page.get_by_label("Patient's home postcode").fill("SM2 6AA")
    page.get_by_label("Loneliness and isolation").check()
    page.get_by_role("button", name="Find services").click()
    problems["/search/ results"] = violations(page)
    page.get_by_role("button", name="Record a referral to Sutton befriending").click()
    problems["/referrals/record/"] = violations(page)
    for path in [
        "/referrals/",
        f"/referrals/{referral.pk}/",
        "/team/feedback/",
        f"/feedback/{team_token(team)}/",
        f"/feedback/{team_token(team)}/print/",
        "/reports/",
        "/postcodes/?postcode=x",
    ]:
        page.goto(live_server.url + path)
        problems[path] = violations(page)
    page.goto(f"{live_server.url}/services/{service.pk}/report/?next=/search/")
    problems["report a problem"] = violations(page)
    page.get_by_role("button", name="Send to the editors").click()
    problems["report a problem, with errors"] = violations(page)
    page.goto(live_server.url + "/directory/review/")
    problems["/directory/review/"] = violations(page)
    page.get_by_role("button", name="Record decision on Sutton befriending").click()
    problems["/directory/review/ with errors"] = violations(page)
    page.goto(live_server.url + "/directory/import/")
    problems["/directory/import/"] = violations(page)
    page.get_by_role("button", name="Upload and check").click()
    problems["/directory/import/ with an error"] = violations(page)
    page.get_by_label("Spreadsheet").set_input_files(str(spreadsheet))
    page.get_by_role("button", name="Upload and check").click()
    problems["/directory/import/<token>/"] = violations(page)
    preview = page.url
    page.get_by_role("button", name="Import the 1 valid row").click()
    problems["/directory/import/results/<pk>/"] = violations(page)
    page.goto(preview)
    problems["/directory/import/<token>/ gone"] = violations(page)
    assert {path: found for path, found in problems.items() if found} == {}
