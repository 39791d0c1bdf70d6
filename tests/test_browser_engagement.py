"""A link worker books and records sessions and a baseline and follow-up PSEQ in the browser;
the team's reports show them exactly, the lead's through disclosure control."""

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import Page, expect

from signposting.actions import create_referral, record_intake_outcome
from signposting.measures import PSEQ_ITEMS
from signposting.models import Membership, Team

from .factories import make_service
from .test_browser_referrals import sign_in

pytestmark = [pytest.mark.functional, pytest.mark.django_db(transaction=True)]


def test_sessions_and_pseq_recorded_and_reported(
    page: Page, live_server, geography, django_user_model
):
    make_service(service="Sutton befriending", needs="isolation", postcode="SM1 1AA")
    team = Team.objects.create(name="Sutton PCN social prescribing", funding_area_id="E09000029")
    worker = django_user_model.objects.create_user("worker", password="worker-pass-123")
    worker.groups.add(Group.objects.get(name="Link worker"))
    Membership.objects.create(user=worker, team=team)
    lead = django_user_model.objects.create_user("lead", password="lead-pass-123")
    lead.groups.add(Group.objects.get(name="Network lead"))
    referral = create_referral(
        referrer=worker, source="gp", home_postcode="SM2 6AA", needs=["isolation"]
    )
    record_intake_outcome(referral=referral, recorded_by=worker, kind="accepted")
    today = timezone.localdate().isoformat()

    sign_in(page, live_server.url, "worker", "worker-pass-123")
    page.goto(live_server.url + referral.get_absolute_url())
    for mode in ("In person", "Phone or video", "Phone or video"):
        page.get_by_label("Date of the session").fill(today)
        page.get_by_label("How it is delivered").select_option(label=mode)
        page.get_by_role("button", name="Book the session").click()
        expect(page.locator("[role=status]").first).to_contain_text("Session booked")
    rows = page.locator("#sessions-table tbody tr")
    expect(rows).to_have_count(3)
    for i in range(3):
        row = page.locator("#sessions-table tbody tr").nth(i)
        row.get_by_label("What happened").select_option(label="Attended")
        row.get_by_role("button", name="Save").click()
        expect(page.locator("#sessions-table tbody tr").nth(i)).to_contain_text("Attended")

    for timepoint, score in (("Baseline", "2"), ("Follow-up", "4")):
        details = page.locator("#measure-pseq-details")
        details.locator("summary").click()
        details.get_by_label("When").select_option(label=timepoint)
        details.get_by_label("Date taken").fill(today)
        for text in PSEQ_ITEMS.values():
            details.get_by_label(text, exact=True).select_option(value=score)
        details.get_by_role("button", name="Save PSEQ").click()
        expect(page.locator("#measures-table")).to_contain_text(f"Total {int(score) * 10}")

    page.goto(live_server.url + "/reports/")
    sessions = page.locator("#report-sessions table")
    expect(sessions.locator("tr", has_text="Sessions booked").first).to_contain_text("3")
    attended = sessions.locator("tr", has_text="Sessions attended").first
    expect(attended).to_contain_text("100.0")
    pseq = page.locator("#report-measures table tr", has_text="PSEQ")
    expect(pseq).to_contain_text("20.0")  # baseline mean, the team's own
    expect(pseq).to_contain_text("40.0")
    page.get_by_role("button", name="Sign out worker").click()

    sign_in(page, live_server.url, "lead", "lead-pass-123")
    page.goto(live_server.url + "/reports/")
    sessions = page.locator("#report-sessions table")
    booked = sessions.locator("tr", has_text="Sessions booked").first.locator("td").nth(1)
    assert int(booked.inner_text()) % 5 == 0  # rounded: 0 or 5 for one patient's 3 sessions
    expect(page.locator("#report-measures")).not_to_contain_text("20.0")  # no means for a lead
