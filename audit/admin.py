from django.contrib import admin

from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Administrators read the log; nobody adds, changes or deletes a row here."""

    list_display = ["at", "action", "username", "referral_id", "detail", "method", "path",
                    "ip_address"]  # fmt: skip
    list_filter = ["action"]
    search_fields = ["username", "=referral_id", "path"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
    # The list counts nothing beyond the page: a long log stays quick to open.
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
