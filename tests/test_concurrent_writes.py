"""Thirty link workers record an outcome on one referral at the same moment, through a real,
threaded server: every one is answered 201, every event is stored, and the referral's stored
state is the one its events give.

The server is Django's threaded WSGI server in its own process (tests/concurrent_server.py): on
SQLite over a file database made for the test (the suite's in-memory database cannot be shared
with another process), on PostgreSQL over the test database."""

import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from tests.concurrent_seed import seed

ROOT = Path(__file__).resolve().parent.parent
WRITERS = 30
# Half accept the referral, half say the patient declined: the latest decides the state.
BODIES = [
    {"kind": "accepted"} if i % 2 == 0 else {"kind": "declined", "reason": "not_ready"}
    for i in range(WRITERS)
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server stopped: {process.stderr.read()}")
        try:
            urllib.request.urlopen(url + "/api/v1/needs/", timeout=20)  # noqa: S310
            return
        except OSError:  # not listening yet (URLError), or still starting
            time.sleep(0.2)
    raise AssertionError("the server did not start within a minute")


def serve(env: dict):
    """Start the server process with this environment; return its URL and the process."""
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "tests.concurrent_server", str(port)],
        cwd=ROOT, env={**env, "LOG_LEVEL": "WARNING"}, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, server)
    except BaseException:
        server.kill()
        raise
    return url, server


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=30)


@pytest.fixture
def sqlite_server(tmp_path):
    """A migrated, seeded SQLite file and a server on it; yields (url, seeded, database)."""
    database = tmp_path / "concurrent.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "LOG_LEVEL": "WARNING",
    }
    made = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "tests.concurrent_seed"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=300,
    )  # fmt: skip
    seeded = json.loads(made.stdout.strip().splitlines()[-1])
    url, server = serve(env)
    try:
        yield url, seeded, database
    finally:
        stop(server)


def post_at_once(url: str, seeded: dict) -> list[tuple[int, dict]]:
    """POST the thirty outcomes from thirty threads released together."""
    barrier = threading.Barrier(WRITERS)
    answers: list[tuple[int, dict]] = [None] * WRITERS

    def post(i: int) -> None:
        request = urllib.request.Request(  # noqa: S310
            f"{url}/api/v1/referrals/{seeded['referral']}/outcomes/",
            data=json.dumps(BODIES[i]).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Token {seeded['tokens'][i % 2]}",
            },
            method="POST",
        )
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
                answers[i] = (response.status, json.loads(response.read()))
        except urllib.error.HTTPError as error:
            answers[i] = (error.code, {"body": error.read().decode(errors="replace")[:300]})

    threads = [threading.Thread(target=post, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def check(answers, events, state) -> None:
    """Every write answered 201 and is stored; the state is the latest event's kind."""
    assert [status for status, _ in answers] == [201] * WRITERS, answers
    assert sorted(body["id"] for _, body in answers) == sorted(e[0] for e in events)
    assert len(events) == WRITERS
    latest = max(events, key=lambda e: (e[2], e[0]))
    assert state == (latest[1], True)
    assert sorted(e[1] for e in events) == sorted(body["kind"] for body in BODIES)


def test_thirty_outcomes_at_once_on_sqlite_all_land(request):
    if connection.vendor != "sqlite":
        pytest.skip("runs in the suite's SQLite pass (it makes its own SQLite database)")
    url, seeded, database = request.getfixturevalue("sqlite_server")
    answers = post_at_once(url, seeded)
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        events = db.execute(
            "SELECT id, kind, recorded_at FROM signposting_outcomeevent WHERE referral_id = ?",
            [seeded["referral"]],
        ).fetchall()
        state, accepted = db.execute(
            "SELECT state, ever_accepted FROM signposting_referral WHERE id = ?",
            [seeded["referral"]],
        ).fetchone()
    check(answers, events, (state, bool(accepted)))


@pytest.mark.django_db(transaction=True)
def test_thirty_outcomes_at_once_on_postgresql_all_land():
    if connection.vendor != "postgresql":
        pytest.skip("the SQLite test above runs its own server on a file database")
    from signposting.models import OutcomeEvent, Referral

    seeded = seed()  # committed: this test runs outside a transaction
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{quote(database['USER'])}:{quote(database['PASSWORD'])}"
            f"@{database['HOST']}:{database['PORT']}/{database['NAME']}"
        ),
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
    }
    url, server = serve(env)
    try:
        answers = post_at_once(url, seeded)
    finally:
        stop(server)
    events = list(
        OutcomeEvent.objects.filter(referral_id=seeded["referral"]).values_list(
            "id", "kind", "recorded_at"
        )
    )
    referral = Referral.objects.get(pk=seeded["referral"])
    check(answers, events, (referral.state, referral.ever_accepted))
