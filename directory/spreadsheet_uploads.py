"""Spreadsheets uploaded in the browser, waiting to be previewed and imported.

An upload is streamed straight to a private file (mode 600, in a folder of mode 700) with a
random name under settings.SPREADSHEET_UPLOAD_DIR; it is never held whole in memory. The
person's session maps a random token to that file, its original name and the chosen source,
so a page only ever reaches a file through a token its own session holds: no path comes from
a form or a URL. A file is deleted when it is imported or cancelled, and any file older than a
day is swept away the next time someone uploads.
"""

import datetime as dt
import logging
import os
import secrets
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile

log = logging.getLogger(__name__)

SESSION_KEY = "spreadsheet_uploads"
SUFFIXES = (".csv", ".xlsx")
MAX_AGE = dt.timedelta(days=1)
# A session keeps this many uploads waiting at most; an older one is discarded.
MAX_PENDING = 5


@dataclass(frozen=True)
class PendingUpload:
    """An upload waiting in this session: its token, file on disk, original name and source."""

    token: str
    path: Path
    original_name: str
    source_name: str


def upload_dir() -> Path:
    """Return the private folder uploads wait in, making it if need be."""
    folder = Path(settings.SPREADSHEET_UPLOAD_DIR)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def size_limit_text() -> str:
    """The upload limit in words, e.g. "10 MB"."""
    limit = settings.SPREADSHEET_UPLOAD_MAX_BYTES
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):g} MB"
    return f"{limit / 1024:g} KB"


class StoredSpreadsheet(UploadedFile):
    """An uploaded spreadsheet already written to its private file."""

    def __init__(self, file, path: Path, name: str, size: int, content_type, charset):
        super().__init__(file, name, content_type, size, charset)
        self.path = path

    def temporary_file_path(self) -> str:
        return str(self.path)


class SpreadsheetUploadHandler(FileUploadHandler):
    """Stream the form's spreadsheet to a private file, refusing other types and big files.

    A refused file is skipped (nothing is kept) and `problem` says why, for the form to show.
    """

    field_name = "file"

    def __init__(self, request=None):
        super().__init__(request)
        self.problem: str | None = None
        self.written: list[Path] = []
        self.kept: Path | None = None

    def new_file(self, field_name, file_name, *args, **kwargs):
        super().new_file(field_name, file_name, *args, **kwargs)
        suffix = Path(file_name).suffix.lower()
        if field_name != self.field_name:
            raise SkipFile
        if suffix not in SUFFIXES:
            self.problem = f"{file_name} is not a spreadsheet: choose a .csv or .xlsx file"
            raise SkipFile
        descriptor, name = tempfile.mkstemp(prefix="upload-", suffix=suffix, dir=upload_dir())
        self.path = Path(name)
        self.written.append(self.path)
        self.file = os.fdopen(descriptor, "wb")
        self.size = 0

    def receive_data_chunk(self, raw_data, start):
        self.size += len(raw_data)
        if self.size > settings.SPREADSHEET_UPLOAD_MAX_BYTES:
            self.problem = (
                f"{self.file_name} is larger than {size_limit_text()}, the largest file that "
                "can be uploaded: split it into smaller files"
            )
            self.file.close()
            self.path.unlink(missing_ok=True)
            raise SkipFile
        self.file.write(raw_data)
        return None

    def file_complete(self, file_size):
        self.file.flush()
        return StoredSpreadsheet(
            self.file, self.path, self.file_name, file_size, self.content_type, self.charset
        )

    def keep(self, path: Path) -> None:
        """Say that this file waits for its preview: discard_unkept leaves it."""
        self.kept = path

    def discard_unkept(self) -> None:
        """Delete every file this request wrote but did not keep (refused, or one too many)."""
        for path in self.written:
            if path != self.kept:
                path.unlink(missing_ok=True)


def remember(session, stored: StoredSpreadsheet, source_name: str) -> PendingUpload:
    """Keep a stored upload in the session under a new random token."""
    stored.close()
    token = secrets.token_urlsafe(24)
    uploads = dict(session.get(SESSION_KEY, {}))
    uploads[token] = {
        "file": stored.path.name,
        "name": stored.name,
        "source": source_name,
        "at": time.time(),
    }
    while len(uploads) > MAX_PENDING:
        oldest = min(uploads, key=lambda key: uploads[key]["at"])
        _delete(uploads.pop(oldest)["file"])
    session[SESSION_KEY] = uploads
    log.info("spreadsheet upload %s waiting (%s bytes)", stored.path.name, stored.size)
    return _pending(token, uploads[token])


def pending(session, token: str) -> PendingUpload | None:
    """The upload this session keeps under `token`, if its file is still there."""
    entry = session.get(SESSION_KEY, {}).get(token)
    if entry is None:
        return None
    upload = _pending(token, entry)
    if not upload.path.is_file():
        forget(session, token)
        return None
    return upload


def forget(session, token: str) -> None:
    """Delete an upload's file and drop it from the session."""
    uploads = dict(session.get(SESSION_KEY, {}))
    entry = uploads.pop(token, None)
    if entry is not None:
        _delete(entry["file"])
        session[SESSION_KEY] = uploads


def sweep(max_age: dt.timedelta = MAX_AGE) -> int:
    """Delete uploads older than `max_age` (abandoned previews); return how many."""
    cutoff = time.time() - max_age.total_seconds()
    removed = 0
    for path in upload_dir().glob("upload-*"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue  # another process swept it first
    if removed:
        log.info("removed %s spreadsheet upload(s) older than %s", removed, max_age)
    return removed


def _pending(token: str, entry: dict) -> PendingUpload:
    return PendingUpload(
        token=token,
        path=_path(entry["file"]),
        original_name=entry["name"],
        source_name=entry["source"],
    )


def _path(file_name: str) -> Path:
    # The name comes from the session, which only this server writes; refuse anything but a
    # plain name in the folder all the same.
    if Path(file_name).name != file_name or not file_name.startswith("upload-"):
        raise ValueError(f"not an upload's file name: {file_name!r}")
    return upload_dir() / file_name


def _delete(file_name: str) -> None:
    try:
        _path(file_name).unlink(missing_ok=True)
    except ValueError:
        log.warning("refused to delete %r: not an upload", file_name)
