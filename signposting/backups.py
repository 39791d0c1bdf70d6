"""Back up and restore the whole database: SQLite's online backup, or pg_dump / pg_restore.

A backup is written beside its destination and renamed into place only once it is complete
and checked (SQLite: PRAGMA integrity_check on the copy; PostgreSQL: pg_restore --list reads
the archive through), so a failed backup never leaves a half-written file under the real name.
A restore checks the backup first and changes nothing if it is missing or damaged. Passwords
go to pg_dump and pg_restore in PGPASSWORD, never on the command line. docs/operations.md.
"""

import logging
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

log = logging.getLogger(__name__)


class BackupError(Exception):
    """A backup or restore that could not be done, with what to do about it."""


def backup(settings_dict: dict, path: Path) -> Path:
    """Write a checked backup of the database these connection settings name to `path`."""
    path = Path(path)
    if not path.parent.is_dir():
        raise BackupError(f"The folder {path.parent} does not exist: create it first.")
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if _is_sqlite(settings_dict):
            _sqlite_backup(_sqlite_file(settings_dict), partial)
        else:
            _pg_dump(settings_dict, partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    log.info("backup written path=%s bytes=%s", path, path.stat().st_size)
    return path


def restore(settings_dict: dict, path: Path) -> None:
    """Replace the database's contents with the backup at `path`, once it has been checked."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"There is no backup at {path}.")
    if _is_sqlite(settings_dict):
        _sqlite_restore(path, _sqlite_file(settings_dict))
    else:
        _pg_restore(settings_dict, path)
    log.info("backup restored path=%s", path)


# --- SQLite -----------------------------------------------------------------------------------


def _is_sqlite(settings_dict) -> bool:
    return settings_dict["ENGINE"] == "django.db.backends.sqlite3"


def _sqlite_file(settings_dict) -> Path:
    name = str(settings_dict["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        raise BackupError("An in-memory database cannot be backed up or restored.")
    return Path(name)


def _integrity(db: sqlite3.Connection, what: str) -> None:
    try:
        result = [row[0] for row in db.execute("PRAGMA integrity_check")]
        tables = db.execute(
            "SELECT COUNT(*) FROM sqlite_master WHERE name = 'django_migrations'"
        ).fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{what} is not a readable SQLite database ({exc}).") from None
    if result != ["ok"]:
        raise BackupError(f"{what} failed its integrity check: {'; '.join(result[:5])}")
    if not tables:
        raise BackupError(f"{what} is not a Signpost database (it has no django_migrations).")


def _sqlite_backup(source_file: Path, target: Path) -> None:
    # The online backup API copies a consistent snapshot while others keep reading and writing.
    source = sqlite3.connect(f"file:{source_file}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        _integrity(copy, f"The copy of {source_file}")
    finally:
        copy.close()
        source.close()


def _sqlite_restore(backup_file: Path, live_file: Path) -> None:
    saved = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    try:
        _integrity(saved, f"The backup {backup_file}")
        # The backup API again, the other way: it writes the live database under its own lock
        # (other connections wait, then see the restored pages), never a half-copied file.
        live = sqlite3.connect(live_file, timeout=60)
        try:
            saved.backup(live)
            _integrity(live, f"The restored database {live_file}")
        finally:
            live.close()
    finally:
        saved.close()


# --- PostgreSQL -------------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed: install PostgreSQL's client tools (Debian: "
            "postgresql-client), of the server's version or newer."
        )
    return found


def _pg_env(settings_dict) -> tuple[list[str], dict]:
    """Connection arguments (no password) and the environment carrying the password."""
    arguments = []
    if settings_dict.get("HOST"):
        arguments += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        arguments += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        arguments += ["--username", str(settings_dict["USER"])]
    env = {**os.environ, "PGCONNECT_TIMEOUT": "20"}
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return arguments, env


def _run(command: list[str], env: dict, what: str) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{what} failed: {done.stderr.strip() or done.stdout.strip()}")


def _pg_check(path: Path, env: dict) -> None:
    _run([_pg_tool("pg_restore"), "--list", str(path)], env, f"Reading the backup {path}")


def _pg_dump(settings_dict, target: Path) -> None:
    arguments, env = _pg_env(settings_dict)
    _run(
        [_pg_tool("pg_dump"), "--format=custom", "--no-owner", *arguments,
         "--file", str(target), str(settings_dict["NAME"])],
        env, "pg_dump",
    )  # fmt: skip
    _pg_check(target, env)


def _pg_restore(settings_dict, path: Path) -> None:
    arguments, env = _pg_env(settings_dict)
    _pg_check(path, env)
    # One transaction: a restore that fails part-way leaves the database as it was.
    _run(
        [_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
         "--exit-on-error", *arguments, "--dbname", str(settings_dict["NAME"]), str(path)],
        env, "pg_restore",
    )  # fmt: skip
