"""Checks on security settings read from the environment (docs/security-headers-and-limits.md).

Plain functions, called by config/settings.py at start-up, so a production server never starts
with a guessable SECRET_KEY or a proxy header it cannot use.
"""

from django.core.exceptions import ImproperlyConfigured

# Example and development values that must never sign a production session.
KNOWN_KEYS = frozenset(
    {
        "change-me",
        "changeme",
        "secret",
        "insecure-development-key-only-for-debug",
    }
)
MIN_KEY_LENGTH = 50
MIN_DISTINCT_CHARACTERS = 10
KEY_ADVICE = 'Generate one with: python -c "import secrets; print(secrets.token_urlsafe(50))"'


def secret_key_problem(key: str) -> str | None:
    """Why key is too weak to run in production, or None if it will do."""
    if key.strip().lower() in KNOWN_KEYS:
        return "SECRET_KEY is an example or development value (such as .env.example's 'change-me')"
    if key.startswith("django-insecure-"):
        return "SECRET_KEY is one of Django's 'django-insecure-' development keys"
    if len(key) < MIN_KEY_LENGTH:
        return f"SECRET_KEY has {len(key)} characters; it needs at least {MIN_KEY_LENGTH}"
    distinct = len(set(key))
    if distinct < MIN_DISTINCT_CHARACTERS:
        return (
            f"SECRET_KEY uses only {distinct} different characters; it needs at least "
            f"{MIN_DISTINCT_CHARACTERS}"
        )
    return None


def require_strong_secret_key(key: str) -> str:
    """Return key, or stop start-up saying what is wrong with it and how to make a good one."""
    problem = secret_key_problem(key)
    if problem:
        raise ImproperlyConfigured(
            f"{problem}. With DEBUG off Signpost needs a long random key. {KEY_ADVICE}"
        )
    return key


def proxy_ssl_header(raw: str) -> tuple[str, str] | None:
    """SECURE_PROXY_SSL_HEADER from "X-Forwarded-Proto: https" (or "HTTP_X_FORWARDED_PROTO,https").

    The header a trusted proxy sets to say the original request was HTTPS; only set it when a
    proxy in front of Signpost always sets (or strips) that header."""
    raw = raw.strip()
    if not raw:
        return None
    for separator in (":", ","):
        if separator in raw:
            name, value = (part.strip() for part in raw.split(separator, 1))
            break
    else:
        name, value = raw, ""
    if not name or not value:
        raise ImproperlyConfigured(
            "SECURE_PROXY_SSL_HEADER must name a header and its HTTPS value, such as "
            f"'X-Forwarded-Proto: https'; got {raw!r}"
        )
    meta = name.upper().replace("-", "_")
    if not meta.startswith("HTTP_"):
        meta = "HTTP_" + meta
    return meta, value
