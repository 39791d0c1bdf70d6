"""The production server for real: gunicorn with production settings, as docs/deploy.md runs it."""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# A test key, long and varied enough for `check --deploy`; never used anywhere else.
TEST_SECRET_KEY = "production-server-test-key-4f8a1c9e2b7d6035aa91e3c7f0b25d8e6c14"
# What the test settings put into this process's environment must not reach production ones.
TEST_ONLY = {
    "DJANGO_SETTINGS_MODULE",
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_COOKIES",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def production_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in TEST_ONLY}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        SECRET_KEY=TEST_SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1",
        **extra,
    )
    return env


def manage(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - this interpreter, our manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, headers=None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - http://127.0.0.1
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_production_settings_pass_check_deploy(tmp_path):
    env = production_env(DATABASE_URL=f"sqlite:///{tmp_path / 'check.sqlite3'}")
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_gunicorn_serves_the_health_check_with_two_workers_and_logs_no_postcode(tmp_path):
    port = free_port()
    env = production_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        THREADS="2",
        LOG_FORMAT="json",
    )
    migrated = manage("migrate", "--no-input", "-v", "0", env=env)
    assert migrated.returncode == 0, migrated.stderr
    stdout, stderr = tmp_path / "gunicorn.out", tmp_path / "gunicorn.err"
    with open(stdout, "w") as out, open(stderr, "w") as err:
        server = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=err,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, stderr.read_text()
            try:
                status, headers, body = get(f"{base}/healthz")
                break
            except (ConnectionError, urllib.error.URLError):
                assert time.monotonic() < deadline, "gunicorn did not answer in 90 s"
                time.sleep(0.25)
        assert status == 200, body
        health = json.loads(body)
        assert health["status"] == "ok"
        assert health["checks"]["database"] == {"status": "ok"}
        assert health["checks"]["index"]["status"] == "ok"
        assert "no-store" in headers["Cache-Control"]

        # Everything but the health check goes to HTTPS ...
        opener = urllib.request.build_opener(NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as redirect:
            opener.open(f"{base}/services/", timeout=30)
        assert redirect.value.code == 301
        assert redirect.value.headers["Location"].startswith("https://")
        # ... unless a trusted proxy says the request came over HTTPS.
        status, headers, _ = get(
            f"{base}/api/v1/postcodes/SW1A%201AA/?near=SW1A+1AA",
            headers={"X-Forwarded-Proto": "https"},
        )
        assert status == 404  # no postcodes in this database
        assert "max-age=31536000" in headers["Strict-Transport-Security"]
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert server.returncode == 0, stderr.read_text()

    server_log = [json.loads(line) for line in stderr.read_text().splitlines() if line[:1] == "{"]
    booted = {e["pid"] for e in server_log if e["message"].startswith("Booting worker")}
    assert len(booted) == 2
    not_found = [e for e in server_log if e["logger"] == "django.request"]
    assert [e["message"] for e in not_found] == ["Not Found: /api/v1/postcodes/SW1A 1**/"]
    lines = stdout.read_text().splitlines()
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    access = [e for e in entries if e["logger"] == "gunicorn.access"]
    assert {"method": "GET", "path": "/healthz", "status": 200}.items() <= access[0].items()
    postcode_request = next(e for e in access if e["path"].startswith("/api/v1/postcodes/"))
    assert postcode_request["path"] == "/api/v1/postcodes/SW1A 1**/"
    assert postcode_request["query"] == "near=SW1A+1**"
    assert postcode_request["status"] == 404
    full_postcode = re.compile(r"SW1A(\s|%20|\+)*1AA", re.IGNORECASE)
    assert not full_postcode.search(stdout.read_text() + stderr.read_text())
