"""WSGI entry point for Signpost."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

# Import every view now, and with them what they import (pandas for the reports, numpy for
# matching; about 75 MiB): Django would otherwise import them at each process's first request.
# Under gunicorn's preload_app (gunicorn.conf.py) this runs once, before the workers fork, so
# those pages are shared by every worker instead of copied into each one. No query is made.
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018 (loading the URLconf is the point)
