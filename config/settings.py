"""Settings for Signpost, read from the environment (see .env.example).

DEBUG is off unless asked for; SECRET_KEY is required whenever DEBUG is off, and must be long
and random (config/security.py). Headers and limits: docs/security-headers-and-limits.md.
"""

import tempfile
from pathlib import Path

import dj_database_url

from config.env import env_bool, env_int, env_list, env_str
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
    "config.middleware.RequestBodyLimitMiddleware",
    "config.middleware.NulCharacterMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.PermissionsPolicyMiddleware",
    "config.middleware.NoStoreMiddleware",
    "config.middleware.ApiErrorsAsJsonMiddleware",
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)

# --- Security headers and input limits (docs/security-headers-and-limits.md) ---------------
# Content-Security-Policy (django-csp): scripts, styles, images and fonts from this site only,
# no inline script or style. The one inline script, templates/base.html's line that marks the
# page as having JavaScript before it is drawn, is allowed by its hash (tests/test_security_
# headers.py recomputes it). The NHS.UK frontend's fonts come from assets.nhs.uk; Swagger UI's
# stylesheet draws its icons as data: images.
BASE_TEMPLATE_SCRIPT_HASH = "'sha256-tDOvXJi1PXbg0CWjLCCYSNHRXtps26K4JXkE3M6u/c0='"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", BASE_TEMPLATE_SCRIPT_HASH],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "https://assets.nhs.uk"],
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
