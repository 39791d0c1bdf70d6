"""Backups that are tested: back up, change or wipe, restore, and the counts are as backed up.
SQLite on a file database made for the test; PostgreSQL into a scratch database made for the
test (the test database itself is never overwritten)."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from signposting.backups import BackupError, backup, restore

ROOT = Path(__file__).resolve().parent.parent
TABLES = ["signposting_team", "auth_user", "signposting_referral", "signposting_outcomeevent",
          "directory_service", "directory_postcode", "knox_authtoken",
          "audit_auditevent"]  # fmt: skip
SQLITE = "django.db.backends.sqlite3"


def sqlite_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        return {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES}  # noqa: S608


@pytest.fixture
def sqlite_database(tmp_path):
    """A migrated SQLite file with a referral, its team, users and tokens; and its env."""
    if connection.vendor != "sqlite":
        pytest.skip("runs in the suite's SQLite pass (it makes its own SQLite database)")
    path = tmp_path / "live.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}",
           "DJANGO_SETTINGS_MODULE": "config.test_settings", "LOG_LEVEL": "WARNING"}  # fmt: skip
    made = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "tests.concurrent_seed"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=300,
    )  # fmt: skip
    seeded = json.loads(made.stdout.strip().splitlines()[-1])
    with sqlite3.connect(path) as db:  # an outcome, as the API would have recorded it
        db.execute(
            "INSERT INTO signposting_outcomeevent (referral_id, stage, kind, service_id, need_id,"
            " reason, note, recorded_by_id, recorded_at, corrects_id, by_migration,"
            " copied_from_id, excluded_reason) SELECT id, 'intake', 'accepted', NULL, NULL, '',"
            " '', referrer_id, created_at, NULL, 0, NULL, '' FROM signposting_referral"
        )
    return path, env, seeded


def manage(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip


def test_sqlite_backup_flush_restore_gives_back_every_record(sqlite_database, tmp_path):
    path, env, _ = sqlite_database
    before = sqlite_counts(path)
    assert before["signposting_outcomeevent"] == 1 and before["directory_postcode"] > 1000
    saved = tmp_path / "backups" / "signpost.sqlite3"
    saved.parent.mkdir()
    done = manage(env, "backup", str(saved))
    assert done.returncode == 0, done.stderr
    assert "Backed up to" in done.stdout
    assert sqlite_counts(saved) == before
    assert manage(env, "flush", "--no-input").returncode == 0
    assert sqlite_counts(path)["signposting_outcomeevent"] == 0
    done = manage(env, "restore", "--no-input", str(saved))
    assert done.returncode == 0, done.stderr
    assert sqlite_counts(path) == before
    # The restored database is whole and still refuses to delete an event.
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute("DELETE FROM signposting_outcomeevent")


def test_sqlite_restore_undoes_changes_made_after_the_backup(sqlite_database, tmp_path):
    path, _, _ = sqlite_database
    settings_dict = {"ENGINE": SQLITE, "NAME": str(path)}
    before = sqlite_counts(path)
    backup(settings_dict, tmp_path / "saved.sqlite3")
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO signposting_team (name) VALUES ('Made after the backup')")
        db.execute("DELETE FROM knox_authtoken")
    assert sqlite_counts(path) != before
    restore(settings_dict, tmp_path / "saved.sqlite3")
    assert sqlite_counts(path) == before


def test_a_missing_or_damaged_sqlite_backup_changes_nothing(sqlite_database, tmp_path):
    path, _, _ = sqlite_database
    settings_dict = {"ENGINE": SQLITE, "NAME": str(path)}
    before = sqlite_counts(path)
    with pytest.raises(BackupError, match="There is no backup at"):
        restore(settings_dict, tmp_path / "nothing-here.sqlite3")
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"not a database at all " * 500)
    with pytest.raises(BackupError, match="is not a readable SQLite database"):
        restore(settings_dict, garbage)
    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(BackupError, match="is not a Signpost database"):
        restore(settings_dict, other)
    # A backup damaged after it was taken: a page of the file overwritten.
    damaged = tmp_path / "damaged.sqlite3"
    backup(settings_dict, damaged)
    data = bytearray(damaged.read_bytes())
    data[8192:16384] = b"\xff" * 8192
    damaged.write_bytes(bytes(data))
    with pytest.raises(BackupError):
        restore(settings_dict, damaged)
    assert sqlite_counts(path) == before


def test_a_backup_needs_an_existing_folder_and_leaves_no_partial_file(sqlite_database, tmp_path):
    path, _, _ = sqlite_database
    with pytest.raises(BackupError, match="does not exist: create it first"):
        backup({"ENGINE": SQLITE, "NAME": str(path)}, tmp_path / "no" / "such.sqlite3")
    assert list(tmp_path.glob("*.partial")) == []


def test_it_says_when_pg_dump_is_not_installed(monkeypatch, tmp_path):
    monkeypatch.setattr("signposting.backups.shutil.which", lambda name: None)
    settings_dict = {"ENGINE": "django.db.backends.postgresql", "NAME": "signpost"}
    with pytest.raises(BackupError, match="pg_dump is not installed"):
        backup(settings_dict, tmp_path / "x.dump")
    assert not (tmp_path / "x.dump").exists()


# --- PostgreSQL -------------------------------------------------------------------------------


@pytest.fixture
def scratch(django_db_blocker):
    """A new, empty PostgreSQL database beside the test database, dropped afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: the suite's PostgreSQL pass runs it")
    import psycopg

    settings_dict = dict(connection.settings_dict)
    name = f"{settings_dict['NAME']}_restore"[:63]
    admin = psycopg.connect(
        host=settings_dict["HOST"], port=settings_dict["PORT"], user=settings_dict["USER"],
        password=settings_dict["PASSWORD"], dbname="postgres", autocommit=True,
    )  # fmt: skip
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {**settings_dict, "NAME": name}
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def pg_counts(settings_dict) -> dict[str, int]:
    import psycopg

    with psycopg.connect(
        host=settings_dict["HOST"], port=settings_dict["PORT"], user=settings_dict["USER"],
        password=settings_dict["PASSWORD"], dbname=settings_dict["NAME"],
    ) as db:  # fmt: skip
        return {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES}  # noqa: S608


