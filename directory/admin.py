"""The directory editors' admin: search, filters, inline locations and eligibility criteria."""

from django import forms
from django.contrib import admin
from django.db import models

from directory.models import (
    Area,
    DataImport,
    GPPractice,
    Location,
    Need,
    Organisation,
    PatientGroup,
    Postcode,
    Service,
)
from directory.postcodes import PostcodeError, lookup_postcode
from directory.queries import needs_review


class ReviewDueFilter(admin.SimpleListFilter):
    title = "review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("due", "Needs review (published, not reviewed for 12 months)")]

    def queryset(self, request, queryset):
        if self.value() == "due":
            return needs_review(queryset)
        return queryset


class LocationForm(forms.ModelForm):
    class Meta:
        model = Location
        fields = ["name", "address", "postcode"]

    def clean_postcode(self):
        try:
            found = lookup_postcode(self.cleaned_data["postcode"])
        except PostcodeError as exc:
            raise forms.ValidationError(str(exc)) from None
        self.instance.latitude = found.latitude
        self.instance.longitude = found.longitude
        self.instance.local_authority_id = found.local_authority_id
        return found.postcode


class LocationInline(admin.TabularInline):
    model = Location
    form = LocationForm
    extra = 0


class ServiceForm(forms.ModelForm):
    only_for = forms.MultipleChoiceField(
        choices=PatientGroup.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave empty if the service is open to everyone.",
    )
    website = forms.URLField(assume_scheme="https", required=False, max_length=200)

    class Meta:
        model = Service
        fields = [
            "organisation",
            "name",
            "external_id",
            "description",
            "needs",
            "in_person",
            "by_phone",
            "online",
            "home_visit",
            "opening_times",
            "cost",
            "areas_served",
            "serves_nationally",
            "eligible_areas",
            "eligible_if_lives",
            "eligible_if_works",
            "eligible_if_gp",
            "min_age",
            "max_age",
            "only_for",
            "referral_route",
            "capacity",
            "status",
            "last_reviewed",
            "phone",
            "email",
            "website",
        ]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    form = ServiceForm
    list_display = ["name", "organisation", "status", "capacity", "last_reviewed"]
    list_filter = [ReviewDueFilter, "status", "capacity", "needs", "serves_nationally", "in_person"]
    search_fields = ["name", "organisation__name", "description", "external_id"]
    autocomplete_fields = ["organisation", "areas_served", "eligible_areas"]
    filter_horizontal = ["needs"]
    inlines = [LocationInline]
    list_select_related = ["organisation"]
    date_hierarchy = "last_reviewed"
    fieldsets = [
        (None, {"fields": ["organisation", "name", "external_id", "description", "needs"]}),
        (
            "Delivery",
            {"fields": ["in_person", "by_phone", "online", "home_visit", "opening_times", "cost"]},
        ),
        ("Where it serves", {"fields": ["areas_served", "serves_nationally"]}),
        (
            "Who is eligible",
            {
                "fields": [
                    "eligible_areas",
                    ("eligible_if_lives", "eligible_if_works", "eligible_if_gp"),
                    ("min_age", "max_age"),
                    "only_for",
                ],
                "description": "Leave eligible areas empty for no geographic restriction. "
                "An ICB counts for every one of its boroughs.",
            },
        ),
        (
            "Referral and capacity",
            {"fields": ["referral_route", "capacity", "status", "last_reviewed"]},
        ),
        ("Contact", {"fields": ["phone", "email", "website"]}),
    ]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "charity_number", "phone", "email"]
    search_fields = ["name", "charity_number"]


@admin.register(Need)
class NeedAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "synonyms"]
    search_fields = ["name", "slug", "synonyms"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "icb"]
    list_filter = ["kind", "icb"]
    search_fields = ["name", "code"]


@admin.register(GPPractice)
class GPPracticeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "postcode", "local_authority", "status"]
    list_filter = ["status", "local_authority__icb"]
    search_fields = ["name", "code", "postcode"]


@admin.register(Postcode)
class PostcodeAdmin(admin.ModelAdmin):
    list_display = ["postcode", "local_authority", "latitude", "longitude"]
    search_fields = ["postcode"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DataImport)
class DataImportAdmin(admin.ModelAdmin):
    list_display = ["source", "file", "started_at", "created", "updated", "unchanged", "rejected"]
    list_filter = ["source"]
    readonly_fields = [f.name for f in DataImport._meta.fields]

    def has_add_permission(self, request):
        return False
