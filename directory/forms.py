from django import forms
from django.core.exceptions import ValidationError

from directory.importers.spreadsheet import DEFAULT_SOURCE
from directory.models import ListingProblem, ReviewDecision, Source
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


class SpreadsheetUploadForm(forms.Form):
    """A spreadsheet of services to preview, and the source (the list) it is a copy of."""

    # Not required here: clean_file says why there is no file (none chosen, or refused).
    file = forms.FileField(
        label="Spreadsheet",
        required=False,
        error_messages={"empty": "The file is empty: choose the spreadsheet of services"},
    )
    source = forms.ChoiceField(
        label="Which list is this a copy of?",
        help_text=(
            "The services a list adds are its own: next month's copy of the same list updates "
            "them, whatever its file is called."
        ),
    )
    new_source = forms.CharField(
        label="Or name a new list",
        help_text="Only for a list not imported before. Leave empty to use the list chosen above.",
        required=False,
        max_length=200,
    )

    def __init__(self, *args, size_limit: str, refused: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.refused = refused
        names = set(
            Source.objects.filter(kind=Source.Kind.SPREADSHEET).values_list("name", flat=True)
        )
        names.add(DEFAULT_SOURCE)
        self.fields["source"].choices = [(name, name) for name in sorted(names, key=str.lower)]
        self.fields["source"].initial = DEFAULT_SOURCE
        hint = f"A .csv or .xlsx file with one service a row, no larger than {size_limit}."
        self.fields["file"].help_text = hint

    def clean_file(self):
        if self.refused:
            raise forms.ValidationError(self.refused)
        if not self.cleaned_data["file"]:
            raise forms.ValidationError("Choose a .csv or .xlsx file to upload")
        return self.cleaned_data["file"]

    def clean_new_source(self):
        name = " ".join(self.cleaned_data["new_source"].split())
        if name:
            other = Source.objects.filter(name=name).exclude(kind=Source.Kind.SPREADSHEET).first()
            if other is not None:
                raise forms.ValidationError(
                    f"'{name}' is already the name of another kind of source "
                    f"({other.get_kind_display()}): choose another name"
                )
        return name

    @property
    def source_name(self) -> str:
        """The source chosen: the new name if one was typed, else the list chosen."""
        return self.cleaned_data["new_source"] or self.cleaned_data["source"]
