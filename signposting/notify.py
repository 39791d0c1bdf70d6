"""Send a text message or an email through GOV.UK Notify, with its official client.

The recipient's number or address goes to Notify and nowhere else: not the database, the
session, a message shown later, or a log line. Notify keeps each message for its service's data
retention period (docs/notify.md). Every failure becomes a NotifyError in plain words.
"""

import logging

import requests
from django.conf import settings
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

log = logging.getLogger(__name__)

SMS = "sms"
EMAIL = "email"
CHANNEL_WORDS = {SMS: "text message", EMAIL: "email"}
TIMEOUT_SECONDS = 15


class NotifyError(Exception):
    """Nothing was sent; the message says why in plain words."""


def template_id(channel: str) -> str:
    return {SMS: settings.NOTIFY_SMS_TEMPLATE_ID, EMAIL: settings.NOTIFY_EMAIL_TEMPLATE_ID}[channel]


def available(channel: str) -> bool:
    """Whether Signpost is set up to send by this channel: a key and the channel's template."""
    return bool(settings.NOTIFY_API_KEY and template_id(channel))


def send(channel: str, recipient: str, *, subject: str, body: str) -> str:
    """Send the message; return Notify's id for it. The template shows ((subject)) and ((body))."""
    if not available(channel):
        raise NotifyError(f"Sending by {CHANNEL_WORDS[channel]} is not set up on this Signpost.")
    client = NotificationsAPIClient(
        settings.NOTIFY_API_KEY, base_url=settings.NOTIFY_BASE_URL, timeout=TIMEOUT_SECONDS
    )
    personalisation = {"subject": subject, "body": body}
    try:
        if channel == SMS:
            answer = client.send_sms_notification(
                phone_number=recipient, template_id=template_id(channel),
                personalisation=personalisation,
            )  # fmt: skip
        else:
            answer = client.send_email_notification(
                email_address=recipient, template_id=template_id(channel),
                personalisation=personalisation,
            )  # fmt: skip
    except APIError as error:
        status = error.status_code if error.response is not None else None
        log.warning("notify refused channel=%s status=%s", channel, status or "unreachable")
        raise NotifyError(_explain(error, channel)) from None
    except requests.RequestException:
        log.warning("notify failed channel=%s status=unreachable", channel)
        raise NotifyError(_unreachable()) from None
    notification_id = str((answer or {}).get("id", ""))
    log.info("notify sent channel=%s notification=%s", channel, notification_id)
    return notification_id


def _unreachable() -> str:
    return "GOV.UK Notify could not be reached, so nothing was sent. Try again in a few minutes."


def _notify_words(error: APIError) -> str:
    """Notify's own reasons ("Not a UK mobile number"), which name no recipient."""
    try:
        errors = error.response.json().get("errors") or []
    except (ValueError, AttributeError):
        return ""
    return "; ".join(str(e.get("message", "")) for e in errors if isinstance(e, dict)).strip()


def _explain(error: APIError, channel: str) -> str:
    if error.response is None:
        return _unreachable()
    status = error.status_code
    words = _notify_words(error)
    what = CHANNEL_WORDS[channel]
    if status == 400:
        reason = f": {words}" if words else ""
        return f"GOV.UK Notify did not accept the {what}{reason}. Nothing was sent."
    if status == 403:
        return (
            "GOV.UK Notify refused Signpost's API key, so nothing was sent. Ask an administrator "
            "to check NOTIFY_API_KEY."
        )
    if status == 429:
        return "GOV.UK Notify is receiving too many messages. Nothing was sent: try again shortly."
    return (
        f"GOV.UK Notify had a problem ({status}), so nothing was sent. Try again in a few "
        "minutes, or print the list."
    )
