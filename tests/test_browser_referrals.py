import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from directory.models import Need, Service
from signposting.actions import create_referral, record_intake_outcome, record_path_event
from signposting.models import Membership, Team

from .factories import make_service

pytestmark = [pytest.mark.functional, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, url: str, username: str, password: str) -> None:
    page.goto(url + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("role", ["Link worker", "Clinician"])
def test_search_refer_record_both_levels_and_see_each_path(
    page: Page, live_server, geography, django_user_model, role
):
    team = Team.objects.create(name="Epsom and St Helier pain clinic", funding_area_id="QWE")
    other = Team.objects.create(name="Sutton PCN social prescribing")
    user = django_user_model.objects.create_user("worker", password="worker-pass-123")
    user.groups.add(Group.objects.get(name=role))
    Membership.objects.create(user=user, team=team)
    outsider = django_user_model.objects.create_user("outsider", password="outsider-pass-123")
    outsider.groups.add(Group.objects.get(name="Link worker"))
    Membership.objects.create(user=outsider, team=other)
    make_service(service="Sutton befriending", needs="isolation", postcode="SM1 1AA")

    sign_in(page, live_server.url, "worker", "worker-pass-123")
    page.get_by_label("Patient's home postcode").fill("SM2 6AA")
    page.get_by_label("GP's borough").select_option(label="Sutton")
    page.get_by_label("Loneliness and isolation").check()
    page.get_by_label("Bereavement").check()
    page.get_by_role("button", name="Find services").click()
    page.get_by_role("button", name="Record a referral to Sutton befriending").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Record the referral")
    expect(page.locator("#record-need")).to_have_text("Loneliness and isolation")
    page.get_by_label("Where the referral came from").select_option(label="Ward")
    page.get_by_label("Accepted by the team").check()
    page.get_by_role("button", name="Save referral").click()
    expect(page.locator("#intake-state")).to_have_text("Accepted by the team")
    expect(page.locator("#need-isolation-timeline")).to_contain_text(
        "Referred to the service: Sutton befriending"
    )
    expect(page.locator("#need-bereavement-state")).to_have_text("Nothing recorded yet")

    # The befriending service takes the patient on; the reasons follow the outcome chosen.
    isolation = page.locator("#need-isolation")
    isolation.get_by_label("What happened").select_option(label="Accepted by the service")
    isolation.get_by_label("Service", exact=True).select_option(
        label="Sutton befriending (Test Befrienders (demo))"
    )
    isolation.get_by_role("button", name="Add to loneliness and isolation").click()
    expect(page.locator("#need-isolation-state")).to_have_text("Accepted by the service")

    # There is no bereavement service: recorded on that need only.
    bereavement = page.locator("#need-bereavement")
    bereavement.get_by_label("What happened").select_option(
        label="No service available for this need"
    )
    bereavement.get_by_role("button", name="Add to bereavement").click()
    expect(page.locator("#need-bereavement-state")).to_have_text(
        "No service available for this need"
    )
    expect(page.locator("#need-isolation-state")).to_have_text("Accepted by the service")
    expect(page.locator("#intake-state")).to_have_text("Accepted by the team")
    referral_url = page.url.split("#")[0]

    page.get_by_role("link", name="Referrals", exact=True).click()
    expect(page.locator("#referrals")).to_contain_text("Accepted by the team")
    expect(page.locator("#referrals")).to_contain_text("Bereavement: no service available")

    # Four more patients like this one (five: a multiple of the rounding base, so the lead's
    # rounded figures equal the truth); the lead's dashboard shows each need's own outcome.
    befriending = Service.objects.get(name="Sutton befriending")
    isolation, bereavement = (
        Need.objects.get(slug="isolation"),
        Need.objects.get(slug="bereavement"),
    )
    for _ in range(4):
        referral = create_referral(
            referrer=user, source="ward", home_postcode="SM2 6AA", gp_area="E09000029",
            needs=["isolation", "bereavement"],
        )  # fmt: skip
        record_intake_outcome(referral=referral, recorded_by=user, kind="accepted")
        for kind in ("referred", "accepted"):
            record_path_event(referral=referral, recorded_by=user, need=isolation, kind=kind,
                              service=befriending)  # fmt: skip
        record_path_event(
            referral=referral, recorded_by=user, need=bereavement, kind="no_service_available"
        )
    lead = django_user_model.objects.create_user("lead", password="lead-pass-123")
    lead.groups.add(Group.objects.get(name="Network lead"))
    page.get_by_role("button", name="Sign out worker").click()
    sign_in(page, live_server.url, "lead", "lead-pass-123")
    page.goto(live_server.url + "/reports/")
    outcomes = page.locator("#report-outcomes table")
    isolation_row = outcomes.locator("tr", has_text="Loneliness and isolation")
    expect(isolation_row).to_contain_text("Accepted by the service")
    expect(isolation_row.locator("td").nth(5)).to_have_text("5")  # taken up
    bereavement_row = outcomes.locator("tr", has_text="Bereavement")
    expect(bereavement_row).to_contain_text("No service available for this need")
    expect(bereavement_row.locator("td").nth(6)).to_have_text("5")  # unmet
    expect(bereavement_row.locator("td").nth(5)).to_have_text("0")  # never taken up
    page.get_by_role("button", name="Sign out lead").click()
    sign_in(page, live_server.url, "worker", "worker-pass-123")

    # Another team sees neither the referral nor its page.
    page.goto(live_server.url + "/referrals/")
    page.get_by_role("button", name="Sign out worker").click()
    sign_in(page, live_server.url, "outsider", "outsider-pass-123")
    page.goto(live_server.url + "/referrals/")
    expect(page.locator("#referral-count")).to_have_text("0 referrals")
    response = page.goto(referral_url)
    assert response.status == 404
