from django.contrib import admin
from knox.models import AuthToken

from accounts.models import DemoAccount

# Knox's own admin lets an administrator make a token for any user (and act as them): replace
# it with a list that shows whose tokens exist and lets an administrator revoke one.
if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class AuthTokenAdmin(admin.ModelAdmin):
    """Tokens are made by their own user through the API; here they are seen and revoked.

    Only hashes are stored, so no token can be shown again."""

    list_display = ["user", "created", "expiry"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    fields = ["user", "created", "expiry"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DemoAccount)
class DemoAccountAdmin(admin.ModelAdmin):
    list_display = ["user", "marked_at"]
    readonly_fields = ["user", "marked_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
