from django import forms

from directory.models import DELIVERY_MODE_FIELDS, Area, DeliveryMode, Need, PatientGroup
from signposting.matching import MAX_DISTANCE_KM, MatchError, MatchQuery

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
        data = self.cleaned_data
        return MatchQuery(
            home_postcode=data["home_postcode"],
            work_postcode=data.get("work_postcode") or None,
            gp_practice=data.get("gp_practice") or None,
            gp_area=data.get("gp_area") or None,
            age=data.get("age"),
            needs=data["needs"],
            groups=data.get("groups") or None,
            delivery_modes=[
                m for m in data.get("delivery_modes") or [] if m in DELIVERY_MODE_FIELDS
            ]
            or None,
            max_distance_km=data.get("max_distance_km"),
        )

    def add_match_errors(self, error: MatchError) -> None:
        for name, messages in error.errors.items():
            field = ERROR_FIELDS.get(name, name)
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
