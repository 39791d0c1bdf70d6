from django import forms
from django.db.models import Q

from directory.models import (
    Area,
    DeliveryMode,
    Need,
    PatientGroup,
    Service,
)
from signposting.matching import MAX_DISTANCE_KM, MatchError, MatchQuery
from signposting.models import OutcomeEvent, Referral

# Engine field names -> form field names, for errors raised by matching.
ERROR_FIELDS = {"for": "groups"}


class SearchForm(forms.Form):
    """A patient's facts for one search. Nothing here is stored."""

    home_postcode = forms.CharField(
        label="Patient's home postcode", max_length=20, help_text="For example, SM1 1AA"
    )
    gp_practice = forms.CharField(
        label="GP practice code",
        max_length=20,
        required=False,
        help_text="The practice's ODS code, for example Z00013. Or choose the GP's borough below.",
    )
    gp_area = forms.ChoiceField(label="GP's borough", required=False)
    work_postcode = forms.CharField(label="Work postcode (optional)", max_length=20, required=False)
    age = forms.IntegerField(label="Age (optional)", required=False, min_value=0, max_value=120)
    needs = forms.MultipleChoiceField(
        label="Reasons for referral", widget=forms.CheckboxSelectMultiple, choices=()
    )
    groups = forms.MultipleChoiceField(
        label="The patient is (optional)",
        help_text="Leave empty if not known: services only for a group will show as 'check'.",
        widget=forms.CheckboxSelectMultiple,
        choices=PatientGroup.choices,
        required=False,
    )
    delivery_modes = forms.MultipleChoiceField(
        label="How the service is delivered (optional)",
        widget=forms.CheckboxSelectMultiple,
        choices=DeliveryMode.choices,
        required=False,
    )
    max_distance_km = forms.FloatField(
        label="Within (km, optional)",
        required=False,
        min_value=0.1,
        max_value=MAX_DISTANCE_KM,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["needs"].choices = list(
            Need.objects.order_by("name").values_list("slug", "name")
        )
        boroughs = Area.objects.filter(kind=Area.Kind.LOCAL_AUTHORITY, icb__isnull=False).order_by(
            "name"
        )
        self.fields["gp_area"].choices = [("", "Not known")] + [(a.code, a.name) for a in boroughs]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("gp_practice") and cleaned.get("gp_area"):
            self.add_error("gp_practice", "Give the GP practice code or the GP's borough, not both")
        return cleaned

    def to_query(self) -> MatchQuery:
        return MatchQuery.from_data(self.cleaned_data, groups_key="groups")

    def add_match_errors(self, error: MatchError) -> None:
        for name, messages in error.errors.items():
            field = ERROR_FIELDS.get(name, name)
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


class RecordReferralForm(SearchForm):
    """The search's facts again (hidden), what happened, and the optional profile."""

    source = forms.ChoiceField(
        label="Where the referral came from", choices=Referral.Source.choices
    )
    kind = forms.ChoiceField(
        label="What happened",
        choices=[
            (OutcomeEvent.Kind.REFERRED, "Referred to the service"),
            (OutcomeEvent.Kind.SIGNPOSTED, "Signposted to the service"),
            (OutcomeEvent.Kind.NO_SERVICE_AVAILABLE, "No suitable service for this need"),
        ],
    )
    service = forms.IntegerField(required=False, widget=forms.HiddenInput)
    need = forms.CharField(required=False, widget=forms.HiddenInput)
    sex = forms.ChoiceField(
        label="Sex (optional)",
        choices=[("", "Not recorded"), *Referral.Sex.choices],
        required=False,
    )
    ethnic_group = forms.ChoiceField(
        label="Ethnic group (optional)",
        choices=[("", "Not recorded"), *Referral.EthnicGroup.choices],
        required=False,
    )
    note = forms.CharField(
        label="Note (optional)", required=False, max_length=2000, widget=forms.Textarea
    )


class OutcomeForm(forms.Form):
    kind = forms.ChoiceField(label="Outcome", choices=OutcomeEvent.Kind.choices)
    service = forms.ModelChoiceField(
        label="Service", queryset=Service.objects.none(), required=False
    )
    need = forms.ModelChoiceField(
        label="Need (for 'no service available')", queryset=Need.objects.none(), required=False
    )
    reason = forms.ChoiceField(
        label="Reason (optional)",
        choices=[("", "None"), *OutcomeEvent.Reason.choices],
        required=False,
    )
    note = forms.CharField(
        label="Note (optional)", required=False, max_length=2000, widget=forms.Textarea
    )
    corrects = forms.ModelChoiceField(
        label="This corrects an earlier event (optional)",
        queryset=OutcomeEvent.objects.none(),
        required=False,
    )

    def __init__(self, *args, referral, **kwargs):
        super().__init__(*args, **kwargs)
        needs = referral.needs.all()
        self.fields["need"].queryset = needs
        # Services covering the referral's needs, and any service already named in its events.
        named = referral.events.exclude(service=None).values("service")
        # At most 500 choices: a choice field cannot validate against a sliced queryset.
        ids = list(
            Service.objects.filter(
                Q(needs__in=needs, status=Service.Status.PUBLISHED) | Q(pk__in=named)
            )
            .order_by("name", "id")
            .values_list("id", flat=True)
            .distinct()[:500]
        )
        self.fields["service"].queryset = (
            Service.objects.filter(pk__in=ids).select_related("organisation").order_by("name")
        )
        self.fields["corrects"].queryset = referral.events.all()


class ReferralFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any"), ("awaiting", "Awaiting an outcome"), *OutcomeEvent.Kind.choices],
    )
    need = forms.ModelChoiceField(
        label="Need", queryset=Need.objects.order_by("name"), to_field_name="slug", required=False
    )
    created_from = forms.DateField(label="From (YYYY-MM-DD)", required=False)
    created_to = forms.DateField(label="To (YYYY-MM-DD)", required=False)
