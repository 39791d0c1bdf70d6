"""The strict Content-Security-Policy in a real browser: the main pages, Swagger UI and the admin
load with no violation (an inline script or style the policy blocks would be one), and their
scripts still run."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from directory.models import Need
from signposting.actions import create_referral, record_path_event
from signposting.feedback import team_token
from signposting.models import Membership, Team

from .factories import make_service
from .test_browser_referrals import sign_in

pytestmark = [pytest.mark.functional, pytest.mark.django_db(transaction=True)]

LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(
    `${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`
  );
});
"""


class Watcher:
    """Every CSP violation a page reports, from its events and from the console."""

    def __init__(self, page: Page):
        self.page = page
        self.found: dict[str, list[str]] = {}
        self.console: list[str] = []
        page.add_init_script(LISTEN)
        page.on(
            "console",
            lambda message: (
                self.console.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )

    def visit(self, label: str, url: str | None = None) -> None:
        if url:
            response = self.page.goto(url)
            assert response.status == 200, f"{label}: {response.status}"
            assert "script-src 'self'" in response.headers["content-security-policy"]
        self.page.wait_for_load_state("load")
        self.check(label)

    def check(self, label: str) -> None:
        events = self.page.evaluate("window.__csp || []")
        if events or self.console:
            self.found[label] = [*events, *self.console]
        self.console.clear()


def test_the_checker_sees_a_violation(page: Page, live_server):
    watcher = Watcher(page)
    page.goto(live_server.url + "/accounts/login/")
    # What an inline style in a template would do: the policy blocks it and says so.
    page.evaluate(
        """() => { const p = document.createElement("p");
        p.setAttribute("style", "color: red"); document.body.append(p); }"""
    )
    page.wait_for_timeout(200)
    watcher.check("login with an injected style")
    assert "login with an injected style" in watcher.found
    assert "style-src" in " ".join(watcher.found["login with an injected style"])


def test_the_main_pages_run_under_the_policy_with_no_violation(
    page: Page, live_server, geography, django_user_model
):
    service = make_service(service="Sutton befriending", needs="isolation", postcode="SM1 1AA")
    team = Team.objects.create(name="Epsom and St Helier pain clinic", funding_area_id="QWE")
    worker = django_user_model.objects.create_user(
        "worker", password="worker-pass-123", is_staff=True, is_superuser=True
    )
    for role in ("Link worker", "Network lead", "Directory editor"):
        worker.groups.add(Group.objects.get(name=role))
    Membership.objects.create(user=worker, team=team)
    referral = create_referral(
        referrer=worker, source="ward", home_postcode="SM2 6AA", needs=["isolation"]
    )
    record_path_event(
        referral=referral, recorded_by=worker, need=Need.objects.get(slug="isolation"),
        kind="referred", service=service,
    )  # fmt: skip

    watcher = Watcher(page)
    url = live_server.url
    for path in ["/", "/services/", f"/services/{service.pk}/", "/postcodes/"]:
        watcher.visit(path, url + path)
    sign_in(page, url, "worker", "worker-pass-123")
    watcher.visit("/search/", url + "/search/")
    page.get_by_label("Patient's home postcode").fill("SM2 6AA")
    page.get_by_label("Loneliness and isolation").check()
    page.get_by_role("button", name="Find services").click()
    watcher.visit("/search/ results")
    for path in [
        "/referrals/",
        f"/referrals/{referral.pk}/",
        "/team/feedback/",
        f"/feedback/{team_token(team)}/",
        "/reports/",
        "/directory/review/",
        "/directory/import/",
        "/admin/",
        "/admin/directory/service/",
        f"/admin/directory/service/{service.pk}/change/",
        "/api/docs/",
    ]:
        watcher.visit(path, url + path)
        if path == f"/referrals/{referral.pk}/":
            # journey.js (a static module) still runs: it hides the reasons that do not fit.
            assert page.evaluate("document.body.classList.contains('js-enabled')")
        if path == "/reports/":
            expect(page.locator("#chart-gaps svg")).to_be_visible()
        if path == "/api/docs/":
            # Swagger UI starts from static/swagger-ui-init.js and draws the operations.
            expect(page.locator(".opblock").first).to_be_visible(timeout=15000)
            watcher.check("/api/docs/ drawn")
    assert watcher.found == {}
