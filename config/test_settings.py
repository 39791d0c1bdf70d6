"""Settings for the test suite: the real settings with test-only secrets filled in."""

import os

os.environ.setdefault(
    "SECRET_KEY", "test-only-secret-key-not-for-production-6f1c9a2e7b4d8035e1a7c4b9d2f0"
)
os.environ.setdefault("SECURE_COOKIES", "false")
# The test client and the browser tests' live server speak plain HTTP; the redirect and HSTS
# are tested with secure requests and override_settings (tests/test_security_headers.py).
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
# Playwright's sync API runs an event loop in the test thread; the Django ORM calls made by
# the same tests are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from config.settings import *  # noqa: E402, F403

ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Each test run builds its index files in its own temporary folder (tests/conftest.py sets
# INDEX_DIR per session), synchronously, so that an edit is matched by the next request.
INDEX_BUILD = "inline"
