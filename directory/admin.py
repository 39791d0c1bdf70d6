"""The directory editors' admin: search, filters, inline locations and eligibility criteria."""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.db import models

from directory import actions
from directory.deletion import RefuseDeletingRecorded
from directory.models import (
    DELIVERY_MODE_FIELDS,
    Area,
    DataImport,
    GPPractice,
    ListingProblem,
    Location,
    Need,
    Organisation,
    PatientGroup,
    Postcode,
    ReviewDecision,
    Schedule,
    Service,
    Source,
    TaxonomyMapping,
)
from directory.postcodes import PostcodeError, lookup_postcode
from directory.queries import needs_review
from directory.service_data import ServiceValidator, split_list


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


class LocationFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept = [
            f
            for f in self.forms
            if f.cleaned_data
            and not f.cleaned_data.get("DELETE")
            and f.cleaned_data.get("postcode")
        ]
        if self.instance.in_person and not kept:
            raise forms.ValidationError(
                "postcode: is required for a service delivered in person (add a location)"
            )


class LocationInline(admin.TabularInline):
    model = Location
    form = LocationForm
    formset = LocationFormSet
    extra = 0


class ScheduleForm(forms.ModelForm):
    class Meta:
        model = Schedule
        fields = ["weekday", "opens_at", "closes_at", "by_appointment"]

    def clean(self):
        data = super().clean()
        day, opens, closes = data.get("weekday"), data.get("opens_at"), data.get("closes_at")
        if data.get("by_appointment"):
            if day or opens or closes:
                raise forms.ValidationError(
                    "opening_times: 'by appointment' has no day or hours (use another row)"
                )
        elif not (day and opens and closes):
            raise forms.ValidationError(
                "opening_times: give the day, the opening and the closing time, "
                "or tick 'by appointment'"
            )
        elif opens >= closes:
            raise forms.ValidationError(
                f"opening_times: {opens:%H:%M} to {closes:%H:%M} closes before it opens"
            )
        return data

    def validate_constraints(self, exclude=None):
        return  # clean() above says the same in words an editor can act on


class ScheduleInline(admin.TabularInline):
    model = Schedule
    form = ScheduleForm
    extra = 0


SERVICE_FIELDSETS = [
    (None, {"fields": ["organisation", "name", "external_id", "description", "needs"]}),
    (
        "Delivery",
        {
            "fields": [
                ("in_person", "by_phone", "online", "home_visit"),
                "opening_times",
                ("is_free", "cost"),
            ],
            "description": "Opening days and hours are in the schedule below; "
            "opening notes say anything else.",
        },
    ),
    (
        "Accessibility",
        {
            "fields": [
                ("step_free_access", "hearing_loop", "accessible_toilet"),
                "languages",
                "accessibility_note",
            ]
        },
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
    (
        "Source",
        {
            "fields": ["uuid", "source", "fetched_at", "editor_decision_at"],
            "description": "A listing owned by a spreadsheet or feed is rewritten by its "
            "next import, unless an editor took a decision on it from the review queue.",
        },
    ),
]
SERVICE_READONLY = ["uuid", "source", "fetched_at", "editor_decision_at"]


class FreeSelect(forms.NullBooleanSelect):
    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("unknown", "Not known"), ("true", "Free"), ("false", "Charged")]


class ServiceForm(forms.ModelForm):
    only_for = forms.MultipleChoiceField(
        choices=PatientGroup.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave empty if the service is open to everyone.",
    )
    website = forms.URLField(assume_scheme="https", required=False, max_length=200)
    languages = forms.CharField(
        required=False,
        help_text="Languages spoken besides English, separated by ;",
        widget=forms.TextInput(attrs={"size": 60}),
    )
    is_free = forms.NullBooleanField(label="Free", required=False, widget=FreeSelect)

    # The import's column -> this form's field, so that a problem is shown where it is made.
    FIELD_FOR_COLUMN = {
        "service": "name",
        "opening_notes": "opening_times",
        "delivery_modes": None,
        "eligible_via": None,
    }

    class Meta:
        model = Service
        # The fieldsets say which fields the admin shows, once.
        fields = [f for f in flatten_fieldsets(SERVICE_FIELDSETS) if f not in SERVICE_READONLY]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["languages"] = "; ".join(self.instance.languages or [])

    def clean_languages(self):
        return split_list(self.cleaned_data.get("languages"))

    def clean(self):
        """Check the service with the import's validator and show the import's messages."""
        data = super().clean()
        raw = self.as_row(data)
        if raw is None:
            return data
        validator = ServiceValidator()
        _record, problems = validator.validate(raw)
        for column, message in problems:
            if column == "postcode":
                continue  # the locations below are checked by their own forms
            field = self.FIELD_FOR_COLUMN.get(column, column)
            if field in self.fields and field not in self.errors:
                self.add_error(field, message)
            elif field not in self.fields or field is None:
                self.add_error(None, f"{column}: {message}")
        return data

    def as_row(self, data) -> dict | None:
        """This form's values as an import row (None when a required field already failed)."""
        if data.get("organisation") is None or not data.get("name"):
            return None
        served = [a.code for a in data.get("areas_served") or []]
        if data.get("serves_nationally"):
            served.append("national")
        via = [
            v
            for v, flag in [
                ("lives", "eligible_if_lives"),
                ("works", "eligible_if_works"),
                ("gp", "eligible_if_gp"),
            ]
            if data.get(flag)
        ]
        free = data.get("is_free")
        return {
            "external_id": data.get("external_id", ""),
            "organisation": data["organisation"].name,
            "service": data["name"],
            "description": data.get("description", ""),
            "needs": [n.slug for n in data.get("needs") or []],
            "delivery_modes": [m for m, flag in DELIVERY_MODE_FIELDS.items() if data.get(flag)],
            "areas_served": served,
            "eligible_areas": [a.code for a in data.get("eligible_areas") or []],
            "eligible_via": via,
            "min_age": data.get("min_age"),
            "max_age": data.get("max_age"),
            "only_for": data.get("only_for") or [],
            "referral_route": data.get("referral_route"),
            "phone": data.get("phone", ""),
            "email": data.get("email", ""),
            "website": data.get("website", ""),
            "opening_notes": data.get("opening_times", ""),
            "cost": "free" if free else (data.get("cost", "") if free is False else ""),
            "languages": data.get("languages") or [],
            "accessibility_note": data.get("accessibility_note", ""),
            "capacity": data.get("capacity"),
            "status": data.get("status"),
            "last_reviewed": data.get("last_reviewed"),
        }


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ProblemInline(ReadOnlyInline):
    model = ListingProblem
    fields = ["reason", "note", "reported_by", "reported_at", "decision"]
    readonly_fields = fields
    verbose_name_plural = "Problems reported (from the review queue)"


