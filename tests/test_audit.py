"""The audit log: a row for each action on a referral and each sign-in event, never a postcode;
append-only in the ORM and the database; read-only for administrators; pruned only when old."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from audit import log as audit
from audit.models import Action, AppendOnly, AuditEvent
from directory.models import Need
from signposting.actions import create_referral, record_path_event
from signposting.models import Referral

from .factories import make_service

POSTCODE = "SM2 6AA"
TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture
def service(geography):
    return make_service(service="Sutton befriending", needs="isolation", postcode="SM1 1AA")


@pytest.fixture
def referral(personas, service):
    referral = create_referral(
        referrer=personas["lw"], source="ward", home_postcode=POSTCODE, needs=["isolation"]
    )
    record_path_event(
        referral=referral, recorded_by=personas["lw"], need=Need.objects.get(slug="isolation"),
        kind="referred", service=service,
    )  # fmt: skip
    return referral


def rows(**filters) -> list[tuple]:
    return list(
        AuditEvent.objects.filter(**filters)
        .order_by("id")
        .values_list("action", "username", "referral_id", "detail", "method", "path")
    )


def no_postcode_anywhere() -> None:
    """No audit row holds the postcode, with or without its space, nor its sector."""
    for values in AuditEvent.objects.values_list("username", "detail", "path", "method", "action"):
        text = " ".join(values).upper()
        for form in (POSTCODE, POSTCODE.replace(" ", ""), "SM2 6", "SM2%206"):
            assert form not in text, values


def sign_in(username):
    client = Client()
    assert client.post(
        "/accounts/login/", {"username": username, "password": f"{username}-pass-123"}
    ).status_code == 302  # fmt: skip
    return client


# Pages -----------------------------------------------------------------------------------------


def test_the_pages_audit_search_create_view_record_list_and_export(personas, service):
    client = sign_in("lw")
    facts = {"home_postcode": POSTCODE, "gp_area": "E09000029", "age": "70",
             "needs": ["isolation"]}  # fmt: skip
    assert client.post("/search/", facts, follow=True).status_code == 200
    saved = client.post(
        "/referrals/record/",
        {**facts, "service": service.pk, "source": "ward", "kind": "referred", "confirm": "1"},
    )
    referral = Referral.objects.get()
    assert saved["Location"] == f"/referrals/{referral.pk}/"
    client.get(f"/referrals/{referral.pk}/")
    client.post(f"/referrals/{referral.pk}/intake/", {"intake-kind": "accepted"})
    client.get("/referrals/?status=waiting")
    client.get("/referrals/export.csv")
    client.post("/accounts/logout/")
    pk = referral.pk
    assert rows() == [
        ("signed_in", "lw", None, "", "POST", "/accounts/login/"),
        ("searched", "lw", None, "", "POST", "/search/"),
        ("referral_created", "lw", pk, "", "POST", "/referrals/record/"),
        ("referral_viewed", "lw", pk, "", "GET", f"/referrals/{pk}/"),
        ("recorded", "lw", pk, "referral-record-intake", "POST", f"/referrals/{pk}/intake/"),
        ("referrals_listed", "lw", None, "", "GET", "/referrals/"),
        ("referrals_exported", "lw", None, "", "GET", "/referrals/export.csv"),
        ("signed_out", "lw", None, "", "POST", "/accounts/logout/"),
    ]
    assert set(AuditEvent.objects.values_list("user_id", flat=True)) == {personas["lw"].pk}
    no_postcode_anywhere()


def test_a_refused_recording_is_not_audited_as_recorded(personas, referral):
    client = sign_in("lw")
    client.post(f"/referrals/{referral.pk}/intake/", {"intake-kind": "no-such-kind"})
    assert not AuditEvent.objects.filter(action=Action.RECORDED).exists()


def test_viewing_a_referral_in_the_admin_is_audited(referral, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="root-pass-123")
    client = Client()
    client.force_login(admin)
    assert client.get(f"/admin/signposting/referral/{referral.pk}/change/").status_code == 200
    assert rows(action=Action.REFERRAL_VIEWED) == [
        ("referral_viewed", "root", referral.pk, "admin", "GET",
         f"/admin/signposting/referral/{referral.pk}/change/"),
    ]  # fmt: skip


# The API ---------------------------------------------------------------------------------------


def token_client(username) -> APIClient:
    client = APIClient()
    made = client.post(TOKEN_URL, {"username": username, "password": f"{username}-pass-123"})
    client.credentials(HTTP_AUTHORIZATION=f"Token {made.json()['token']}")
    return client


def test_the_api_audits_tokens_and_each_action_on_a_referral(personas, service):
    api = token_client("lw")
    body = {"home_postcode": POSTCODE, "needs": ["isolation"]}
    assert api.post("/api/v1/match/", body, format="json").status_code == 200
    created = api.post(
        "/api/v1/referrals/", {**body, "source": "ward", "gp_area": "E09000029"}, format="json"
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    api.get(f"/api/v1/referrals/{pk}/")
    api.post(f"/api/v1/referrals/{pk}/outcomes/", {"kind": "accepted"}, format="json")
    api.get("/api/v1/referrals/")
    api.get(f"/api/v1/postcodes/{POSTCODE}/")
    api.delete(TOKEN_URL)
    base = "/api/v1/referrals/"
    used = ("token_used", "lw", None, "")
    assert rows() == [
        ("token_created", "lw", None, "", "POST", TOKEN_URL),
        (*used, "POST", "/api/v1/match/"),
        ("searched", "lw", None, "", "POST", "/api/v1/match/"),
        (*used, "POST", base),
        ("referral_created", "lw", pk, "", "POST", base),
        (*used, "GET", f"{base}{pk}/"),
        ("referral_viewed", "lw", pk, "retrieve", "GET", f"{base}{pk}/"),
        (*used, "POST", f"{base}{pk}/outcomes/"),
        ("recorded", "lw", pk, "outcomes", "POST", f"{base}{pk}/outcomes/"),
        (*used, "GET", base),
        ("referrals_listed", "lw", None, "", "GET", base),
        (*used, "GET", "/api/v1/postcodes/[postcode]/"),
        (*used, "DELETE", TOKEN_URL),
        ("token_revoked", "lw", None, "", "DELETE", TOKEN_URL),
    ]
    no_postcode_anywhere()


def test_a_refused_token_is_audited(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token signpost_not-a-real-token")
    client.get("/api/v1/referrals/")
    assert rows() == [("token_refused", "", None, "", "GET", "/api/v1/referrals/")]


def test_a_report_download_is_audited_and_json_is_not(personas):
    lead = APIClient()
    lead.force_login(personas["lead"])
    before = AuditEvent.objects.count()
    assert lead.get("/api/v1/reports/referrals/").status_code == 200
    assert lead.get("/api/v1/reports/referrals/?format=csv").status_code == 200
    assert AuditEvent.objects.count() == before + 1
    assert rows(action=Action.REPORT_EXPORTED) == [
        ("report_exported", "lead", None, "referrals", "GET", "/api/v1/reports/referrals/")
    ]


# Sign-in events --------------------------------------------------------------------------------


def test_sign_in_failures_and_lockouts_are_audited(personas):
    client = Client()
    for _ in range(5):
        client.post("/accounts/login/", {"username": "lw", "password": "not-it"})
    actions = [a for a, *_ in rows()]
    assert actions == ["sign_in_failed"] * 4 + ["locked_out", "sign_in_failed"]
    assert {u for _, u, *_ in rows()} == {"lw"}
    assert AuditEvent.objects.filter(user_id__isnull=False).count() == 0


def test_a_postcode_typed_as_a_username_is_not_kept(db):
    Client().post("/accounts/login/", {"username": POSTCODE, "password": "x"})
    assert rows() == [("sign_in_failed", "[postcode]", None, "", "POST", "/accounts/login/")]


# Cheap -----------------------------------------------------------------------------------------


def test_an_event_is_one_insert(personas, django_assert_num_queries):
    request = RequestFactory().get("/referrals/1/?home_postcode=SM2+6AA")
    request.user = personas["lw"]
    with django_assert_num_queries(1):
        audit.record(request, Action.REFERRAL_VIEWED, referral_id=1)
    assert rows() == [("referral_viewed", "lw", 1, "", "GET", "/referrals/1/")]


def test_the_list_costs_the_same_however_many_referrals(personas, service, client):
    client.force_login(personas["lw"])
    client.get("/")  # the session's renewal (a write at most once a minute) is not the list's

    def queries_for_list():
        from django.db import connection as conn
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(conn) as captured:
            assert client.get("/referrals/").status_code == 200
        return len(captured)

    create_referral(referrer=personas["lw"], source="ward", home_postcode=POSTCODE,
                    needs=["isolation"])  # fmt: skip
    one = queries_for_list()
    for _ in range(4):
        create_referral(referrer=personas["lw"], source="ward", home_postcode=POSTCODE,
                        needs=["isolation"])  # fmt: skip
    assert queries_for_list() == one
    assert AuditEvent.objects.filter(action=Action.REFERRALS_LISTED).count() == 2


# Append-only -----------------------------------------------------------------------------------


def execute(sql: str) -> None:
    """Run raw SQL in its own savepoint, so a refusal leaves the test's transaction usable."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)


