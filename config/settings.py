"""Settings for Signpost, read from the environment (see .env.example).

DEBUG is off unless asked for; SECRET_KEY is required whenever DEBUG is off, and must be long
and random (config/security.py). Headers and limits: docs/security-headers-and-limits.md.
"""

import datetime as dt
import hashlib
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str
from config.logs import FORMATS, logging_config
from config.notify import notify_settings
from config.security import proxy_ssl_header, require_strong_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)
# A development key is only ever used with DEBUG on; production must name its own.
SECRET_KEY = env_str("SECRET_KEY", "insecure-development-key-only-for-debug" if DEBUG else None)
if not DEBUG:
    # An example, short or repetitive key stops start-up, naming what is wrong with it.
    require_strong_secret_key(SECRET_KEY)
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
    "knox",
    "axes",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "directory",
    "eligibility",
    "audit",
    "accounts",
    "signposting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.RequestBodyLimitMiddleware",
    "config.middleware.NulCharacterMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.PermissionsPolicyMiddleware",
    "config.middleware.NoStoreMiddleware",
    "config.middleware.ApiErrorsAsJsonMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.sessions.RenewSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.access.LoginRequired",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.sessions.SessionLimitMiddleware",
    "signposting.last_search.ForgetExpiredSearch",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a locked-out sign-in into its answer (accounts.lockout).
    "axes.middleware.AxesMiddleware",
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
        # A kept connection is checked before a request uses it (one broken by a database
        # restart is replaced, not failed on).
        conn_health_checks=env_int("CONN_MAX_AGE", 0) > 0,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite has one writer at a time and select_for_update does nothing there. Each write
    # transaction takes the write lock when it begins (IMMEDIATE), so it never fails half-way
    # on an upgrade from a read lock; a writer that finds the lock taken waits up to the busy
    # timeout instead of failing with "database is locked"; WAL lets pages be read meanwhile.
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("SQLITE_BUSY_TIMEOUT", 20),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in (docs/security.md): django-axes first, so a locked-out account and address is refused
# before any password is checked; then Django's users, refusing demo users with DEBUG off.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.SignpostBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
# An account is locked from the address that failed, so nobody can lock a colleague out from
# elsewhere. Behind a proxy, REMOTE_ADDR must be the client's (set by the proxy or server).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The lock lasts 15 minutes from the failure that set it; trying again meanwhile does not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are in the audit log
# Demo users (published password) are refused whenever DEBUG is off. `make serve` on the demo
# database may allow them; the start-up check then warns, which fails `check --deploy
# --fail-level WARNING` (docs/deploy.md), so production cannot run so by accident.
DEMO_USERS_ALLOWED = env_bool("DEMO_USERS_ALLOWED", False)
# Sessions end after 30 minutes without a request, and 12 hours after sign-in in any case.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)
# Renewed by a request at most once a minute (accounts.sessions.RenewSessionMiddleware), not
# written on every request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60)
# The audit log (audit/) is kept this long; `manage.py prune_audit_log` deletes older rows.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 730)
LOGIN_URL = "login"
# "/" sends a signed-in user to where their work starts (signposting.roles.start_page).
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# The NHS.UK frontend comes from npm (package.json); `make` installs it into node_modules, and
# `npm ci` builds its stylesheet, without the fonts from assets.nhs.uk, into build/static/
# (frontend/nhsuk.scss).
NHSUK_FRONTEND_DIR = BASE_DIR / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk"
# The GP practice type-ahead on the search page (progressive enhancement), also from npm.
AUTOCOMPLETE_DIR = BASE_DIR / "node_modules" / "accessible-autocomplete" / "dist"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    BASE_DIR / "build" / "static",
    ("nhsuk", NHSUK_FRONTEND_DIR),
    ("accessible-autocomplete", AUTOCOMPLETE_DIR),
]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "accounts.authentication.AuditedTokenAuthentication",
    ],
    # Deny by default: an endpoint open to anonymous readers says so itself (config/access.py).
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
# API tokens (accounts/tokens.py): stored as hashes, expiring after API_TOKEN_DAYS.
REST_KNOX = {
    "TOKEN_TTL": dt.timedelta(days=env_int("API_TOKEN_DAYS", 30)),
    "AUTO_REFRESH": False,
    "TOKEN_PREFIX": "signpost_",
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
# GOV.UK Notify sends a patient's shortlist by text message or email (docs/notify.md): the API
# key, a template per channel, and Notify's address (a local test server in the tests). Empty:
# sending is not set up, and the shortlist offers print only. The client's own warnings are
# left out of the logs: Signpost logs its own line, with no recipient in it.
_notify = notify_settings()
NOTIFY_API_KEY = _notify["NOTIFY_API_KEY"]
NOTIFY_SMS_TEMPLATE_ID = _notify["NOTIFY_SMS_TEMPLATE_ID"]
NOTIFY_EMAIL_TEMPLATE_ID = _notify["NOTIFY_EMAIL_TEMPLATE_ID"]
NOTIFY_BASE_URL = _notify["NOTIFY_BASE_URL"]
# Spreadsheets uploaded in the browser (directory/spreadsheet_uploads.py) wait here, private to
# the server's user, until they are imported or cancelled, and are removed after a day. Every web
# process must see the same folder (one host, or a shared volume).
SPREADSHEET_UPLOAD_DIR = Path(
    env_str("SPREADSHEET_UPLOAD_DIR", str(Path(tempfile.gettempdir()) / "signpost-imports"))
)
SPREADSHEET_UPLOAD_MAX_BYTES = env_int("SPREADSHEET_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)

# The reports page's reports are worked out at most this often for a scope (seconds; 0: on
# every request). signposting/dashboard.py.
REPORTS_PAGE_SECONDS = env_int("REPORTS_PAGE_SECONDS", 60)
# Django's cache (the reports page's figures): files under CACHE_DIR, so that every process on
# the host shares what one worked out, in a folder per database (two databases on one host
# never share an entry).
_DB = DATABASES["default"]
_DB_IDENTITY = f"{_DB['ENGINE']}|{_DB.get('HOST') or ''}|{_DB.get('PORT') or ''}|{_DB['NAME']}"
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(
            Path(env_str("CACHE_DIR", str(BASE_DIR / "var" / "cache")))
            / hashlib.sha256(_DB_IDENTITY.encode()).hexdigest()[:16]
        ),
    }
}

