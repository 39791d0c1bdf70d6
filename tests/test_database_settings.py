"""The database settings: SQLite waits for the write lock instead of failing, PostgreSQL is
left as dj-database-url makes it (it locks rows: select_for_update)."""

import importlib.util

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from config import settings as real_settings

SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
}


def settings_with(monkeypatch, **env):
    """Read config/settings.py afresh with these environment variables."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("settings_under_test", real_settings.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sqlite_takes_the_write_lock_at_once_and_waits_for_it(monkeypatch, tmp_path):
    monkeypatch.delenv("SQLITE_BUSY_TIMEOUT", raising=False)
    loaded = settings_with(monkeypatch, DATABASE_URL=f"sqlite:///{tmp_path / 'a.sqlite3'}")
    assert loaded.DATABASES["default"]["OPTIONS"] == SQLITE_OPTIONS


def test_the_busy_timeout_can_be_set_and_must_be_a_number(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    loaded = settings_with(monkeypatch, DATABASE_URL=url, SQLITE_BUSY_TIMEOUT="45")
    assert loaded.DATABASES["default"]["OPTIONS"]["timeout"] == 45
    with pytest.raises(ImproperlyConfigured, match="SQLITE_BUSY_TIMEOUT must be a whole number"):
        settings_with(monkeypatch, DATABASE_URL=url, SQLITE_BUSY_TIMEOUT="soon")


def test_postgresql_gets_no_sqlite_options(monkeypatch):
    loaded = settings_with(monkeypatch, DATABASE_URL="postgres://u:p@db.example:5432/signpost")
    database = loaded.DATABASES["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert not set(database.get("OPTIONS", {})) & set(SQLITE_OPTIONS)


def test_the_running_connection_uses_them(db):
    if connection.vendor == "sqlite":
        assert connection.transaction_mode == "IMMEDIATE"
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA busy_timeout")
            seconds = connection.settings_dict["OPTIONS"]["timeout"]
            assert cursor.fetchone()[0] == seconds * 1000
    else:
        assert "transaction_mode" not in connection.settings_dict.get("OPTIONS", {})
