"""A link worker reports a problem with a listing; an editor resolves it from the review queue."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from directory.models import ReviewDecision
from signposting.models import Membership, Team

from .factories import make_service
from .test_browser_referrals import sign_in

pytestmark = [pytest.mark.functional, pytest.mark.django_db(transaction=True)]


def test_a_reported_problem_reaches_the_editors_and_is_resolved(
    page: Page, live_server, geography, django_user_model, editor
):
    service = make_service(service="Sutton befriending", needs="isolation", postcode="SM1 1AA")
    team = Team.objects.create(name="Sutton PCN social prescribing", funding_area_id="E09000029")
    worker = django_user_model.objects.create_user("worker", password="worker-pass-123")
    worker.groups.add(Group.objects.get(name="Link worker"))
    Membership.objects.create(user=worker, team=team)

    # From a search result: the back link returns to the same results.
    sign_in(page, live_server.url, "worker", "worker-pass-123")
    page.get_by_label("Patient's home postcode").fill("SM2 6AA")
    page.get_by_label("Loneliness and isolation").check()
    page.get_by_role("button", name="Find services").click()
    page.get_by_role(
        "link", name="Report a problem with this listing for Sutton befriending"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report a problem with this listing")
    page.get_by_role("button", name="Send to the editors").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "Choose what is wrong with the listing"
    )
    page.get_by_label("The service has closed").check()
    page.get_by_role("button", name="Send to the editors").click()
    expect(page).to_have_url(f"{live_server.url}/search/results/")
    expect(page.locator(".nhsuk-inset-text[role=status]")).to_contain_text(
        "the directory editors will review the listing for Sutton befriending"
    )
    expect(page.locator("#can-use")).to_contain_text("Sutton befriending")

    # From the service page.
    page.goto(f"{live_server.url}/services/{service.pk}/")
    page.get_by_role("link", name="Report a problem with this listing").click()
    page.get_by_label("The contact details are wrong").check()
    page.get_by_label("Tell the editors more").fill("The phone number rings out")
    page.get_by_role("button", name="Send to the editors").click()
    expect(page).to_have_url(f"{live_server.url}/services/{service.pk}/")
    expect(page.locator(".nhsuk-inset-text[role=status]")).to_contain_text(
        "the directory editors will review"
    )
    expect(page.get_by_role("link", name="Review queue")).to_have_count(0)

    # The editor sees both reasons and confirms the listing.
    page.context.clear_cookies()
    sign_in(page, live_server.url, "eddie.editor", "editor-pass-123")
    page.get_by_role("link", name="Review queue").click()
    entry = page.locator(f"#review-{service.pk}")
    expect(entry.locator(f"#review-{service.pk}-reasons")).to_contain_text(
        "The service has closed (1)"
    )
    expect(entry).to_contain_text("The contact details are wrong (1)")
    expect(entry).to_contain_text("The phone number rings out")
    expect(
        entry.get_by_role("link", name="Edit the listing for Sutton befriending in the admin")
    ).to_have_attribute("href", f"/admin/directory/service/{service.pk}/change/")
    entry.get_by_label("Confirmed as correct").check()
    entry.get_by_label("Note (optional)").fill("Rang them: the number works")
    entry.get_by_role("button", name="Record decision").click()
    expect(page.locator(".nhsuk-inset-text[role=status]")).to_contain_text(
        "Sutton befriending: confirmed as correct."
    )
    expect(page.locator(f"#review-{service.pk}")).to_have_count(0)
    expect(page.get_by_text("Nothing to review")).to_be_visible()
    decision = ReviewDecision.objects.get()
    assert decision.problems.count() == 2
    assert decision.note == "Rang them: the number works"
