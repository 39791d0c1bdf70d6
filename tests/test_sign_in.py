"""Sign-in: lockouts on every way in, idle and absolute session limits, API tokens, demo users."""

import datetime as dt
import time

import pytest
from axes.models import AccessAttempt
from django.apps import apps as global_apps
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection
from django.test import Client, override_settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from knox.crypto import hash_token
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.demo_accounts import DEMO_PASSWORD, is_demo
from accounts.sessions import RENEW_EVERY_SECONDS, RENEWED_AT, SIGNED_IN_AT
from audit.models import Action, AuditEvent
from signposting.demo import load_demo_users

PASSWORD = "right-pass-123"
TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture
def worker(db, django_user_model):
    user = django_user_model.objects.create_user("worker", password=PASSWORD)
    user.groups.add(Group.objects.get(name="Link worker"))
    return user


@pytest.fixture
def administrator(db, django_user_model):
    user = django_user_model.objects.create_user("boss", password=PASSWORD, is_staff=True)
    user.is_superuser = True
    user.save()
    return user


# Each way in: post a username and password, and say whether it signed in.
def page_sign_in(client, username, password):
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return response, response.status_code == 302


def admin_sign_in(client, username, password):
    response = client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}
    )
    return response, response.status_code == 302 and response["Location"] == "/admin/"


def token_sign_in(client, username, password):
    response = client.post(TOKEN_URL, {"username": username, "password": password})
    return response, response.status_code == 201


WAYS_IN = [page_sign_in, admin_sign_in, token_sign_in]


def move_failures_back(minutes: int) -> None:
    """Time travel: the failed attempts happened this many minutes earlier."""
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= dt.timedelta(minutes=minutes)
        attempt.save()


# Lockouts --------------------------------------------------------------------------------------


@pytest.mark.parametrize("sign_in", WAYS_IN, ids=lambda f: f.__name__)
def test_five_failures_lock_the_account_even_against_the_right_password(administrator, sign_in):
    client = Client()
    for _ in range(4):
        response, signed_in = sign_in(client, "boss", "wrong-guess")
        assert not signed_in and response.status_code != 429
    response, _ = sign_in(client, "boss", "wrong-guess")  # the fifth locks
    assert response.status_code == 429
    response, signed_in = sign_in(client, "boss", PASSWORD)
    assert response.status_code == 429 and not signed_in
    assert "Too many failed sign-ins" in response.content.decode()
    move_failures_back(14)
    assert sign_in(client, "boss", PASSWORD)[0].status_code == 429
    move_failures_back(2)  # now 16 minutes ago: the lock has passed
    assert sign_in(client, "boss", PASSWORD)[1]


@pytest.mark.parametrize("sign_in", WAYS_IN, ids=lambda f: f.__name__)
def test_four_failures_do_not_lock(administrator, sign_in):
    client = Client()
    for _ in range(4):
        sign_in(client, "boss", "wrong-guess")
    assert sign_in(client, "boss", PASSWORD)[1]


def test_the_api_lockout_answers_json(worker):
    client = APIClient()
    for _ in range(5):
        client.post(TOKEN_URL, {"username": "worker", "password": "nope-nope"})
    response = client.post(TOKEN_URL, {"username": "worker", "password": PASSWORD})
    assert response.status_code == 429
    assert "locked" in response.json()["detail"]
    assert not AuthToken.objects.exists()


def test_a_lockout_is_logged_and_audited(worker, caplog):
    client = Client()
    for _ in range(5):
        page_sign_in(client, "worker", "nope-nope")
    assert any(
        r.levelname == "WARNING" and "Locked out 'worker'" in r.getMessage() for r in caplog.records
    )
    locked = AuditEvent.objects.get(action=Action.LOCKED_OUT)
    assert (locked.username, locked.ip_address) == ("worker", "127.0.0.1")
    assert AuditEvent.objects.filter(action=Action.SIGN_IN_FAILED, username="worker").count() == 5


def test_the_lock_is_on_the_account_from_that_address_only(worker):
    for _ in range(5):
        page_sign_in(Client(), "worker", "nope-nope")
    elsewhere = Client(REMOTE_ADDR="10.1.2.3")
    assert page_sign_in(elsewhere, "worker", PASSWORD)[1]
    assert page_sign_in(Client(), "worker", PASSWORD)[0].status_code == 429


def test_there_is_no_password_reset_by_email(client, worker):
    for path in ["/accounts/password_reset/", "/accounts/reset/done/"]:
        assert client.get(path).status_code == 404
    for name in ["password_reset", "admin_password_reset", "password_reset_confirm"]:
        with pytest.raises(NoReverseMatch):
            reverse(name)


# Sessions --------------------------------------------------------------------------------------


