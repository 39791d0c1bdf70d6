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


def test_the_search_results_and_shortlist_pages_have_no_accessibility_violations(
    page: Page, live_server, geography, django_user_model, settings
):
    """The results (GET, after the search's redirect), a service's page with a search to go back
    to, the shortlist (sending not set up; set up; with errors) and its print view."""
    from .notify_server import NotifyServer, configure

    make_service(service="Sutton befriending", needs="isolation;debt", postcode="SM1 1AA")
    service = make_service(service="Sutton lunch club", needs="isolation", postcode="SM1 1AA")
    team = Team.objects.create(name="Sutton PCN social prescribing", funding_area_id="E09000029")
    worker = django_user_model.objects.create_user("worker", password="worker-pass-123")
    worker.groups.add(Group.objects.get(name="Link worker"))
    Membership.objects.create(user=worker, team=team)
    configure(settings, None)
    problems = {}
    sign_in(page, live_server.url, "worker", "worker-pass-123")
    page.goto(live_server.url + "/search/")
    page.get_by_label("Patient's home postcode").fill("SM2 6AA")
    page.get_by_label("Loneliness and isolation").check()
    page.get_by_label("Debt advice").check()
    page.get_by_role("button", name="Find services").click()
    problems["/search/results/"] = violations(page)
    page.get_by_role("button", name="Add Sutton lunch club to shortlist").click()
    problems["/search/results/ with a shortlist"] = violations(page)
    page.goto(live_server.url + f"/services/{service.pk}/")
    problems["/services/<pk>/ after a search"] = violations(page)
    page.goto(live_server.url + "/search/shortlist/")
    problems["/search/shortlist/ (sending not set up)"] = violations(page)
    with NotifyServer() as server:
        configure(settings, server)
        page.goto(live_server.url + "/search/shortlist/")
        problems["/search/shortlist/"] = violations(page)
        page.get_by_role("button", name="Send by text message").click()
        problems["/search/shortlist/send/ with errors"] = violations(page)
    page.goto(live_server.url + "/search/shortlist/print/")
    problems["/search/shortlist/print/"] = violations(page)
    assert {path: found for path, found in problems.items() if found} == {}


def test_the_checker_finds_violations_when_there_are_some(page: Page):
    page.set_content("<html><body><img src='x.png'><input type='text'></body></html>")
    found = " ".join(violations(page))
    assert "image-alt" in found
    assert "html-has-lang" in found
    assert "label" in found


def walk_every_page(page: Page, url: str, django_user_model, settings, tmp_path, visit) -> None:
    """Open every page a person uses, and its error states, calling visit(label) on each.

    Signed out first (the public pages), then as a worker who is a link worker, a network lead
    and a directory editor in one, so that one walk reaches every signed-in page. Other browser
    tests walk the same pages (tests/test_browser_phone_and_offline.py)."""
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

    for path in ["/", "/services/", f"/services/{service.pk}/", "/postcodes/"]:
        page.goto(url + path)
        visit(path)
    page.get_by_label("Postcode").fill("SM1 1AA")
    page.get_by_role("button", name="Check postcode").click()
    visit("/postcodes/ with a result")
    page.get_by_label("Postcode").fill("x")
    page.get_by_role("button", name="Check postcode").click()
    visit("/postcodes/ with an error")
    page.goto(url + "/services/")
    page.get_by_label("Near postcode").fill("SM1 1AA")
    page.get_by_role("button", name="Apply filters").click()
    visit("/services/ near a sector")
    sign_in(page, url, "worker", "worker-pass-123")
    page.goto(url + "/search/")
    visit("/search/")
    page.get_by_label("Patient's home postcode").fill("SM2 6AA")
    page.get_by_label("Loneliness and isolation").check()
    page.get_by_role("button", name="Find services").click()
    visit("/search/ results")
    page.get_by_role("button", name="Record a referral to Sutton befriending").click()
    visit("/referrals/record/")
    for path in [
        "/referrals/",
        f"/referrals/{referral.pk}/",
        "/team/feedback/",
        f"/feedback/{team_token(team)}/",
        f"/feedback/{team_token(team)}/print/",
        "/reports/",
        "/reports/?from=2026-03-01&to=2026-01-31",  # a refused period: errors, no report
    ]:
        page.goto(url + path)
        visit(path)
    page.goto(f"{url}/services/{service.pk}/report/?next=/search/")
    visit("report a problem")
    page.get_by_role("button", name="Send to the editors").click()
    visit("report a problem, with errors")
    page.goto(url + "/directory/review/")
    visit("/directory/review/")
    page.get_by_role("button", name="Record decision on Sutton befriending").click()
    visit("/directory/review/ with errors")
    page.goto(url + "/directory/import/")
    visit("/directory/import/")
    page.get_by_role("button", name="Upload and check").click()
    visit("/directory/import/ with an error")
    page.get_by_label("Spreadsheet").set_input_files(str(spreadsheet))
    page.get_by_role("button", name="Upload and check").click()
    visit("/directory/import/<token>/")
    preview = page.url
    page.get_by_role("button", name="Import the 1 valid row").click()
    visit("/directory/import/results/<pk>/")
    page.goto(preview)
    visit("/directory/import/<token>/ gone")


def test_the_pages_have_no_accessibility_violations(
    page: Page, live_server, geography, django_user_model, settings, tmp_path
):
    problems = {}

    def visit(label: str) -> None:
        problems[label] = violations(page)

    walk_every_page(page, live_server.url, django_user_model, settings, tmp_path, visit)
    assert len(problems) >= 25  # the walk reached every page
    assert {path: found for path, found in problems.items() if found} == {}
