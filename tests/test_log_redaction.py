"""No full postcode in any log line: the redaction filter, and the logging configuration."""

import io
import json
import logging
import re

import pytest
from django.conf import settings

from config.logs import JsonFormatter, RedactPostcodes, logging_config, redact_postcodes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SW1A 1AA", "SW1A 1**"),
        ("sw1a1aa", "sw1a1**"),
        ("SW1A  1AA", "SW1A  1**"),
        ("SW1A%201AA", "SW1A%201**"),
        ("SW1A+1AA", "SW1A+1**"),
        ("SW1A%25201AA", "SW1A%25201**"),
        ("M1 1AE", "M1 1**"),
        ("m11ae", "m11**"),
        ("EH1 1YZ", "EH1 1**"),
        ("BT1 1AA", "BT1 1**"),
        ("RH10 1AA", "RH10 1**"),
        ("CR0 2XX", "CR0 2**"),
        ("W1A 0AX", "W1A 0**"),
        (
            "GET /api/v1/postcodes/SW1A%201AA/ HTTP/1.1",
            "GET /api/v1/postcodes/SW1A%201**/ HTTP/1.1",
        ),
        ("/services/?near=SM1+1AA&within_km=5", "/services/?near=SM1+1**&within_km=5"),
        ("next=%2Fpostcodes%2FSM11AA%2F", "next=%2Fpostcodes%2FSM11**%2F"),
        ("'KT17 1AA' is not in the ONS data", "'KT17 1**' is not in the ONS data"),
        ("home SM1 1AA, work CR0 2XX", "home SM1 1**, work CR0 2**"),
        ('{"home_postcode": "sm1 1aa"}', '{"home_postcode": "sm1 1**"}'),
    ],
)
def test_it_keeps_only_the_sector_of_a_full_postcode(text, expected):
    assert redact_postcodes(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "SW1A 1",  # a sector is what a referral keeps: not a full postcode
        "SW1A",
        "/api/v1/services/12345/",
        "csrftoken=AB12CDxyz9",  # inside a longer word
        "0f3a9c1e-ab12-4cde-9f00-1234567890ab",
        "2026-12-01 07:30:51 status 200 in 13 ms",
    ],
)
def test_it_leaves_text_without_a_full_postcode_alone(text):
    assert redact_postcodes(text) == text


def record(msg, args=(), exc_info=None, name="signpost.test"):
    return logging.LogRecord(name, logging.WARNING, __file__, 1, msg, args, exc_info)


def test_the_filter_redacts_the_message_and_its_arguments():
    entry = record("Not Found: %s (from %s, %d ms)", ("/api/v1/postcodes/SM1 1AA/", "KT17 1AA", 3))
    assert RedactPostcodes().filter(entry) is True
    assert entry.getMessage() == "Not Found: /api/v1/postcodes/SM1 1**/ (from KT17 1**, 3 ms)"


def test_the_filter_redacts_objects_whose_text_holds_a_postcode():
    class Request:
        def __str__(self):
            return "<WSGIRequest: GET '/postcodes/?postcode=SM1+1AA'>"

    entry = record("%s took %.1f ms", (Request(), 2.5))
    RedactPostcodes().filter(entry)
    assert entry.getMessage() == "<WSGIRequest: GET '/postcodes/?postcode=SM1+1**'> took 2.5 ms"


def test_the_filter_redacts_mapping_arguments_keeping_their_type():
    class Atoms(dict):
        def __getitem__(self, key):
            return super().__getitem__(key) if key in self else "-"

    entry = record('"%(r)s" %(s)s %(x)s', Atoms(r="GET /p/SW1A%201AA/ HTTP/1.1", s="404"))
    RedactPostcodes().filter(entry)
    assert isinstance(entry.args, Atoms)
    assert entry.getMessage() == '"GET /p/SW1A%201**/ HTTP/1.1" 404 -'


def test_the_filter_redacts_tracebacks():
    try:
        raise ValueError("'SM1 1AA' is not in the ONS postcode data loaded here")
    except ValueError:
        import sys

        entry = record("lookup failed", exc_info=sys.exc_info())
    RedactPostcodes().filter(entry)
    output = JsonFormatter().format(entry)
    assert "'SM1 1**' is not in the ONS postcode data" in json.loads(output)["exception"]
    assert "SM1 1AA" not in output


