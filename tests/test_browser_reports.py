import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from .factories import make_service
from .test_browser_referrals import sign_in

pytestmark = [pytest.mark.functional, pytest.mark.django_db(transaction=True)]


def test_a_network_lead_sees_the_gap_heatmap_and_a_link_worker_is_refused(
    page: Page, live_server, geography, django_user_model
):
    make_service(service="Sutton befriending", needs="isolation", postcode="SM1 1AA")
    lead = django_user_model.objects.create_user("lead", password="lead-pass-123")
    lead.groups.add(Group.objects.get(name="Network lead"))
    worker = django_user_model.objects.create_user("worker", password="worker-pass-123")
    worker.groups.add(Group.objects.get(name="Link worker"))

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

    page.get_by_role("button", name="Sign out lead").click()
    sign_in(page, live_server.url, "worker", "worker-pass-123")
    response = page.goto(live_server.url + "/reports/")
    assert response.status == 403
