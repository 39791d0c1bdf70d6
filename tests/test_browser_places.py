import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.functional, pytest.mark.django_db(transaction=True)]


def test_a_user_checks_which_icb_a_postcode_is_in(page: Page, live_server, geography):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Check which borough and ICB a postcode is in").click()
    page.get_by_label("Postcode").fill("sm1 1aa")
    page.get_by_role("button", name="Check postcode").click()
    result = page.locator("#postcode-result")
    expect(result).to_contain_text("Sutton (E09000029)")
    expect(result).to_contain_text("NHS South West London Integrated Care Board")

    page.get_by_label("Postcode").fill("SM1 XYZ")
    page.get_by_role("button", name="Check postcode").click()
    expect(page.get_by_role("alert")).to_contain_text("'SM1 XYZ' is not a valid UK postcode")
