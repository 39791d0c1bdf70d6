"""Every page on a phone, and every page with nothing from another host.

The same walk as the accessibility test (tests/test_browser_accessibility.py): on a 390 px
phone no page is wider than the screen and the header's navigation folds into the NHS.UK
"More" menu; on any screen no page asks another host for anything (no fonts from
assets.nhs.uk: docs/security-headers-and-limits.md), and every static file it asks for exists.
"""

from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Browser, Page, Route, expect

from .factories import make_service
from .test_browser_accessibility import walk_every_page
from .test_browser_referrals import sign_in

pytestmark = [pytest.mark.functional, pytest.mark.django_db(transaction=True)]

PHONE_WIDTH = 390
# A phone, as Chromium emulates one: the page's viewport meta tag is honoured (is_mobile).
PHONE = {
    "viewport": {"width": PHONE_WIDTH, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 3,
}


@pytest.fixture
def phone(browser: Browser):
    context = browser.new_context(**PHONE)
    yield context.new_page()
    context.close()


def page_width(page: Page) -> int:
    page.wait_for_load_state("load")
    return page.evaluate("document.documentElement.scrollWidth")


def wider_than_the_screen(page: Page) -> list[str]:
    """The elements sticking out past the right edge of the screen, to say what to fix."""
    return page.evaluate(
        """(width) => {
          // An element's own box, or its content overflowing the box (a long word).
          const right = (e) => Math.max(
            e.getBoundingClientRect().right, e.getBoundingClientRect().left + e.scrollWidth);
          return [...document.querySelectorAll("body *")]
            .filter((e) => right(e) > width + 0.5)
            .filter((e) => !e.closest(".nhsuk-u-visually-hidden, [hidden]"))
            .slice(-5)
            .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join(".")}`
              + ` (${Math.round(right(e))} px)`);
        }""",
        PHONE_WIDTH,
    )


def test_the_width_check_sees_a_page_wider_than_the_phone(phone: Page, live_server):
    phone.goto(live_server.url + "/")
    assert page_width(phone) <= PHONE_WIDTH
    phone.evaluate(
        """() => { const p = document.createElement("p");
        p.textContent = "x".repeat(200); document.querySelector("main").append(p); }"""
    )
    assert page_width(phone) > PHONE_WIDTH
    assert wider_than_the_screen(phone)[-1].startswith("p. ")


def test_no_page_is_wider_than_a_phone(
    phone: Page, live_server, geography, django_user_model, settings, tmp_path
):
    widths = {}
    too_wide = {}

    def visit(label: str) -> None:
        widths[label] = page_width(phone)
        # With the viewport meta tag honoured the layout is 390 CSS px wide, unless something
        # is wider: then a phone's browser zooms out, and the window grows to hold it.
        window = phone.evaluate("window.innerWidth")
        if widths[label] > PHONE_WIDTH or window != PHONE_WIDTH:
            too_wide[label] = (widths[label], window, wider_than_the_screen(phone))

    walk_every_page(phone, live_server.url, django_user_model, settings, tmp_path, visit)
    assert len(widths) >= 25
    assert too_wide == {}


def test_the_header_navigation_folds_into_a_menu_on_a_phone(
    phone: Page, live_server, django_user_model
):
    user = django_user_model.objects.create_user("worker", password="worker-pass-123")
    user.groups.add(Group.objects.get(name="Link worker"))
    sign_in(phone, live_server.url, "worker", "worker-pass-123")
    phone.goto(live_server.url + "/referrals/")
    navigation = phone.get_by_role("navigation", name="Menu")
    more = navigation.get_by_role("button", name="Browse More")
    expect(more).to_be_visible()
    sign_out = navigation.get_by_role("button", name="Sign out worker")
    # Sign-out is the last item: it is folded into the menu with the others that do not fit.
    expect(sign_out).to_be_hidden()
    more.click()
    expect(more).to_have_attribute("aria-expanded", "true")
    expect(sign_out).to_be_visible()
    expect(navigation.get_by_role("link", name="Check a postcode")).to_be_visible()
    assert page_width(phone) <= PHONE_WIDTH
    sign_out.click()
    expect(phone.get_by_role("link", name="Sign in", include_hidden=True)).to_be_attached()


def test_without_javascript_the_navigation_wraps_within_the_phone(
    browser: Browser, live_server, django_user_model
):
    context = browser.new_context(**PHONE, java_script_enabled=False)
    page = context.new_page()
    try:
        user = django_user_model.objects.create_user("worker", password="worker-pass-123")
        user.groups.add(Group.objects.get(name="Link worker"))
        sign_in(page, live_server.url, "worker", "worker-pass-123")
        page.goto(live_server.url + "/referrals/")
        sign_out = page.get_by_role("navigation", name="Menu").get_by_role(
            "button", name="Sign out worker"
        )
        expect(sign_out).to_be_visible()
        assert page_width(page) <= PHONE_WIDTH
    finally:
        context.close()


@pytest.fixture
def offline(browser: Browser, live_server):
    """A page whose requests to any host but the live server are refused and recorded.

    The Content-Security-Policy is bypassed, so that a reference to another host is requested
    (and caught here) rather than blocked unseen by the policy."""
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.outside = []
    page.missing = []
    ours = urlsplit(live_server.url).netloc

    def route(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != ours:
            page.outside.append(url)
            route.abort("blockedbyclient")
        else:
            route.continue_()

    context.route("**/*", route)
    page.on(
        "response",
        lambda response: (
            page.missing.append(f"{response.status} {response.url}")
            if "/static/" in response.url and response.status >= 400
            else None
        ),
    )
    yield page
    context.close()


def test_the_outside_request_check_sees_one(offline: Page, live_server):
    offline.goto(live_server.url + "/")
    offline.evaluate(
        """() => { const i = document.createElement("img");
        i.src = "https://assets.nhs.uk/images/nhs-logo.png"; document.body.append(i); }"""
    )
    offline.wait_for_timeout(300)
    assert offline.outside == ["https://assets.nhs.uk/images/nhs-logo.png"]


def test_no_page_asks_another_host_for_anything(
    offline: Page, live_server, geography, django_user_model, settings, tmp_path
):
    visited = []

    def visit(label: str) -> None:
        offline.wait_for_load_state("load")
        # Fonts load when text is drawn in them: wait for every font the page uses.
        offline.evaluate("document.fonts.ready.then(() => true)")
        visited.append(label)

    walk_every_page(offline, live_server.url, django_user_model, settings, tmp_path, visit)
    assert len(visited) >= 25
    assert offline.outside == []
    assert offline.missing == []
    # The text is drawn in the NHS.UK fallback font, which no page fetches.
    family = offline.evaluate("getComputedStyle(document.body).fontFamily")
    assert family.startswith("arial")


def test_on_a_phone_the_search_says_what_it_found_first_and_taps_miss_the_checkboxes(
    phone: Page, live_server, geography, django_user_model
):
    make_service(service="Sutton befriending", needs="isolation", postcode="SM1 1AA")
    user = django_user_model.objects.create_user("worker", password="worker-pass-123")
    user.groups.add(Group.objects.get(name="Link worker"))
    sign_in(phone, live_server.url, "worker", "worker-pass-123")
    phone.goto(live_server.url + "/search/")
    button = phone.get_by_role("button", name="Find services")
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    # The nearest checkbox above the button ends well clear of it.
    gap = phone.evaluate(
        """(top) => top - Math.max(...[...document.querySelectorAll(".nhsuk-checkboxes__item")]
          .map((e) => e.getBoundingClientRect().bottom).filter((b) => b <= top))""",
        box["y"],
    )
    assert gap >= 24, gap  # WCAG 2.2 target spacing (2.5.8): 24 px
    # A thumb landing just above the button ticks nothing.
    ticked = "[...document.querySelectorAll('input[type=checkbox]:checked')].length"
    phone.touchscreen.tap(box["x"] + 20, box["y"] - 12)
    assert phone.evaluate(ticked) == 0

    phone.get_by_label("Patient's home postcode").fill("SM2 6AA")
    phone.get_by_label("Loneliness and isolation").check()
    button.click()
    count = phone.locator("#result-count")
    expect(count).to_have_text("1 service found. Skip to results")
    # It comes straight after the heading, on the first screen, before the long form.
    assert phone.evaluate("document.querySelector('main h1').nextElementSibling.id") == (
        "result-count"
    )
    assert count.bounding_box()["y"] + count.bounding_box()["height"] < 844
    results = phone.get_by_role("heading", name="Results", level=2)
    expect(results).not_to_be_in_viewport()
    count.get_by_role("link", name="Skip to results").click()
    expect(results).to_be_in_viewport()
    expect(phone.get_by_role("heading", name="Sutton befriending")).to_be_visible()