def test_every_handler_in_the_configuration_redacts():
    for config in (settings.LOGGING, logging_config(fmt="plain")):
        assert config["handlers"]
        for name, handler in config["handlers"].items():
            assert "redact_postcodes" in handler.get("filters", []), name
            assert config["filters"]["redact_postcodes"]["()"] == "config.logs.RedactPostcodes"
    # Django's own loggers keep no handlers of their own (theirs would not redact).
    for name in ("django", "django.request", "django.server"):
        assert logging.getLogger(name).handlers == []


def test_the_configuration_refuses_an_unknown_format():
    with pytest.raises(ValueError, match="one of json, plain"):
        logging_config(fmt="xml")


FULL_POSTCODE = re.compile(r"SW1A(\s|%20|\+)*1AA|SM1(\s|%20|\+)*1AA", re.IGNORECASE)


@pytest.fixture
def log_output():
    """The text that the configured root handlers write, as JSON lines."""
    handlers = [h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler)]
    configured = [h for h in handlers if any(isinstance(f, RedactPostcodes) for f in h.filters)]
    assert configured, "settings.LOGGING's handler is not on the root logger"
    buffer = io.StringIO()
    previous = [h.setStream(buffer) for h in configured]
    formatters = [h.formatter for h in configured]
    for h in configured:
        h.setFormatter(JsonFormatter())
    yield buffer
    for h, stream, formatter in zip(configured, previous, formatters, strict=True):
        h.setStream(stream)
        h.setFormatter(formatter)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/postcodes/SW1A%201AA/",
        "/api/v1/postcodes/sw1a1aa/",
        "/api/v1/postcodes/SW1A+1AA/",
        "/api/v1/postcodes/SM1%201AA%20X/",  # malformed, yet holding a full postcode
    ],
)
def test_a_postcode_in_a_requested_url_never_reaches_the_log(client, geography, log_output, path):
    response = client.get(path)
    assert response.status_code in (400, 404)
    lines = [json.loads(line) for line in log_output.getvalue().splitlines()]
    warnings = [line for line in lines if line["logger"] == "django.request"]
    assert warnings, "Django logged no request warning"
    assert "1**" in warnings[0]["message"]
    assert not FULL_POSTCODE.search(log_output.getvalue())


def failing_request(rf):
    """A request carrying postcodes in its path, query, POST data and a header."""
    request = rf.post(
        "/postcodes/SM1%201AA/?near=sw1a1aa",
        {"postcode": "SM1 1AA", "work_postcode": "sw1a 1aa"},
        HTTP_REFERER="http://testserver/services/?near=SM1+1AA",
    )
    try:
        postcode = "sm11aa"  # a local variable, shown in the report's traceback
        raise LookupError(f"'{postcode.upper()}' broke something")
    except LookupError:
        import sys

        return request, sys.exc_info()


def test_the_debug_error_page_shows_no_full_postcode(rf, settings):
    from django.views.debug import technical_500_response

    settings.DEBUG = True
    request, exc_info = failing_request(rf)
    response = technical_500_response(request, *exc_info)
    html = response.content.decode()
    assert "LookupError" in html and "SM11**" in html
    assert not FULL_POSTCODE.search(html)
    request, exc_info = failing_request(rf)
    text = technical_500_response(rf.get("/", HTTP_ACCEPT="text/plain"), *exc_info).content.decode()
    assert "LookupError" in text
    assert not FULL_POSTCODE.search(text)


def test_an_error_email_shows_no_full_postcode(rf, settings, mailoutbox):
    from django.utils.log import AdminEmailHandler

    settings.ADMINS = [("Ops", "ops@example.nhs.uk")]
    settings.DEBUG = False
    handler = AdminEmailHandler(include_html=True)
    handler.addFilter(RedactPostcodes())
    request, exc_info = failing_request(rf)
    entry = record("Internal Server Error: %s", (request.get_full_path(),), exc_info=exc_info)
    entry.request = request
    entry.levelno, entry.levelname = logging.ERROR, "ERROR"
    handler.handle(entry)
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    html = email.alternatives[0][0]
    assert "LookupError" in email.body and "work_postcode" in email.body
    for part in (email.subject, email.body, html):
        assert not FULL_POSTCODE.search(part), part[:2000]