def an_event() -> AuditEvent:
    return AuditEvent.objects.create(action=Action.SIGNED_IN, username="someone")


def test_the_orm_refuses_to_change_or_delete_a_row(db):
    event = an_event()
    event.username = "someone else"
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()
    with pytest.raises(AppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(username="x")
    with pytest.raises(AppendOnly):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get().username == "someone"


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET username = 'x'",
        "DELETE FROM audit_auditevent",
        "DELETE FROM audit_auditevent WHERE at < '2999-01-01'",
    ],
)
def test_the_database_refuses_to_change_or_delete_a_row(db, sql):
    an_event()
    with pytest.raises(DatabaseError, match="append-only"):
        execute(sql)
    assert AuditEvent.objects.get().username == "someone"


@pytest.mark.django_db(transaction=True)
def test_flush_still_empties_the_database(personas):
    an_event()
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()


# Reading ---------------------------------------------------------------------------------------


def test_administrators_read_the_log_and_nobody_changes_it(personas, django_user_model):
    event = an_event()
    admin = django_user_model.objects.create_user("chief", password="chief-pass-123")
    admin.is_staff = True
    admin.save()
    admin.groups.add(Group.objects.get(name="Administrator"))
    client = Client()
    client.force_login(admin)
    assert client.get("/admin/audit/auditevent/").status_code == 200
    assert client.get(f"/admin/audit/auditevent/{event.pk}/change/").status_code == 200
    assert client.get("/admin/audit/auditevent/add/").status_code == 403
    assert client.get(f"/admin/audit/auditevent/{event.pk}/delete/").status_code == 403
    assert client.post(
        f"/admin/audit/auditevent/{event.pk}/change/", {"username": "x"}
    ).status_code == 403  # fmt: skip
    assert client.get("/admin/audit/auditevent/?q=someone").status_code == 200
    # Everyone else: not even the list.
    lead = Client()
    lead.force_login(personas["lead"])
    assert lead.get("/admin/audit/auditevent/").status_code == 302