# The matching index (signposting/index.py): one file per directory revision, in a folder per
# database under INDEX_DIR, mapped by every process on the host. A new revision's file is built
# by the one process that takes the build lock while all answer from the file they have:
# INDEX_BUILD "process" builds in a child process (its memory goes when it exits), "thread" in
# a thread; "inline" builds before answering (the test suite's choice).
INDEX_DIR = Path(env_str("INDEX_DIR", str(BASE_DIR / "var" / "index")))
INDEX_BUILD = env_str("INDEX_BUILD", "process")
if INDEX_BUILD not in ("process", "thread", "inline"):
    raise ImproperlyConfigured("INDEX_BUILD must be process, thread or inline")
# The background build's child process runs at idle priority (Linux's SCHED_IDLE, else
# niceness 19): requests come first and the build takes the CPU they leave, so its file comes a
# little later on a busy host. false: the same priority as the server.
INDEX_BUILD_IDLE = env_bool("INDEX_BUILD_IDLE", True)

# One JSON object a line in production (plain text under DEBUG), every handler cutting full
# postcodes to their sector (config/logs.py). gunicorn.conf.py uses the same configuration.
LOG_FORMAT = env_str("LOG_FORMAT", "plain" if DEBUG else "json")
if LOG_FORMAT not in FORMATS:
    raise ImproperlyConfigured(
        f"LOG_FORMAT must be one of {', '.join(FORMATS)}; got {LOG_FORMAT!r}"
    )
