"""A link worker records a referral to a service that is not open to the patient, giving the
reason: on a desktop and on a phone. The GP practice is typed by name, and the page offers the
two practices of that name."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Browser, expect

from directory.importers.gp_practices import import_gp_practices
from directory.models import GPPractice
from signposting.models import Membership, OutcomeEvent, Team
from signposting.vocabulary import NotOpen, OverrideReason

from .factories import make_service
from .test_browser_accessibility import violations
from .test_browser_referrals import sign_in

pytestmark = [pytest.mark.functional, pytest.mark.django_db(transaction=True)]

DEMO_PRACTICES = Path(__file__).resolve().parent.parent / "fixtures" / "gp_practices_demo.csv"
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "desktop without JavaScript": {
        "viewport": {"width": 1280, "height": 900},
        "java_script_enabled": False,
    },
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}


def fits(page, device: str) -> None:
    """On the phone, nothing on the page is wider than its screen."""
    if device == "phone":
        assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.parametrize("device", VIEWPORTS)
def test_recording_a_referral_to_a_service_not_open_to_the_patient(
    browser: Browser, live_server, geography, django_user_model, device
):
    import_gp_practices(DEMO_PRACTICES)
    team = Team.objects.create(name="Epsom and St Helier pain clinic", funding_area_id="QWE")
    user = django_user_model.objects.create_user("worker", password="worker-pass-123")
    user.groups.add(Group.objects.get(name="Link worker"))
    Membership.objects.create(user=user, team=team)
    make_service(service="Sutton befriending", postcode="SM1 1AA")
    make_service(
        service="Epsom workers' walks", postcode="KT17 1AA", areas_served="Epsom and Ewell",
        eligible_areas="Epsom and Ewell", eligible_via="lives;works",
    )  # fmt: skip

    context = browser.new_context(**VIEWPORTS[device])
    page = context.new_page()
    sign_in(page, live_server.url, "worker", "worker-pass-123")
    # A link worker starts at the search.
    expect(page.get_by_role("heading", level=1)).to_have_text("Find services for a patient")
    page.get_by_label("Patient's home postcode").fill("SM2 6AA")
    page.get_by_label("GP practice (optional)").fill("Meadow Lane")
    page.get_by_label("GP practice (optional)").press("Escape")  # the type-ahead's suggestions
    page.get_by_label("Does not work").check()
    page.get_by_label("Loneliness and isolation").check()
    page.get_by_role("button", name="Find services").click()

    # Two practices have that name: the page says so and offers both.
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "2 practices match 'Meadow Lane': choose one below"
    )
    page.get_by_label("MEADOW LANE SURGERY, CROYDON (DEMO), CR0 4RL (Z00001)").check()
    expect(page.get_by_label("Does not work")).to_be_checked()  # nothing typed is lost
    page.get_by_role("button", name="Find services").click()
    expect(page.locator("#patient-summary")).to_contain_text("GP in Croydon")

    expect(page.locator("#can-use")).to_contain_text("Sutton befriending")
    not_open = page.locator("#not-open")
    expect(not_open).to_contain_text("Epsom workers' walks")
    expect(not_open).to_contain_text("does not work")
    fits(page, device)
    page.get_by_role("button", name="Record a referral to Epsom workers' walks").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Record the referral")
    warning = page.locator("#not-open-warning")
    expect(warning).to_contain_text("Epsom workers' walks is not open to this patient")
    expect(warning).to_contain_text("Only for people who live in or work in Epsom and Ewell")
    fits(page, device)
    page.get_by_label("Where the referral came from").select_option(label="GP")
    page.get_by_role("button", name="Save referral").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "say why you are recording this all the same"
    )
    assert not OutcomeEvent.objects.exists()

    page.get_by_label("The service agreed to take the patient").check()
    page.get_by_role("button", name="Save referral").click()
    expect(page.locator(".nhsuk-notification-banner, .nhsuk-inset-text").first).to_be_visible()
    timeline = page.locator("#need-isolation-timeline")
    expect(timeline).to_contain_text("Referred to the service: Epsom workers' walks")
    expect(timeline).to_contain_text(
        "Not open to this patient Recorded all the same: the service agreed to take the patient"
    )
    event = OutcomeEvent.objects.get()
    assert (event.not_open, event.override_reason) == (
        NotOpen.NOT_ELIGIBLE,
        OverrideReason.SERVICE_AGREED,
    )
    context.close()


def test_the_gp_practice_type_ahead_offers_practices_by_name(
    page, live_server, geography, django_user_model
):
    import_gp_practices(DEMO_PRACTICES)
    team = Team.objects.create(name="Epsom and St Helier pain clinic", funding_area_id="QWE")
    user = django_user_model.objects.create_user("worker", password="worker-pass-123")
    user.groups.add(Group.objects.get(name="Link worker"))
    Membership.objects.create(user=user, team=team)
    make_service(service="Sutton befriending", postcode="SM1 1AA")

    refused = []  # the strict Content-Security-Policy holds with the type-ahead running
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    sign_in(page, live_server.url, "worker", "worker-pass-123")
    page.get_by_label("Patient's home postcode").fill("SM2 6AA")
    gp = page.get_by_label("GP practice (optional)")
    gp.press_sequentially("hawth")
    suggestion = page.get_by_role("option", name="HAWTHORN SURGERY, SUTTON (DEMO) (Z00013)")
    expect(suggestion).to_be_visible()
    suggestion.click()
    expect(gp).to_have_value("HAWTHORN SURGERY, SUTTON (DEMO) (Z00013)")
    page.get_by_label("Loneliness and isolation").check()
    page.get_by_role("button", name="Find services").click()
    borough = GPPractice.objects.get(code="Z00013").local_authority.name
    expect(page.locator("#patient-summary")).to_contain_text(f"GP in {borough}")
    assert refused == []


def test_the_states_of_the_pages_changed_here_have_no_accessibility_violations(
    page, live_server, geography, django_user_model
):
    """axe-core (tests/test_browser_accessibility.py) on the search's GP choices and the record
    step's warning, with and without its error."""
    import_gp_practices(DEMO_PRACTICES)
    team = Team.objects.create(name="Epsom and St Helier pain clinic", funding_area_id="QWE")
    user = django_user_model.objects.create_user("worker", password="worker-pass-123")
    user.groups.add(Group.objects.get(name="Link worker"))
    Membership.objects.create(user=user, team=team)
    make_service(service="Sutton befriending", postcode="SM1 1AA")
    make_service(service="Surrey befriending", postcode="KT17 1AA", eligible_areas="QXU")

    problems = {}
    sign_in(page, live_server.url, "worker", "worker-pass-123")
    page.get_by_label("Patient's home postcode").fill("SM2 6AA")
    gp = page.get_by_label("GP practice (optional)")
    gp.fill("Meadow Lane")
    problems["/search/ GP suggestions"] = violations(page)
    gp.press("Escape")
    page.get_by_label("Loneliness and isolation").check()
    page.get_by_role("button", name="Find services").click()
    problems["/search/ GP practices to choose from"] = violations(page)
    page.get_by_label("MEADOW LANE SURGERY, CROYDON (DEMO), CR0 4RL (Z00001)").check()
    page.get_by_role("button", name="Find services").click()
    problems["/search/ results in four groups"] = violations(page)
    page.get_by_role("button", name="Record a referral to Surrey befriending").click()
    problems["/referrals/record/ not open"] = violations(page)
    page.get_by_role("button", name="Save referral").click()
    problems["/referrals/record/ not open, no reason"] = violations(page)
    assert {state: found for state, found in problems.items() if found} == {}
