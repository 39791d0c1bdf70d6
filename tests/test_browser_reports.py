import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from directory.models import Need
from signposting.actions import create_referral, record_intake_outcome, record_path_event
from signposting.models import Membership, Team

from .factories import make_service
from .test_browser_referrals import sign_in

pytestmark = [pytest.mark.functional, pytest.mark.django_db(transaction=True)]


def test_a_network_lead_sees_the_gap_heatmap_and_a_teamless_user_is_refused(
    page: Page, live_server, geography, django_user_model
):
    make_service(service="Sutton befriending", needs="isolation", postcode="SM1 1AA")
    lead = django_user_model.objects.create_user("lead", password="lead-pass-123")
    lead.groups.add(Group.objects.get(name="Network lead"))
    worker = django_user_model.objects.create_user("worker", password="worker-pass-123")
    worker.groups.add(Group.objects.get(name="Link worker"))  # in no team

    sign_in(page, live_server.url, "lead", "lead-pass-123")
    page.get_by_role("link", name="Reports").click()
    page.get_by_label("ICB or borough").select_option(
        label="NHS South West London Integrated Care Board"
    )
    page.get_by_role("button", name="Show reports").click()
    heatmap = page.locator("#chart-gaps svg")
    expect(heatmap).to_be_visible()
    expect(page.locator("#report-gaps")).to_contain_text("Loneliness and isolation")
    expect(page.get_by_role("link", name="CSV of gaps in provision")).to_be_visible()
    # A part-month period is refused with a form error, not answered.
    page.get_by_label("Start date").fill("2026-01-15")
    page.get_by_role("button", name="Show reports").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("The start date must be the first day of a month")
    # No report under the refused dates; the summary's link takes you to the field.
    expect(page.locator("#report-gaps")).to_have_count(0)
    summary.get_by_role("link").click()
    expect(page.get_by_label("Start date")).to_be_focused()

    page.get_by_role("button", name="Sign out lead").click()
    sign_in(page, live_server.url, "worker", "worker-pass-123")
    response = page.goto(live_server.url + "/reports/")
    assert response.status == 403


def test_two_needs_one_taken_up_one_with_no_service_show_on_both_dashboards(
    page: Page, live_server, geography, django_user_model
):
    """Five patients (a multiple of the rounding base, so the lead's figures are exact too),
    each with two needs: isolation accepted by a befriending service, housing with no service
    available."""
    befriending = make_service(service="Sutton befriending", needs="isolation", postcode="SM1 1AA")
    team = Team.objects.create(name="Sutton PCN social prescribing", funding_area_id="E09000029")
    worker = django_user_model.objects.create_user("worker", password="worker-pass-123")
    worker.groups.add(Group.objects.get(name="Link worker"))
    Membership.objects.create(user=worker, team=team)
    lead = django_user_model.objects.create_user("lead", password="lead-pass-123")
    lead.groups.add(Group.objects.get(name="Network lead"))
    isolation, housing = Need.objects.get(slug="isolation"), Need.objects.get(slug="housing")
    for _ in range(5):
        referral = create_referral(
            referrer=worker, source="gp", home_postcode="SM2 6AA", needs=["isolation", "housing"],
            gp_area="E09000029",
        )  # fmt: skip
        record_intake_outcome(referral=referral, recorded_by=worker, kind="accepted")
        for kind in ("referred", "accepted"):
            record_path_event(
                referral=referral, recorded_by=worker, need=isolation, kind=kind,
                service=befriending,
            )  # fmt: skip
        record_path_event(
            referral=referral, recorded_by=worker, need=housing, kind="no_service_available"
        )

    for username in ("lead", "worker"):
        sign_in(page, live_server.url, username, f"{username}-pass-123")
        page.goto(live_server.url + "/reports/")
        outcomes = page.locator("#report-outcomes table")
        isolation_row = outcomes.locator("tr", has_text="Loneliness and isolation")
        expect(isolation_row).to_contain_text("Accepted by the service")
        expect(isolation_row.locator("td").nth(4)).to_have_text("5")  # needs
        expect(isolation_row.locator("td").nth(5)).to_have_text("5")  # taken up
        housing_row = outcomes.locator("tr", has_text="Housing")
        expect(housing_row).to_contain_text("No service available for this need")
        expect(housing_row.locator("td").nth(6)).to_have_text("5")  # unmet
        uptake = page.locator("#report-uptake table")
        accepted = uptake.locator("tr", has_text="Accepted by the team").first
        expect(accepted).to_contain_text("100.0")
        page.get_by_role("button", name=f"Sign out {username}").click()