LOGGING = logging_config(level=env_str("LOG_LEVEL", "INFO"), fmt=LOG_FORMAT)
# Error reports (the DEBUG 500 page; error emails, should a mail handler be added to LOGGING with
# the redact_postcodes filter) cut full postcodes to their sector too (config/error_reports.py).
DEFAULT_EXCEPTION_REPORTER = "config.error_reports.RedactingExceptionReporter"
# axes: failures and lockouts are warnings; its start-up and progress lines are not kept.
LOGGING["loggers"]["axes"] = {"level": "WARNING"}
LOGGING["loggers"]["notifications_python_client"] = {"level": "ERROR"}

# Static files: `manage.py collectstatic` (a release step, docs/deploy.md) gathers them into
# STATIC_ROOT with hashed names and compressed copies; WhiteNoise serves them from there.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)

# --- Security headers and input limits (docs/security-headers-and-limits.md) ---------------
# Content-Security-Policy (django-csp): scripts, styles, images and fonts from this site only,
# no inline script or style. The one inline script, templates/base.html's line that marks the
# page as having JavaScript before it is drawn, is allowed by its hash (tests/test_security_
# headers.py recomputes it). Fonts too come from this site only: pages use the NHS.UK fallback
# font, Arial, since nhsuk-frontend does not ship Frutiger (frontend/nhsuk.scss), so no page asks
# another host for anything. Swagger UI's stylesheet draws its icons as data: images.
BASE_TEMPLATE_SCRIPT_HASH = "'sha256-tDOvXJi1PXbg0CWjLCCYSNHRXtps26K4JXkE3M6u/c0='"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", BASE_TEMPLATE_SCRIPT_HASH],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Browser features no page uses, switched off (config/middleware.py).
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer", "camera", "geolocation", "gyroscope", "magnetometer",
        "microphone", "payment", "usb",
    )
}  # fmt: skip
# Cache-Control: no-store on everything about referrals and patients (config/middleware.py).
NO_STORE_PATH_PREFIXES = [
    "/referrals/",
    "/reports/",
    "/search/",
    "/team/",
    "/admin/",
    "/api/v1/referrals/",
    "/api/v1/reports/",
    "/api/v1/match/",
]
# HTTPS: with DEBUG off every plain-HTTP request is redirected and browsers are told to use
# HTTPS only (HSTS, a year by default). Behind a proxy that ends TLS, name the header it sets:
# SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto: https" (only if the proxy always sets or strips it).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_PROXY_SSL_HEADER = proxy_ssl_header(env_str("SECURE_PROXY_SSL_HEADER", ""))
# The same, said as BEHIND_HTTPS_PROXY=true (docs/deploy.md): the proxy sets X-Forwarded-Proto.
if SECURE_PROXY_SSL_HEADER is None and env_bool("BEHIND_HTTPS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The health check stays answerable over plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Request bodies: at most 1 MB (413 before anything parses it), except the spreadsheet upload,
# which streams to disk under SPREADSHEET_UPLOAD_MAX_BYTES. JSON nested deeper than
# API_MAX_JSON_DEPTH is a 400 (config/parsers.py).
REQUEST_BODY_MAX_BYTES = env_int("REQUEST_BODY_MAX_BYTES", 1024 * 1024)
REQUEST_BODY_LIMIT_EXEMPT = ["/directory/import/"]  # exact paths: the upload form only
API_MAX_JSON_DEPTH = env_int("API_MAX_JSON_DEPTH", 20)
REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] = [
    "config.parsers.LimitedJSONParser",
    "rest_framework.parsers.FormParser",
    "rest_framework.parsers.MultiPartParser",
]
# Every API operation documents its error answers (config/schema.py), so a client can rely on
# the schema for them too, and which operations need no credentials.
REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] = "config.schema.AutoSchema"
SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"] = [
    "drf_spectacular.hooks.postprocess_schema_enums",
    "config.schema.document_errors",
]
