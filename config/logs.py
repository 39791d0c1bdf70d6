"""Logging for Signpost: one JSON object a line, and no full postcode in any line.

A patient's postcode must never be stored or logged (docs/recording.md), yet it reaches log lines
in URLs (/api/v1/postcodes/SW1A%201AA/, ?near=SW1A1AA), in Django's "Not Found: ..." warnings
and in exception messages. RedactPostcodes, installed on every handler (settings.LOGGING and
gunicorn's logconfig_dict both come from logging_config()), keeps the outward code and sector
digit of anything shaped like a full postcode ("SW1A 1**") and drops the rest, before any
formatter sees the record.
"""

import copy
import datetime as dt
import json
import logging
import re
from collections.abc import Mapping

# Anything shaped like a full UK postcode, in any case, with its two halves joined by nothing,
# spaces, "+" or "%20" (URL encodings) and not part of a longer word. A percent-encoded character
# just before it ("%2FSW1A1AA") counts as a boundary. Deliberately loose (any letters in the
# inward code): a false alarm costs a few characters of a log line, a miss leaks a postcode.
_FULL_POSTCODE = re.compile(
    r"(?:(?<=%[0-9A-Fa-f]{2})|(?<![A-Za-z0-9]))"
    r"(?P<outward>[A-Za-z]{1,2}[0-9][A-Za-z0-9]?)"
    r"(?P<separator>[ \t]*|\+|%(?:25)?20)"
    r"(?P<sector>[0-9])[A-Za-z]{2}"
    r"(?![A-Za-z0-9])"
)


def redact_postcodes(text: str) -> str:
    """Return the text with every full postcode cut to its sector: "SW1A 1AA" -> "SW1A 1**"."""
    return _FULL_POSTCODE.sub(r"\g<outward>\g<separator>\g<sector>**", text)


def _redacted(value):
    if isinstance(value, str):
        return redact_postcodes(value)
    if value is None or isinstance(value, int | float):
        return value
    # Anything else is rendered as text by the formatter (a request, an exception): if its text
    # holds a postcode, put the redacted text in its place; otherwise leave it, so that "%d" or
    # "%.2f" still format it.
    text = str(value)
    return redact_postcodes(text) if _FULL_POSTCODE.search(text) else value


class RedactPostcodes(logging.Filter):
    """Cut every full postcode in a record's message, arguments and traceback to its sector."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_postcodes(record.msg)
        else:
            record.msg = _redacted(record.msg)
        if isinstance(record.args, Mapping):
            # gunicorn's access log passes its atoms as one mapping; keep its type, which
            # answers "-" for a missing atom.
            args = copy.copy(record.args)
            for key, value in record.args.items():
                args[key] = _redacted(value)
            record.args = args
        elif record.args:
            record.args = tuple(_redacted(value) for value in record.args)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_postcodes(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_postcodes(record.stack_info)
        return True


# gunicorn's access-log atoms kept as fields of the JSON line, under plain names.
ACCESS_FIELDS = {
    "m": "method",
    "U": "path",
    "q": "query",
    "s": "status",
    "B": "bytes",
    "M": "duration_ms",
    "h": "remote_addr",
    "f": "referer",
    "a": "user_agent",
}


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "pid": record.process,
        }
        if record.name == "gunicorn.access" and isinstance(record.args, Mapping):
            entry["message"] = "request"
            for atom, field in ACCESS_FIELDS.items():
                value = record.args.get(atom)
                if value not in (None, "", "-"):
                    numeric = field == "status" and str(value).isdigit()
                    entry[field] = int(value) if numeric else value
        else:
            entry["message"] = record.getMessage()
        status = getattr(record, "status_code", None)
        if status is not None:
            entry["status"] = status
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, default=str)


FORMATS = ("json", "plain")


def logging_config(*, level: str = "INFO", fmt: str = "json") -> dict:
    """Return the dictConfig for Django and gunicorn alike: every handler redacts postcodes."""
    if fmt not in FORMATS:
        raise ValueError(f"the log format must be one of {', '.join(FORMATS)}; got {fmt!r}")
    redact = {"filters": ["redact_postcodes"]}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact_postcodes": {"()": "config.logs.RedactPostcodes"}},
        "formatters": {
            "json": {"()": "config.logs.JsonFormatter"},
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        },
        "handlers": {
            # Messages to stderr, so that a command's own output (a dump, a backup) on stdout
            # stays clean; gunicorn's access log to stdout, as gunicorn does.
            "console": {
                "class": "logging.StreamHandler",
                "formatter": fmt,
                "stream": "ext://sys.stderr",
                **redact,
            },
            "access": {
                "class": "logging.StreamHandler",
                "formatter": fmt,
                "stream": "ext://sys.stdout",
                **redact,
            },
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's own defaults attach handlers without the filter (a console under DEBUG,
            # mail to admins): replace them, so its records reach the root's handler only.
            "django": {"handlers": [], "level": level, "propagate": True},
            "django.server": {"handlers": [], "level": level, "propagate": True},
            "django.db.backends": {"level": "WARNING"},
            "gunicorn.error": {"handlers": ["console"], "level": level, "propagate": False},
            "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        },
    }