def session_row(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_a_session_ends_after_30_minutes_idle(client, worker):
    assert page_sign_in(client, "worker", PASSWORD)[1]
    assert client.get("/referrals/").status_code == 200
    left = session_row(client).expire_date - timezone.now()
    assert dt.timedelta(minutes=29) < left <= dt.timedelta(minutes=30)
    # A request starts the 30 minutes again, writing the session at most once a minute.
    Session.objects.filter(pk=session_row(client).pk).update(
        expire_date=timezone.now() + dt.timedelta(minutes=1)
    )
    client.get("/referrals/")  # renewed less than a minute ago (at sign-in): no write
    assert session_row(client).expire_date - timezone.now() <= dt.timedelta(minutes=1)
    session = client.session
    session[RENEWED_AT] = int(time.time()) - RENEW_EVERY_SECONDS
    session.save()
    Session.objects.filter(pk=session_row(client).pk).update(
        expire_date=timezone.now() + dt.timedelta(minutes=1)
    )
    client.get("/referrals/")
    assert session_row(client).expire_date - timezone.now() > dt.timedelta(minutes=29)
    client.get("/referrals/")  # and does not write again within the minute
    assert session_row(client).expire_date - timezone.now() > dt.timedelta(minutes=29)
    # Idle for 30 minutes: the session has expired and the next request must sign in again.
    Session.objects.filter(pk=session_row(client).pk).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    response = client.get("/referrals/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_an_unknown_or_expired_session_cookie_starts_no_session(client, db):
    """Renewal never turns a stale cookie into a new, empty session for an anonymous visitor."""
    client.cookies["sessionid"] = "no-such-session-key-0123456789"
    assert client.get("/accounts/login/").status_code == 200
    assert not Session.objects.exists()


def set_signed_in_at(client, seconds_ago: int) -> None:
    session = client.session
    session[SIGNED_IN_AT] = int(time.time()) - seconds_ago
    session.save()


def test_a_session_ends_12_hours_after_sign_in_however_busy(client, worker):
    assert page_sign_in(client, "worker", PASSWORD)[1]
    set_signed_in_at(client, 12 * 3600 - 60)
    assert client.get("/referrals/").status_code == 200
    set_signed_in_at(client, 12 * 3600)
    response = client.get("/referrals/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    ended = AuditEvent.objects.get(action=Action.SESSION_ENDED)
    assert (ended.user_id, ended.path) == (worker.pk, "/referrals/")
    assert client.get("/referrals/").status_code == 302  # still signed out


def test_a_session_from_before_the_limit_is_ended(client, worker):
    assert page_sign_in(client, "worker", PASSWORD)[1]
    session = client.session
    del session[SIGNED_IN_AT]
    session.save()
    assert client.get("/referrals/").status_code == 302


# API tokens ------------------------------------------------------------------------------------


def make_token(username="worker", password=PASSWORD) -> str:
    response = APIClient().post(TOKEN_URL, {"username": username, "password": password})
    assert response.status_code == 201, response.content
    return response.json()["token"]


def refused(response) -> bool:
    """Not signed in: DRF answers 403 when session sign-in is its first way (no challenge)."""
    return response.status_code in (401, 403) and "token" in response.json()["detail"].lower()


def api_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_a_token_is_made_by_its_user_and_works(worker):
    token = make_token()
    assert api_with(token).get("/api/v1/referrals/").status_code == 200
    stored = AuthToken.objects.get()
    assert stored.user == worker


def test_a_token_is_stored_only_as_a_hash(worker):
    token = make_token()
    stored = AuthToken.objects.get()
    assert stored.digest == hash_token(token) and stored.digest != token
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM knox_authtoken")
        row = cursor.fetchone()
    assert token not in [str(value) for value in row]


def test_a_token_is_never_shown_again(worker, administrator):
    token = make_token()
    admin = Client()
    admin.force_login(administrator)
    stored = AuthToken.objects.get()
    listing = admin.get("/admin/knox/authtoken/")
    page = admin.get(f"/admin/knox/authtoken/{stored.pk}/change/")
    assert listing.status_code == 200 and page.status_code == 200
    for shown in (listing, page):
        assert token not in shown.content.decode()
        assert token[len("signpost_") :] not in shown.content.decode()
    assert api_with(token).get(TOKEN_URL).status_code == 405  # nothing lists tokens


def test_a_token_expires_after_30_days(worker):
    token = make_token()
    stored = AuthToken.objects.get()
    assert stored.expiry - timezone.now() > dt.timedelta(days=29, hours=23)
    assert stored.expiry - timezone.now() <= dt.timedelta(days=30)
    AuthToken.objects.filter(pk=stored.pk).update(expiry=timezone.now() - dt.timedelta(seconds=1))
    assert refused(api_with(token).get("/api/v1/referrals/"))


def test_the_token_lifetime_is_configurable(worker):
    with override_settings(REST_KNOX={"TOKEN_TTL": dt.timedelta(days=2)}):
        make_token()
    assert AuthToken.objects.get().expiry - timezone.now() <= dt.timedelta(days=2)


def test_a_password_change_revokes_every_token(worker):
    first, second = make_token(), make_token()
    worker.set_password("a-new-pass-456")
    worker.save()
    for token in (first, second):
        assert refused(api_with(token).get("/api/v1/referrals/"))
    assert not AuthToken.objects.exists()
    changed = AuditEvent.objects.get(action=Action.PASSWORD_CHANGED)
    assert (changed.user_id, changed.detail) == (worker.pk, "2 tokens revoked")


def test_saving_a_user_without_a_new_password_keeps_tokens(worker):
    token = make_token()
    worker.first_name = "Wendy"
    worker.save()
    assert api_with(token).get("/api/v1/referrals/").status_code == 200


def test_a_token_can_be_revoked_by_its_holder(worker):
    token = make_token()
    assert api_with(token).delete(TOKEN_URL).status_code == 204
    assert refused(api_with(token).get("/api/v1/referrals/"))
    assert APIClient().delete(TOKEN_URL).status_code == 401


def test_an_administrator_cannot_mint_a_token_for_someone_else(worker, administrator):
    admin = Client()
    admin.force_login(administrator)
    assert admin.get("/admin/knox/authtoken/add/").status_code == 403
    response = admin.post(
        "/admin/knox/authtoken/add/", {"user": worker.pk, "expiry_0": "", "expiry_1": ""}
    )
    assert response.status_code == 403
    api = APIClient()
    api.force_login(administrator)
    assert api.post(TOKEN_URL, {"username": "worker"}).status_code == 400
    assert api.post(TOKEN_URL, {"username": "worker", "password": "guess-1"}).status_code == 400
    assert not AuthToken.objects.filter(user=worker).exists()
    # Signed in as themself, an administrator's token is their own.
    api.post(TOKEN_URL, {"username": "boss", "password": PASSWORD})
    assert list(AuthToken.objects.values_list("user__username", flat=True)) == ["boss"]


def test_an_old_authtoken_key_no_longer_works(worker):
    old = api_with("9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b")
    assert refused(old.get("/api/v1/referrals/"))
    assert "authtoken_token" not in connection.introspection.table_names()


# Demo users ------------------------------------------------------------------------------------


@pytest.fixture
def demo_users(geography):
    with override_settings(DEBUG=True):
        load_demo_users()


def test_demo_users_are_marked(demo_users, django_user_model):
    assert is_demo(django_user_model.objects.get(username="linkworker"))


@pytest.mark.parametrize("sign_in", WAYS_IN, ids=lambda f: f.__name__)
def test_demo_users_cannot_sign_in_with_debug_off(demo_users, sign_in):
    assert not sign_in(Client(), "admin", DEMO_PASSWORD)[1]
    with override_settings(DEBUG=True):
        assert sign_in(Client(), "admin", DEMO_PASSWORD)[1]


def test_a_demo_user_with_a_new_password_is_still_refused(demo_users, django_user_model):
    user = django_user_model.objects.get(username="linkworker")
    user.set_password(PASSWORD)
    user.save()
    assert not page_sign_in(Client(), "linkworker", PASSWORD)[1]


def test_the_published_password_is_refused_for_anyone(worker):
    worker.set_password(DEMO_PASSWORD)
    worker.save()
    assert not page_sign_in(Client(), "worker", DEMO_PASSWORD)[1]


def demo_errors(**kwargs):
    return [e for e in run_checks(**kwargs) if e.id == "accounts.E001"]


def test_a_system_check_stops_start_up_while_demo_users_exist(demo_users):
    assert demo_errors(databases=["default"])
    assert demo_errors(include_deployment_checks=True)
    assert len(demo_errors(databases=["default"], include_deployment_checks=True)) == 1
    with pytest.raises(SystemCheckError, match="Demo users exist with DEBUG off"):
        call_command("check", "--database", "default")
    with override_settings(DEBUG=True):
        assert not demo_errors(databases=["default"], include_deployment_checks=True)
    call_command("disable_demo_users")
    assert not demo_errors(databases=["default"], include_deployment_checks=True)
    assert not page_sign_in(Client(), "linkworker", DEMO_PASSWORD)[1]


def test_make_serve_may_allow_demo_users_and_the_check_then_warns(demo_users):
    with override_settings(DEMO_USERS_ALLOWED=True):
        assert page_sign_in(Client(), "linkworker", DEMO_PASSWORD)[1]
        assert not demo_errors(databases=["default"])
        warned = [e.id for e in run_checks(databases=["default"]) if e.id.startswith("accounts")]
        assert warned == ["accounts.W001"]
        with pytest.raises(SystemCheckError, match="accounts.W001"):
            call_command("check", "--deploy", "--fail-level", "WARNING")


def test_the_check_passes_without_demo_users(worker):
    assert not demo_errors(databases=["default"], include_deployment_checks=True)


def test_demo_users_seeded_before_marking_are_marked_by_the_migration(worker, django_user_model):
    import importlib

    migration = importlib.import_module("accounts.migrations.0001_demo_accounts")
    seeded = django_user_model.objects.create_user("coach", password=DEMO_PASSWORD)
    real = django_user_model.objects.create_user("admin", password=PASSWORD)
    migration.mark_seeded_demo_users(global_apps, None)
    assert is_demo(seeded) and not is_demo(real)
