"""Filters over the directory, shared by the API and the directory page."""

import django_filters
from django import forms

from directory.models import DELIVERY_MODE_FIELDS, Area, DeliveryMode, Need, Service
from directory.postcodes import Place, PostcodeError, locate_postcode_or_sector
from directory.queries import MAX_WITHIN_KM, Near, serving_area, text_search


class ServiceFilterForm(forms.Form):
    """Checks near/within_km together: a radius needs a place to measure from.

    near is a full postcode or a postcode sector ("SM1 1"); the directory page puts only the
    sector in its links (directory/views.py)."""

    near_point: Near | None = None
    near_place: Place | None = None

    def clean(self):
        cleaned = super().clean()
        near = cleaned.get("near")
        within = cleaned.get("within_km")
        if within is not None and not near and "near" not in self.errors:
            self.add_error("near", "give a postcode to measure within_km from")
        if near:
            try:
                place = locate_postcode_or_sector(near)
            except PostcodeError as exc:
                self.add_error("near", str(exc))
                return cleaned
            # Kept on the form, not in cleaned_data: FilterSet maps every cleaned key to a filter.
            self.near_place = place
            self.near_point = Near(place.latitude, place.longitude, float(within or 10))
        return cleaned


class ServiceFilter(django_filters.FilterSet):
    need = django_filters.ModelMultipleChoiceFilter(
        to_field_name="slug",
        queryset=Need.objects.all(),
        method="filter_needs",
        label="Needs",
        help_text="Services covering any of these needs (repeatable, by slug)",
    )
    area = django_filters.ModelChoiceFilter(
        queryset=Area.objects.all(),
        to_field_name="code",
        method="filter_area",
        label="Area",
        help_text="An area code: services serving it, through its ICB, or nationally",
    )
    delivery_mode = django_filters.ChoiceFilter(
        choices=DeliveryMode.choices, method="filter_delivery_mode", label="Delivery mode"
    )
    capacity = django_filters.ChoiceFilter(choices=Service.Capacity.choices)
    status = django_filters.ChoiceFilter(choices=Service.Status.choices)
    q = django_filters.CharFilter(method="filter_text", label="Search", max_length=200)
    near = django_filters.CharFilter(
        method="filter_nothing", label="Near postcode or postcode sector", max_length=20
    )
    within_km = django_filters.NumberFilter(
        method="filter_nothing",
        label="Within (km)",
        min_value=0.1,
        max_value=MAX_WITHIN_KM,
    )

    class Meta:
        model = Service
        fields = ["need", "area", "delivery_mode", "capacity", "status", "q"]
        form = ServiceFilterForm

    # The type hints tell the API schema (drf-spectacular) what the parameters are.
    def filter_needs(self, queryset, name, value: list[Need]):
        if not value:  # no need asked for: an empty queryset, which would match nothing
            return queryset
        return queryset.filter(needs__in=value).distinct()

    def filter_area(self, queryset, name, value: Area):
        return serving_area(queryset, value)

    def filter_delivery_mode(self, queryset, name, value):
        return queryset.filter(**{DELIVERY_MODE_FIELDS[value]: True})

    def filter_text(self, queryset, name, value):
        return text_search(queryset, value)

    def filter_nothing(self, queryset, name, value):
        # near and within_km order the results rather than filter them: see nearest_first.
        return queryset

    @property
    def near_point(self) -> Near | None:
        return self.form.near_point if self.is_bound and self.is_valid() else None
