from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from audit import log as audit
from audit.models import Action
from directory.deletion import RefuseDeletingRecorded
from signposting.models import Membership, OutcomeEvent, Referral, Team


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(RefuseDeletingRecorded, admin.ModelAdmin):
    list_display = ["name", "funding_area"]
    search_fields = ["name"]
    inlines = [MembershipInline]


# A user who recorded referrals or outcomes is made inactive, never deleted.
admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class RecordingUserAdmin(RefuseDeletingRecorded, UserAdmin):
    pass


class ReadOnlyAdmin(admin.ModelAdmin):
    """Referrals and their events are written only through the service's own actions."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OutcomeEventInline(admin.TabularInline):
    model = OutcomeEvent
    extra = 0
    can_delete = False
    fields = [
        "recorded_at", "stage", "need", "kind", "service", "reason", "recorded_by", "corrects",
        "excluded_reason",
    ]  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "team",
        "source",
        "created_at",
        "postcode_sector",
        "home_area",
        "age_band",
        "state",
    ]
    list_filter = ["team", "source", "age_band", "state"]
    inlines = [OutcomeEventInline]
    # The reference links a referral to a patient's GP record: it stays with the team.
    exclude = ["reference"]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200 and str(object_id).isdigit():
            audit.record(
                request, Action.REFERRAL_VIEWED, referral_id=int(object_id), detail="admin"
            )
        return response


@admin.register(OutcomeEvent)
class OutcomeEventAdmin(ReadOnlyAdmin):
    list_display = [
        "id", "referral", "stage", "need", "kind", "service", "reason", "recorded_at",
        "recorded_by", "by_migration",
    ]  # fmt: skip
    list_filter = ["stage", "kind", "by_migration"]