@pytest.mark.django_db(transaction=True)
def test_postgresql_backup_restores_into_a_new_database_and_over_changes(scratch, tmp_path):
    from signposting.actions import record_intake_outcome
    from signposting.models import Referral
    from tests.concurrent_seed import seed

    seeded = seed()  # committed (a transactional test), so pg_dump sees it
    referral = Referral.objects.get(pk=seeded["referral"])
    record_intake_outcome(referral=referral, recorded_by=referral.referrer, kind="accepted")
    live = connection.settings_dict
    before = pg_counts(live)
    assert (before["signposting_referral"], before["signposting_outcomeevent"]) == (1, 1)
    saved = backup(live, tmp_path / "signpost.dump")
    restore(scratch, saved)
    assert pg_counts(scratch) == before
    import psycopg

    with psycopg.connect(
        host=scratch["HOST"], port=scratch["PORT"], user=scratch["USER"],
        password=scratch["PASSWORD"], dbname=scratch["NAME"], autocommit=True,
    ) as db:  # fmt: skip
        db.execute("INSERT INTO signposting_team (name) VALUES ('Made after the backup')")
        db.execute("DELETE FROM knox_authtoken")
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            db.execute("DELETE FROM signposting_outcomeevent")  # the trigger came back too
    assert pg_counts(scratch) != before
    restore(scratch, saved)
    assert pg_counts(scratch) == before


@pytest.mark.django_db(transaction=True)
def test_a_missing_or_damaged_postgresql_backup_changes_nothing(scratch, tmp_path):
    live = connection.settings_dict
    saved = backup(live, tmp_path / "signpost.dump")
    restore(scratch, saved)
    before = pg_counts(scratch)
    with pytest.raises(BackupError, match="There is no backup at"):
        restore(scratch, tmp_path / "nothing.dump")
    garbage = tmp_path / "garbage.dump"
    garbage.write_bytes(b"PGDMP but not really" * 100)
    with pytest.raises(BackupError, match="Reading the backup .* failed"):
        restore(scratch, garbage)
    assert pg_counts(scratch) == before
