"""GOV.UK Notify's settings, read from the environment and checked at start-up (docs/notify.md).

All empty means sending is not set up: the shortlist page says so and offers print. A value
that is given but malformed stops start-up, naming the variable.
"""

import re

from django.core.exceptions import ImproperlyConfigured

from config.env import env_str

NOTIFY_API_URL = "https://api.notifications.service.gov.uk"
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# A Notify API key is "{key name}-{service id}-{secret}", both ids UUIDs.
_API_KEY = re.compile(rf".+-{_UUID}-{_UUID}", re.IGNORECASE)
_TEMPLATE_ID = re.compile(rf"{_UUID}", re.IGNORECASE)


def notify_settings() -> dict[str, str]:
    """Return NOTIFY_API_KEY, NOTIFY_SMS_TEMPLATE_ID, NOTIFY_EMAIL_TEMPLATE_ID, NOTIFY_BASE_URL."""
    values = {
        "NOTIFY_API_KEY": env_str("NOTIFY_API_KEY", "").strip(),
        "NOTIFY_SMS_TEMPLATE_ID": env_str("NOTIFY_SMS_TEMPLATE_ID", "").strip(),
        "NOTIFY_EMAIL_TEMPLATE_ID": env_str("NOTIFY_EMAIL_TEMPLATE_ID", "").strip(),
        "NOTIFY_BASE_URL": env_str("NOTIFY_BASE_URL", NOTIFY_API_URL).strip().rstrip("/"),
    }
    if values["NOTIFY_API_KEY"] and not _API_KEY.fullmatch(values["NOTIFY_API_KEY"]):
        # The key itself is never echoed: it is a secret.
        raise ImproperlyConfigured(
            "NOTIFY_API_KEY is not a GOV.UK Notify API key (key name, service id and secret, "
            "joined by hyphens): copy the whole key from Notify's API integration page"
        )
    for name in ("NOTIFY_SMS_TEMPLATE_ID", "NOTIFY_EMAIL_TEMPLATE_ID"):
        if values[name] and not _TEMPLATE_ID.fullmatch(values[name]):
            raise ImproperlyConfigured(
                f"{name} must be a template id (a UUID); got {values[name]!r}"
            )
    if not re.match(r"https?://[^/\s]+", values["NOTIFY_BASE_URL"]):
        raise ImproperlyConfigured(
            f"NOTIFY_BASE_URL must be an http(s) address; got {values['NOTIFY_BASE_URL']!r}"
        )
    return values
