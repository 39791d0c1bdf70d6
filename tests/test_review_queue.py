"""Feedback that triggers review: reports, outcome evidence, the queue, decisions, the digest."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from directory.models import ListingProblem, Need, ReviewDecision, Service
from directory.reviews import (
    add_outcome_evidence,
    report_problem,
    resolve,
    review_digest,
    review_queue,
)
from signposting.actions import create_referral, record_path_event
from signposting.listing_feedback import report_listing_problem

from .factories import make_service

Reason = ListingProblem.Reason
Outcome = ReviewDecision.Outcome


@pytest.fixture
def befriending(geography):
    return make_service(service="Sutton befriending", needs="isolation", postcode="SM1 1AA")


def _days_ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def _open(service) -> list[str]:
    return sorted(
        ListingProblem.objects.filter(service=service, decision__isnull=True).values_list(
            "reason", flat=True
        )
    )


# Reports


def test_a_link_worker_reports_a_problem_and_the_service_enters_the_queue(befriending, personas):
    problem = report_problem(
        befriending, Reason.WRONG_CONTACT, " The number rings out ", personas["lw"]
    )
    assert problem.reported_by == personas["lw"]
    assert problem.note == "The number rings out"
    [entry] = review_queue()
    assert entry.service == befriending
    assert entry.problems == (problem,)
    assert entry.reasons == [("The contact details are wrong", 1)]
    assert entry.due is False


@pytest.mark.parametrize(
    ("reason", "note", "field", "words"),
    [
        ("often_full", "", "reason", "is not a problem you can report"),
        ("nonsense", "", "reason", "is not a problem you can report"),
        ("", "", "reason", "Choose what is wrong with the listing"),
        ("other", "", "note", "Say what is wrong with the listing"),
        ("closed", "x" * 501, "note", "Keep the note to 500 characters (it has 501)"),
    ],
)
def test_it_refuses_a_bad_report_and_stores_nothing(
    befriending, personas, reason, note, field, words
):
    with pytest.raises(ValidationError) as caught:
        report_problem(befriending, reason, note, personas["lw"])
    assert words in " ".join(caught.value.message_dict[field])
    assert not ListingProblem.objects.exists()


def test_it_refuses_a_note_that_identifies_a_patient(befriending, personas):
    with pytest.raises(ValidationError) as caught:
        report_listing_problem(
            service=befriending,
            reason="closed",
            note="Mr X at SM2 6AA, NHS number 943 476 5919, was told it closed",
            reported_by=personas["lw"],
        )
    assert "Remove a full postcode and an NHS number from the note" in caught.value.messages[0]
    assert not ListingProblem.objects.exists()
    report_listing_problem(
        service=befriending, reason="closed", note="Closed since May", reported_by=personas["lw"]
    )
    assert _open(befriending) == ["closed"]


def test_the_same_person_cannot_report_the_same_open_problem_twice(befriending, personas):
    report_problem(befriending, "closed", "", personas["lw"])
    with pytest.raises(ValidationError, match="the editors have not reviewed it yet"):
        report_problem(befriending, "closed", "again", personas["lw"])
    report_problem(befriending, "closed", "", personas["teammate"])
    report_problem(befriending, "wrong_contact", "", personas["lw"])
    [entry] = review_queue()
    assert entry.reasons == [
        ("The service has closed", 2),
        ("The contact details are wrong", 1),
    ]


def test_it_refuses_a_report_on_a_listing_that_is_not_published(befriending, personas):
    draft = make_service(service="Draft befriending", status="draft")
    with pytest.raises(ValidationError, match="is draft, not listed"):
        report_problem(draft, "closed", "", personas["lw"])
    assert not ListingProblem.objects.exists()


# Outcome evidence


def test_three_full_paths_within_30_days_open_a_problem(befriending):
    times = [_days_ago(29), _days_ago(10)]
    assert add_outcome_evidence(befriending, Reason.OFTEN_FULL, times) is None
    assert add_outcome_evidence(befriending, Reason.OFTEN_FULL, [*times, _days_ago(31)]) is None
    problem = add_outcome_evidence(befriending, Reason.OFTEN_FULL, [*times, _days_ago(0)])
    assert problem.reason == Reason.OFTEN_FULL
    assert problem.reported_by is None
    assert problem.note.startswith("3 paths recorded as service full in the 30 days to ")
    # Already open: a fourth path opens nothing more.
    more = [*times, _days_ago(1), _days_ago(0)]
    assert add_outcome_evidence(befriending, Reason.OFTEN_FULL, more) is None
    assert _open(befriending) == ["often_full"]


def test_the_window_is_counted_back_from_now(befriending):
    now = timezone.now()
    times = [now - dt.timedelta(days=d) for d in (50, 40, 35, 0)]
    assert add_outcome_evidence(befriending, Reason.UNREACHABLE, times, now=now) is None
    earlier = now - dt.timedelta(days=30)
    problem = add_outcome_evidence(befriending, Reason.UNREACHABLE, times, now=earlier)
    assert problem.reason == Reason.UNREACHABLE
    assert problem.reported_at == earlier
    assert problem.note.startswith("3 paths recorded as could not reach the service in the")


def test_evidence_an_editor_has_weighed_does_not_reopen_the_listing(befriending, editor):
    times = [_days_ago(5), _days_ago(4), _days_ago(3)]
    add_outcome_evidence(befriending, Reason.OFTEN_FULL, times)
    decision = resolve(befriending, Outcome.CONFIRMED, editor, "They have a waiting list now")
    assert add_outcome_evidence(befriending, Reason.OFTEN_FULL, [*times, _days_ago(0)]) is None
    after = [decision.decided_at + dt.timedelta(minutes=m) for m in (1, 2, 3)]
    problem = add_outcome_evidence(befriending, Reason.OFTEN_FULL, [*times, *after], now=after[-1])
    assert problem is not None
    assert _open(befriending) == ["often_full"]


def test_outcome_evidence_takes_only_its_own_reasons(befriending):
    with pytest.raises(ValueError, match="'closed' is not outcome evidence"):
        add_outcome_evidence(befriending, Reason.CLOSED, [timezone.now()] * 3)


def _full_path(user, service, *, recorded_at=None):
    referral = create_referral(
        referrer=user, source="gp", home_postcode="SM2 6AA", needs=["isolation"]
    )
    need = Need.objects.get(slug="isolation")
    record_path_event(
        referral=referral, recorded_by=user, need=need, kind="referred", service=service,
        recorded_at=recorded_at,
    )  # fmt: skip
    return record_path_event(
        referral=referral, recorded_by=user, need=need, kind="service_full", service=service,
        recorded_at=recorded_at,
    )  # fmt: skip


def test_full_paths_recorded_by_any_team_put_the_service_in_the_queue(befriending, personas):
    _full_path(personas["lw"], befriending)
    _full_path(personas["outsider"], befriending)
    assert _open(befriending) == []
    _full_path(personas["clinician"], befriending)
    assert _open(befriending) == ["often_full"]
    [entry] = review_queue()
    assert entry.reasons == [("Often full: paths recorded as service full", 1)]


def test_old_and_corrected_full_paths_do_not_count(befriending, personas):
    _full_path(personas["lw"], befriending, recorded_at=_days_ago(45))
    wrong = _full_path(personas["lw"], befriending)
    record_path_event(
        referral=wrong.referral, recorded_by=personas["lw"], need=wrong.need, kind="accepted",
        service=befriending, corrects=wrong,
    )  # fmt: skip
    _full_path(personas["outsider"], befriending)
    _full_path(personas["outsider"], befriending)
    assert _open(befriending) == []
    _full_path(personas["clinician"], befriending)
    assert _open(befriending) == ["often_full"]


# The queue


def test_the_queue_lists_problems_oldest_first_then_services_due_for_review(geography, personas):
    recent = make_service(service="Recent problem")
    older = make_service(service="Older problem", last_reviewed="2024-01-01")
    make_service(service="Stale", last_reviewed="2025-06-01")
    make_service(service="Never reviewed", last_reviewed="")
    make_service(service="Fresh")
    make_service(service="Draft never reviewed", status="draft", last_reviewed="")
    report_problem(recent, "closed", "", personas["lw"])
    old = report_problem(older, "other", "Moved to Cheam", personas["lw"])
    ListingProblem.objects.filter(pk=old.pk).update(reported_at=_days_ago(10))

    entries = review_queue()
    assert [e.service.name for e in entries] == [
        "Older problem",
        "Recent problem",
        "Never reviewed",
        "Stale",
    ]
    assert [e.due for e in entries] == [True, False, True, True]
    assert [e.service.name for e in review_queue(due_limit=1)] == [
        "Older problem",
        "Recent problem",
        "Never reviewed",
    ]


# Decisions


@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        (Outcome.CONFIRMED, Service.Status.PUBLISHED),
        (Outcome.UPDATED, Service.Status.PUBLISHED),
        (Outcome.ARCHIVED, Service.Status.ARCHIVED),
    ],
)
def test_a_decision_closes_every_open_problem(befriending, personas, editor, outcome, status):
    Service.objects.filter(pk=befriending.pk).update(last_reviewed=dt.date(2024, 1, 1))
    befriending.refresh_from_db()
    first = report_problem(befriending, "closed", "", personas["lw"])
    second = report_problem(befriending, "wrong_contact", "", personas["teammate"])
    before = timezone.now()

    decision = resolve(befriending, outcome, editor, "Rang them")

    befriending.refresh_from_db()
    assert befriending.status == status
    assert befriending.editor_decision_at == decision.decided_at
    assert befriending.editor_decision_at >= before
    expected = dt.date(2024, 1, 1) if outcome == Outcome.ARCHIVED else timezone.localdate()
    assert befriending.last_reviewed == expected
    assert set(decision.problems.all()) == {first, second}
    assert (decision.outcome, decision.note, decision.decided_by) == (outcome, "Rang them", editor)
    assert review_queue() == []


def test_an_editor_confirms_a_listing_due_for_review(geography, editor):
    stale = make_service(service="Stale", last_reviewed="2025-01-01")
    assert [e.service for e in review_queue()] == [stale]
    resolve(stale, "confirmed", editor, "")
    assert review_queue() == []


@pytest.mark.parametrize(
    ("outcome", "note", "words"),
    [
        ("", "", "Choose your decision on the listing"),
        ("deleted", "", "'deleted' is not a decision: choose 'Updated' (updated)"),
        ("confirmed", "x" * 501, "Keep the note to 500 characters"),
    ],
)
def test_a_bad_decision_is_explained_and_stores_nothing(
    befriending, personas, editor, outcome, note, words
):
    report_problem(befriending, "closed", "", personas["lw"])
    with pytest.raises(ValidationError) as caught:
        resolve(befriending, outcome, editor, note)
    assert words in " ".join(caught.value.messages)
    _nothing_decided(befriending)


def test_only_an_editor_may_decide(befriending, personas):
    report_problem(befriending, "closed", "", personas["lw"])
    with pytest.raises(PermissionDenied, match="may not review listings"):
        resolve(befriending, "archived", personas["lw"], "")
    _nothing_decided(befriending)


def _nothing_decided(service):
    service.refresh_from_db()
    assert not ReviewDecision.objects.exists()
    assert _open(service) == ["closed"]
    assert service.status == Service.Status.PUBLISHED
    assert service.editor_decision_at is None
    assert service.last_reviewed == dt.date(2026, 1, 1)


# The weekly digest


@pytest.fixture
def editors(editor, django_user_model):
    editor.email = "eddie@example.nhs.uk"
    editor.save()
    grouped = django_user_model.objects.create_user("grace", email="grace@example.nhs.uk")
    grouped.groups.add(Group.objects.get(name="Directory editor"))
    gone = django_user_model.objects.create_user("gone", email="gone@example.nhs.uk")
    gone.groups.add(Group.objects.get(name="Directory editor"))
    gone.is_active = False
    gone.save()
    return [editor, grouped]


def test_the_digest_goes_to_each_active_editor(befriending, personas, editors, settings):
    settings.SITE_URL = "https://signpost.example.nhs.uk"
    personas["lw"].email = "lw@example.nhs.uk"
    personas["lw"].save()
    report_problem(befriending, "closed", "", personas["lw"])
    report_problem(befriending, "closed", "", personas["teammate"])
    make_service(service="Stale", last_reviewed="2025-01-01")

    call_command("send_review_digest")

    assert sorted(m.to[0] for m in mail.outbox) == ["eddie@example.nhs.uk", "grace@example.nhs.uk"]
    message = mail.outbox[0]
    assert message.subject == "Signpost review queue: 1 with problems, 1 due for review"
    assert (
        "- Sutton befriending (Test Befrienders (demo)): The service has closed (2)" in message.body
    )
    assert "- Stale (Test Befrienders (demo)): last reviewed 1 January 2025" in message.body
    assert "https://signpost.example.nhs.uk/directory/review/" in message.body


def test_the_digest_links_by_path_without_a_site_url(geography):
    make_service(service="Stale", last_reviewed="")
    subject, body = review_digest("")
    assert "- Stale (Test Befrienders (demo)): never reviewed" in body
    assert "Open the review queue: /directory/review/" in body


def test_no_digest_is_sent_when_nothing_is_due(befriending, editors, capsys):
    call_command("send_review_digest")
    assert mail.outbox == []
    assert "Nothing to review" in capsys.readouterr().out


# Pages


def test_the_pages_need_sign_in(client, befriending):
    for path in [f"/services/{befriending.pk}/report/", "/directory/review/"]:
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_a_link_worker_reports_from_the_service_page(client, befriending, personas):
    client.force_login(personas["lw"])
    page = client.get(befriending.get_absolute_url()).content.decode()
    link = f"/services/{befriending.pk}/report/?next=/services/{befriending.pk}/"
    assert "Report a problem with this listing" in page
    assert f'href="{link}"' in page

    form = client.get(f"/services/{befriending.pk}/report/", {"next": "/search/"})
    assert form.status_code == 200
    assert 'href="/search/">Back</a>' in form.content.decode()

    response = client.post(
        f"/services/{befriending.pk}/report/",
        {"reason": "wrong_contact", "note": "Rings out", "next": befriending.get_absolute_url()},
    )
    assert response.status_code == 302
    assert response["Location"] == befriending.get_absolute_url()
    assert "the directory editors will review" in client.get(response["Location"]).content.decode()
    assert _open(befriending) == ["wrong_contact"]


def test_a_bad_report_is_explained_on_the_page(client, befriending, personas):
    client.force_login(personas["lw"])
    response = client.post(
        f"/services/{befriending.pk}/report/",
        {"note": "Patient born 3/4/1956", "next": "https://evil.example/"},
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "There is a problem" in text
    assert "Choose what is wrong with the listing" in text
    response = client.post(
        f"/services/{befriending.pk}/report/",
        {"reason": "closed", "note": "Patient born 3/4/1956", "next": "https://evil.example/"},
    )
    text = response.content.decode()
    assert "Remove a date of birth from the note" in text
    assert "evil.example" not in text
    assert f'href="/services/{befriending.pk}/">Back</a>' in text
    assert not ListingProblem.objects.exists()


def test_who_may_report_and_who_may_review(client, befriending, personas, editor):
    client.force_login(personas["lead"])
    assert client.get(f"/services/{befriending.pk}/report/").status_code == 403
    assert "Report a problem" not in client.get(befriending.get_absolute_url()).content.decode()

    client.force_login(personas["lw"])
    assert client.get("/directory/review/").status_code == 403
    assert client.post(f"/directory/review/{befriending.pk}/", {}).status_code == 403
    assert "Review queue" not in client.get("/services/").content.decode()

    client.force_login(editor)
    assert client.get(f"/services/{befriending.pk}/report/").status_code == 200
    assert client.get("/directory/review/").status_code == 200
    assert "Review queue" in client.get("/services/").content.decode()


def test_an_editor_sees_the_queue_and_resolves_a_listing(client, befriending, personas, editor):
    report_problem(befriending, "other", "Moved to Cheam library", personas["lw"])
    client.force_login(editor)
    text = client.get("/directory/review/").content.decode()
    assert "Something else (1)" in text
    assert "Moved to Cheam library" in text
    assert ">lw<" in text
    assert f"/admin/directory/service/{befriending.pk}/change/" in text

    prefix = f"s{befriending.pk}"
    response = client.post(f"/directory/review/{befriending.pk}/", {f"{prefix}-note": "x"})
    assert response.status_code == 400
    assert "Choose your decision on the listing" in response.content.decode()
    assert not ReviewDecision.objects.exists()

    response = client.post(
        f"/directory/review/{befriending.pk}/",
        {f"{prefix}-outcome": "updated", f"{prefix}-note": "New address"},
    )
    assert response.status_code == 302
    text = client.get(response["Location"]).content.decode()
    assert "Sutton befriending: updated." in text
    assert "Nothing to review" in text
    assert ReviewDecision.objects.get().note == "New address"


def test_search_results_offer_a_report_link(client, befriending, personas):
    client.force_login(personas["lw"])
    response = client.post(
        "/search/",
        {"home_postcode": "SM2 6AA", "gp_area": "E09000029", "needs": ["isolation"]},
        follow=True,
    )
    text = response.content.decode()
    assert f'href="/services/{befriending.pk}/report/?next=/search/results/"' in text
    assert "Report a problem with this listing" in text
