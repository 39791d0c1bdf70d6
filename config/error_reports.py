"""Django's error reports without a full postcode: the DEBUG 500 page and error emails.

An error report shows the request (its path, query string, POST data, headers) and every local
variable of the traceback, any of which may hold a patient's postcode. Django builds both the
technical 500 page and AdminEmailHandler's emails with settings.DEFAULT_EXCEPTION_REPORTER, so
this reporter cuts every full postcode in them to its sector, as config/logs.py does for logs.
"""

from django.views.debug import ExceptionReporter

from config.logs import redact_postcodes


class RedactingExceptionReporter(ExceptionReporter):
    """Django's exception reporter, with every full postcode cut to its sector."""

    def get_traceback_html(self) -> str:
        return redact_postcodes(str(super().get_traceback_html()))

    def get_traceback_text(self) -> str:
        return redact_postcodes(str(super().get_traceback_text()))