# Pruning ---------------------------------------------------------------------------------------


def event_at(days_ago: float) -> AuditEvent:
    return AuditEvent.objects.create(
        action=Action.SIGNED_IN, at=timezone.now() - dt.timedelta(days=days_ago)
    )


def test_pruning_deletes_only_rows_past_the_retention_period(db, capsys):
    old, just_old = event_at(1000), event_at(730.01)
    kept = [event_at(729.99), event_at(10), event_at(0)]
    call_command("prune_audit_log")
    assert set(AuditEvent.objects.values_list("pk", flat=True)) == {e.pk for e in kept}
    assert "Deleted 2 audit events" in capsys.readouterr().out
    assert old.pk not in AuditEvent.objects.values_list("pk", flat=True)
    assert just_old.pk not in AuditEvent.objects.values_list("pk", flat=True)


def test_the_retention_period_is_configurable(db):
    event_at(40)
    recent = event_at(20)
    with override_settings(AUDIT_RETENTION_DAYS=30):
        assert audit.prune() == 1
    assert list(AuditEvent.objects.values_list("pk", flat=True)) == [recent.pk]


def test_after_pruning_the_log_is_append_only_again(db):
    event_at(1000)
    recent = event_at(1)
    audit.prune()
    with pytest.raises(DatabaseError, match="append-only"):
        execute("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.get().pk == recent.pk
