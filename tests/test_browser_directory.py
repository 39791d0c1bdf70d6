import pytest
from playwright.sync_api import Page, expect

from .factories import make_service

pytestmark = [pytest.mark.functional, pytest.mark.django_db(transaction=True)]


def test_a_link_worker_filters_the_directory(page: Page, live_server, geography):
    make_service(service="Sutton befriending", needs="isolation")
    make_service(service="Sutton debt advice", needs="debt")
    make_service(
        service="Epsom befriending",
        needs="isolation",
        postcode="KT17 1AA",
        areas_served="Epsom and Ewell",
        eligible_areas="Epsom and Ewell",
    )
    page.goto(live_server.url + "/services/")
    expect(page.locator("#result-count")).to_have_text("3 services found")

    page.get_by_label("Loneliness and isolation").check()
    page.get_by_label("Borough or ICB").select_option(label="Sutton")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#result-count")).to_have_text("1 service found")
    expect(page.locator("#results")).to_contain_text("Sutton befriending")

    page.get_by_role("link", name="Sutton befriending").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sutton befriending")
    expect(
        page.get_by_text("People who live or are registered with a GP in Sutton")
    ).to_be_visible()


def test_a_bad_postcode_in_the_filters_is_explained(page: Page, live_server, geography):
    page.goto(live_server.url + "/services/")
    page.get_by_label("Near postcode").fill("SM1 XYZ")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("alert")).to_contain_text("'SM1 XYZ' is not a valid UK postcode")
