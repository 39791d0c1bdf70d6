"""Settings for Signpost, read from the environment (see .env.example).

DEBUG is off unless asked for; SECRET_KEY is required whenever DEBUG is off.
"""

import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)
# A development key is only ever used with DEBUG on; production must name its own.
SECRET_KEY = env_str("SECRET_KEY", "insecure-development-key-only-for-debug" if DEBUG else None)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "directory",
    "eligibility",
    "signposting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3") and env_str("SQLITE_IMMEDIATE", ""):
    # Several server processes writing one SQLite file: take the write lock when a
    # transaction begins, so that a reader turned writer never fails with "database is
    # locked", and wait up to 20 s for it (the load test sets SQLITE_IMMEDIATE=true).
    DATABASES["default"].setdefault("OPTIONS", {}).update(transaction_mode="IMMEDIATE", timeout=20)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "search"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# The NHS.UK frontend comes from npm (package.json); `make` installs it into node_modules.
NHSUK_FRONTEND_DIR = BASE_DIR / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk"
STATICFILES_DIRS = [BASE_DIR / "static", ("nhsuk", NHSUK_FRONTEND_DIR)]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Signpost API",
    "DESCRIPTION": "Community asset directory and signposting service for social prescribing.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the sidecar package, so the docs work with no internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Disclosure control (signposting/reports/disclosure.py): what a network lead sees is built from
# counts rounded to multiples of this number, so every small count could be any of this many values.
SIGNPOST_DISCLOSURE_THRESHOLD = env_int("SIGNPOST_DISCLOSURE_THRESHOLD", 5)

# Email (the weekly review digest, docs/review-queue.md). The console backend prints messages
# instead of sending them; production names its SMTP server, e.g.
# EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend with EMAIL_HOST and friends.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "signpost@localhost")
# The site's address for links in emails ("https://signpost.example.nhs.uk"). Empty: emails
# give paths on the site ("/directory/review/") instead of whole links.
SITE_URL = env_str("SITE_URL", "").rstrip("/")
# Spreadsheets uploaded in the browser (directory/spreadsheet_uploads.py) wait here, private to
# the server's user, until they are imported or cancelled, and are removed after a day. Every web
# process must see the same folder (one host, or a shared volume).
SPREADSHEET_UPLOAD_DIR = Path(
    env_str("SPREADSHEET_UPLOAD_DIR", str(Path(tempfile.gettempdir()) / "signpost-imports"))
)
SPREADSHEET_UPLOAD_MAX_BYTES = env_int("SPREADSHEET_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)

# The matching index (signposting/index.py): one file per directory revision, in a folder per
# database under INDEX_DIR, mapped by every process on the host. A new revision's file is built
# by the one process that takes the build lock while all answer from the file they have:
# INDEX_BUILD "process" builds in a child process (its memory goes when it exits), "thread" in
# a thread; "inline" builds before answering (the test suite's choice).
INDEX_DIR = Path(env_str("INDEX_DIR", str(BASE_DIR / "var" / "index")))
INDEX_BUILD = env_str("INDEX_BUILD", "process")
if INDEX_BUILD not in ("process", "thread", "inline"):
    raise ImproperlyConfigured("INDEX_BUILD must be process, thread or inline")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Behind a proxy that terminates TLS and overwrites the header, e.g.
# SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https: requests it marks https count as
# secure (secure cookies, CSRF origin checks). Never set it where clients reach the server
# directly. The load test (benchmarks/loadtest.py) runs plain HTTP on 127.0.0.1 this way.
if env_str("SECURE_PROXY_SSL_HEADER", ""):
    SECURE_PROXY_SSL_HEADER = tuple(env_str("SECURE_PROXY_SSL_HEADER").split(",", 1))

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
