"""The audit log: who did what, to which referral, and every sign-in event. Append-only."""

from django.db import models
from django.utils import timezone


class Action(models.TextChoices):
    SIGNED_IN = "signed_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    LOCKED_OUT = "locked_out", "Locked out"
    SIGNED_OUT = "signed_out", "Signed out"
    SESSION_ENDED = "session_ended", "Session ended (12 hours)"
    PASSWORD_CHANGED = "password_changed", "Password changed"
    TOKEN_CREATED = "token_created", "API token created"
    TOKEN_USED = "token_used", "API token used"
    TOKEN_REFUSED = "token_refused", "API token refused"
    TOKEN_REVOKED = "token_revoked", "API token revoked"
    SEARCHED = "searched", "Searched for services"
    REFERRALS_LISTED = "referrals_listed", "Listed referrals"
    REFERRALS_EXPORTED = "referrals_exported", "Exported referrals"
    REFERRAL_CREATED = "referral_created", "Created a referral"
    REFERRAL_VIEWED = "referral_viewed", "Viewed a referral"
    RECORDED = "recorded", "Recorded on a referral"
    REPORT_EXPORTED = "report_exported", "Exported a report"


class AuditQuerySet(models.QuerySet):
    """Rows are never changed or deleted through the ORM (audit.log.prune is the one way out)."""

    def update(self, **kwargs):
        raise AppendOnly("the audit log is append-only: rows cannot be changed")

    def delete(self):
        raise AppendOnly("the audit log is append-only: old rows go only by prune_audit_log")


class AppendOnly(Exception):
    """Refused: the audit log is append-only."""


class AuditEvent(models.Model):
    """One thing that happened. Ids and names only: no postcode, no query string, no free text.

    Plain integers rather than foreign keys: the row outlives the user or referral it names,
    and writing it costs one insert with no lookups."""

    at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    action = models.CharField(max_length=32, choices=Action.choices, db_index=True)
    user_id = models.IntegerField(null=True, blank=True, db_index=True)
    username = models.CharField(max_length=150, blank=True)
    referral_id = models.IntegerField(null=True, blank=True, db_index=True)
    # What was done on the referral (the form or API action), or the report's name.
    detail = models.CharField(max_length=100, blank=True)
    method = models.CharField(max_length=8, blank=True)
    path = models.CharField(max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username or '-'} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly("the audit log is append-only: rows cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("the audit log is append-only: old rows go only by prune_audit_log")
