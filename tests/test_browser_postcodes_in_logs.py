"""A whole browser journey with real postcodes, and not one of them in the server's log.

Everything the live server logs while a link worker checks a postcode, filters the directory
near one, follows an old link with a postcode in it, searches for a patient and records a
referral is captured, through the handlers settings.LOGGING installs (config/logs.py), at
DEBUG level and with every request logged as runserver logs it. No postcode used may appear
in it in any spacing or case, nor in any URL the browser asked for.
"""

import io
import json
import logging
import re

import pytest
from django.contrib.auth.models import Group
from django.core.servers.basehttp import WSGIRequestHandler
from django.test.testcases import QuietWSGIRequestHandler
from playwright.sync_api import Page, expect

from config.logs import JsonFormatter, RedactPostcodes
from signposting.models import Membership, Team

from .factories import make_service
from .test_browser_referrals import sign_in

pytestmark = [pytest.mark.functional, pytest.mark.django_db(transaction=True)]

# Real postcodes from the test boroughs' ONS data: the patient's home, a postcode checked,
# and one the directory is filtered near.
HOME, CHECKED, NEAR = "SM2 6AA", "KT17 1AA", "SM1 1AA"
# A 404 with a postcode in its path: Django logs it as a warning ("Not Found: ...").
LOST = "CR0 2XX"


def anywhere(postcode: str) -> re.Pattern:
    """The postcode in any case, with its halves joined by nothing, spaces or URL encodings."""
    outward, inward = postcode.split()
    return re.compile(rf"{outward}(?:\s|\+|%20|%2B|%C2%A0|&nbsp;)*{inward}", re.IGNORECASE)


@pytest.fixture
def server_log(monkeypatch):
    """All that the server logs, as settings.LOGGING's handlers write it, at DEBUG level."""
    # The live server is quiet by default; log every request as runserver does
    # (django.server: '"POST /search/ HTTP/1.1" 200 1234').
    monkeypatch.setattr(QuietWSGIRequestHandler, "log_message", WSGIRequestHandler.log_message)
    root = logging.getLogger()
    handlers = [h for h in root.handlers if any(isinstance(f, RedactPostcodes) for f in h.filters)]
    assert handlers, "settings.LOGGING's handler is not on the root logger"
    buffer = io.StringIO()
    saved = [(h, h.setStream(buffer), h.formatter) for h in handlers]
    for handler in handlers:
        handler.setFormatter(JsonFormatter())
    loggers = [root, logging.getLogger("django")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    yield buffer
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)
    for handler, stream, formatter in saved:
        handler.setStream(stream)
        handler.setFormatter(formatter)


def test_the_log_check_sees_a_postcode_in_any_spacing_or_case():
    for text in ("SM2 6AA", "sm26aa", "Sm2+6aA", "SM2%206AA", "SM2  6AA", "sm2%2B6aa"):
        assert anywhere(HOME).search(f"GET /x/?q={text} 200"), text
    assert not anywhere(HOME).search("SM2 6** SM2 6")


def test_no_postcode_reaches_the_log_in_a_whole_journey(
    page: Page, live_server, geography, django_user_model, server_log
):
    team = Team.objects.create(name="Epsom and St Helier pain clinic", funding_area_id="QWE")
    user = django_user_model.objects.create_user("worker", password="worker-pass-123")
    user.groups.add(Group.objects.get(name="Link worker"))
    Membership.objects.create(user=user, team=team)
    make_service(service="Sutton befriending", needs="isolation", postcode="SM1 2AA")
    urls = []
    page.on("request", lambda request: urls.append(request.url))
    url = live_server.url

    # Check a postcode.
    page.goto(url + "/postcodes/")
    page.get_by_label("Postcode").fill("kt17 1aa")
    page.get_by_role("button", name="Check postcode").click()
    expect(page.locator("#postcode-result")).to_contain_text("Epsom and Ewell")
    page.get_by_label("Postcode").fill("sw1a1aa")  # well-formed, not loaded: named in an error
    page.get_by_role("button", name="Check postcode").click()
    expect(page.get_by_role("alert")).to_contain_text("is not in the ONS postcode data")

    # Filter the directory near a postcode: the link keeps only its sector.
    page.goto(url + "/services/")
    page.get_by_label("Near postcode").fill("sm1  1aa")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"near=SM1\+1(&|$)"))
    expect(page.locator("#results")).to_contain_text("Sutton befriending")
    # An old link with a full postcode in it is logged, redacted, then sent to the sector's.
    old_link = url + "/services/?near=SM1%201AA&within_km=5"
    page.goto(old_link)
    expect(page).to_have_url(re.compile(r"near=SM1\+1&within_km=5$"))
    # A page that is not there, with a postcode in its path.
    assert page.goto(url + "/postcodes/CR0%202XX/").status == 404

    # Search for a patient and record a referral.
    sign_in(page, url, "worker", "worker-pass-123")
    page.goto(url + "/search/")
    page.get_by_label("Patient's home postcode").fill("sm26aa")
    page.get_by_label("Loneliness and isolation").check()
    page.get_by_role("button", name="Find services").click()
    page.get_by_role("button", name="Record a referral to Sutton befriending").click()
    page.get_by_label("Where the referral came from").select_option(label="Ward")
    page.get_by_label("Accepted by the team").check()
    page.get_by_role("button", name="Save referral").click()
    expect(page.locator("#intake-state")).to_have_text("Accepted by the team")

    raw = server_log.getvalue()
    entries = [json.loads(line) for line in raw.splitlines()]
    # Decoded too, so that no JSON escape hides a postcode from the search.
    log = raw + "\n".join(json.dumps(entry, ensure_ascii=False) for entry in entries)
    messages = "\n".join(entry["message"] for entry in entries)
    # The capture saw the journey: requests, and the redacted 404 and old link.
    assert '"POST /search/ HTTP/1.1" 302' in messages  # then the results, by GET
    assert '"GET /search/results/ HTTP/1.1" 200' in messages
    assert '"POST /postcodes/ HTTP/1.1" 200' in messages
    assert '"POST /referrals/record/' in messages
    assert "Not Found: /postcodes/CR0 2**/" in messages
    assert "near=SM1%201**&within_km=5" in messages
    for postcode in (HOME, CHECKED, NEAR, LOST, "SW1A 1AA"):
        assert not anywhere(postcode).search(log), f"{postcode} is in the server's log"
    for postcode in (HOME, CHECKED, NEAR):
        leaks = [u for u in urls if anywhere(postcode).search(u) and u != old_link]
        assert leaks == [], f"{postcode} was in a URL the browser asked for"
