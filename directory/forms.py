from django import forms
from django.core.exceptions import ValidationError

from directory.models import ListingProblem, ReviewDecision
from directory.postcodes import PostcodeError, lookup_postcode
from directory.reviews import NOTE_MAX


class PostcodeForm(forms.Form):
    postcode = forms.CharField(label="Postcode", max_length=20)

    def clean_postcode(self):
        try:
            return lookup_postcode(self.cleaned_data["postcode"])
        except PostcodeError as exc:
            raise forms.ValidationError(str(exc)) from None


class ReportProblemForm(forms.Form):
    """What is wrong with a listing, as a link worker sees it (checked again when saved)."""

    reason = forms.ChoiceField(
        label="What is wrong with this listing?",
        choices=[(r.value, r.label) for r in ListingProblem.REPORTABLE],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what is wrong with the listing"},
    )
    note = forms.CharField(
        label="Tell the editors more (optional; needed for 'Something else')",
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea,
        error_messages={"max_length": f"Keep the note to {NOTE_MAX} characters"},
    )


class ResolveForm(forms.Form):
    """An editor's decision on a listing in the review queue."""

    outcome = forms.ChoiceField(
        label="Your decision",
        choices=ReviewDecision.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose your decision on the listing"},
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea,
        error_messages={"max_length": f"Keep the note to {NOTE_MAX} characters"},
    )


def add_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a domain function's ValidationError on the form: by field where the form has one."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)