class DecisionInline(ReadOnlyInline):
    model = ReviewDecision
    fields = ["outcome", "note", "decided_by", "decided_at"]
    readonly_fields = fields
    verbose_name_plural = "Review decisions"


@admin.action(description="Let the owning source update these listings at its next import")
def release_to_source(modeladmin, request, queryset):
    held = queryset.exclude(editor_decision_at=None).exclude(source=None)
    count = 0
    for service in held:
        actions.update_service(service, editor_decision_at=None)
        count += 1
    modeladmin.message_user(request, f"{count} listing(s) will follow their source again.")


class DirectoryWrites:
    """Admin saves go through the directory's write path, so every change moves its revision."""

    def save_model(self, request, obj, form, change):
        actions.save_edited(obj, created=not change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        actions.directory_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        actions.directory_changed()


@admin.register(Service)
class ServiceAdmin(RefuseDeletingRecorded, DirectoryWrites, admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    form = ServiceForm
    list_display = ["name", "organisation", "status", "capacity", "last_reviewed", "source"]
    list_filter = [
        ReviewDueFilter,
        "status",
        "capacity",
        "source",
        "needs",
        "serves_nationally",
        "in_person",
    ]
    search_fields = ["name", "organisation__name", "description", "external_id"]
    autocomplete_fields = ["organisation", "areas_served", "eligible_areas"]
    filter_horizontal = ["needs"]
    inlines = [LocationInline, ScheduleInline, ProblemInline, DecisionInline]
    list_select_related = ["organisation", "source"]
    readonly_fields = SERVICE_READONLY
    actions = [release_to_source]
    date_hierarchy = "last_reviewed"
    fieldsets = SERVICE_FIELDSETS


@admin.register(Organisation)
class OrganisationAdmin(DirectoryWrites, admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "charity_number", "phone", "email"]
    search_fields = ["name", "charity_number"]


@admin.register(Need)
class NeedAdmin(RefuseDeletingRecorded, DirectoryWrites, admin.ModelAdmin):
    list_display = ["name", "slug", "synonyms"]
    search_fields = ["name", "slug", "synonyms"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Area)
class AreaAdmin(DirectoryWrites, admin.ModelAdmin):
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
    list_display = [
        "source",
        "owner",
        "file",
        "imported_by",
        "started_at",
        "created",
        "updated",
        "unchanged",
        "rejected",
        "conflicts",
        "archived",
    ]
    list_filter = ["source", "owner"]
    readonly_fields = [f.name for f in DataImport._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "last_imported_at"]
    list_filter = ["kind"]
    search_fields = ["name"]
    readonly_fields = ["created_at", "last_imported_at"]


@admin.register(TaxonomyMapping)
class TaxonomyMappingAdmin(DirectoryWrites, admin.ModelAdmin):
    list_display = ["taxonomy", "term", "need"]
    list_filter = ["need"]
    search_fields = ["taxonomy", "term"]


@admin.register(ListingProblem)
class ListingProblemAdmin(admin.ModelAdmin):
    list_display = ["service", "reason", "reported_by", "reported_at", "decision"]
    list_filter = ["reason"]
    raw_id_fields = ["service", "decision"]


@admin.register(ReviewDecision)
class ReviewDecisionAdmin(admin.ModelAdmin):
    list_display = ["service", "outcome", "decided_by", "decided_at"]
    list_filter = ["outcome"]
    raw_id_fields = ["service"]
