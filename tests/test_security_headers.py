"""Headers and settings for running in production (docs/security-headers-and-limits.md)."""

import base64
import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings
from django.urls import reverse

from config.security import proxy_ssl_header, secret_key_problem
from signposting.reports import charts as charts_module

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
BASE_SCRIPT_HASH = "'sha256-tDOvXJi1PXbg0CWjLCCYSNHRXtps26K4JXkE3M6u/c0='"
# The policy, directive by directive (django-csp writes the directives in no fixed order).
EXPECTED_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'", BASE_SCRIPT_HASH],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
STRONG_KEY = "k3J9-vQx_2LmT8pZr5WcYbN1hUe7GdFs0aXoIq4EwRtyPl6MnBvCzKj"


def directives(header: str) -> dict[str, list[str]]:
    parts = [part.strip().split() for part in header.split(";") if part.strip()]
    return {part[0]: part[1:] for part in parts}


def test_a_page_has_the_exact_content_security_policy(client):
    response = client.get("/")
    assert response.status_code == 200
    header = response["Content-Security-Policy"]
    assert directives(header) == EXPECTED_CSP
    assert header.count(";") == len(EXPECTED_CSP) - 1
    assert "unsafe-inline" not in header and "unsafe-eval" not in header


def test_the_one_inline_script_is_the_one_the_policy_allows_by_hash():
    base = (TEMPLATES / "base.html").read_text()
    inline = re.findall(r"<script>(.*?)</script>", base, re.DOTALL)
    assert len(inline) == 1
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    assert f"'sha256-{digest}'" == BASE_SCRIPT_HASH


def test_no_template_has_an_inline_style_or_script_or_event_handler():
    found = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        name = path.relative_to(TEMPLATES)
        if re.search(r"\sstyle\s*=", text) or "<style" in text:
            found.append(f"{name}: inline style")
        if re.search(r"\son[a-z]+\s*=", text):
            found.append(f"{name}: event handler attribute")
        scripts = re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", text)
        if scripts and name != Path("base.html"):
            found.append(f"{name}: inline script")
    assert found == []


def test_the_report_charts_have_no_inline_style_and_keep_their_size_and_colours(
    personas, geography
):
    from signposting.actions import create_referral
    from tests.factories import make_service

    make_service(service="Sutton befriending", needs="isolation", postcode="SM1 1AA")
    create_referral(
        referrer=personas["lw"], source="gp", home_postcode="SM2 6AA", needs=["isolation"]
    )
    client = Client()
    client.force_login(personas["lead"])
    page = client.get("/reports/").content.decode()
    charts = re.findall(r"<svg xmlns=.*?</svg>", page, re.DOTALL)
    assert charts
    for svg in charts:
        assert "style=" not in svg
        assert re.match(r'<svg [^>]*width="\d+" height="\d+"', svg)
        assert 'role="img"' in svg and "aria-label=" in svg
    fills = set(re.findall(r'<rect [^>]*fill="(#[0-9a-f]{6})"', "".join(charts)))
    assert fills and fills <= {*charts_module.PALETTE, *charts_module.HEATMAP_FILLS}


def test_every_response_has_a_permissions_policy(client):
    policy = client.get("/")["Permissions-Policy"]
    assert "camera=()" in policy and "geolocation=()" in policy and "microphone=()" in policy
    assert client.get("/api/v1/needs/")["Permissions-Policy"] == policy


@pytest.mark.parametrize(
    "path",
    [
        "/referrals/",
        "/referrals/export.csv",
        "/reports/",
        "/search/",
        "/api/v1/referrals/",
        "/api/v1/reports/referrals/",
    ],
)
def test_responses_about_referrals_are_never_stored(client, personas, path):
    client.force_login(personas["lw"])
    response = client.get(path)
    assert response.status_code == 200, path
    assert "no-store" in response["Cache-Control"]


def test_referral_api_errors_are_never_stored_either(client, personas):
    client.force_login(personas["lw"])
    response = client.get("/api/v1/referrals/999999/")
    assert response.status_code == 404
    assert "no-store" in response["Cache-Control"]


def test_the_public_directory_may_be_cached(client, geography):
    assert "no-store" not in client.get(reverse("service-list")).get("Cache-Control", "")


def test_https_is_required_and_remembered(client, settings):
    assert settings.SECURE_HSTS_SECONDS == 365 * 24 * 3600  # DEBUG is off in the tests
    secure = client.get("/", secure=True)
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    with override_settings(SECURE_SSL_REDIRECT=True):
        client = Client()  # middleware reads the setting when it is built
        plain = client.get("/some/where/?q=1")
        assert plain.status_code == 301
        assert plain["Location"] == "https://testserver/some/where/?q=1"
        # Behind a proxy that ends TLS: the header named in settings says it was HTTPS.
        with override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")):
            assert client.get("/", headers={"X-Forwarded-Proto": "https"}).status_code == 200
            assert client.get("/", headers={"X-Forwarded-Proto": "http"}).status_code == 301


def test_the_proxy_header_is_read_from_one_line():
    assert proxy_ssl_header("") is None
    assert proxy_ssl_header("X-Forwarded-Proto: https") == ("HTTP_X_FORWARDED_PROTO", "https")
    assert proxy_ssl_header("HTTP_X_FORWARDED_PROTO,https") == ("HTTP_X_FORWARDED_PROTO", "https")
    with pytest.raises(ImproperlyConfigured, match="X-Forwarded-Proto: https"):
        proxy_ssl_header("X-Forwarded-Proto")


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("change-me", "example"),
        ("insecure-development-key-only-for-debug", "example"),
        ("django-insecure-" + "x1y2z3" * 10, "django-insecure-"),
        ("short-but-random-9f8e7d6c", "has 25 characters"),
        ("ab" * 40, "only 2 different characters"),
    ],
)
def test_a_weak_secret_key_is_named(key, problem):
    assert problem in secret_key_problem(key)


def test_a_long_random_secret_key_will_do():
    assert secret_key_problem(STRONG_KEY) is None


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # A clean environment: none of the test settings' variables (config/test_settings.py).
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SECRET_KEY", "DEBUG", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
        and not k.startswith("SECURE_")
    }
    environment.update(DJANGO_SETTINGS_MODULE="config.settings", **env)
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("key", ["change-me", "tooshort", "a" * 60])
def test_a_weak_secret_key_stops_start_up_with_debug_off(key):
    result = _manage("check", DEBUG="false", SECRET_KEY=key)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured: SECRET_KEY")
    assert "secrets.token_urlsafe" in last


def test_debug_on_starts_without_a_key():
    assert _manage("check", DEBUG="true").returncode == 0


def test_the_deploy_check_passes_with_production_settings():
    """What CI runs (.ci/run): DEBUG off, a strong key, a host; no warning at all."""
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DEBUG="false", SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="signpost.example.nhs.uk",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout
