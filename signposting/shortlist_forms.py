"""The form that sends a shortlist to the patient. What is typed in it is never stored."""

import re

from django import forms

from signposting.models import Referral
from signposting.notify import EMAIL, SMS

# A UK mobile number, after spaces, hyphens and brackets are taken out: 07 and nine digits, or
# the same after +44 or 0044 in place of the 0.
_UK_MOBILE = re.compile(r"(?:\+44|0044|0)7\d{9}")


class SendShortlistForm(forms.Form):
    source = forms.ChoiceField(
        label="Where the referral came from",
        help_text="Sending records the referral, with each service as signposted for its need.",
        choices=[("", "Choose one"), *Referral.Source.choices],
        required=False,
    )
    phone_number = forms.CharField(
        label="Patient's mobile number",
        help_text="For a text message. A UK mobile number, like 07700 900982. It is not stored.",
        max_length=30,
        required=False,
    )
    email_address = forms.EmailField(
        label="Patient's email address",
        help_text="For an email. It is not stored.",
        max_length=254,
        required=False,
    )
    channel = forms.ChoiceField(choices=[(SMS, "Text message"), (EMAIL, "Email")])

    def __init__(self, *args, needs_source: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.needs_source = needs_source
        if not needs_source:
            del self.fields["source"]

    def clean_phone_number(self) -> str:
        raw = self.cleaned_data.get("phone_number", "")
        compact = re.sub(r"[\s\-()]", "", raw)
        if compact and not _UK_MOBILE.fullmatch(compact):
            raise forms.ValidationError("Enter a UK mobile number, like 07700 900982")
        return compact

    def clean(self):
        cleaned = super().clean()
        channel = cleaned.get("channel")
        if self.needs_source and not cleaned.get("source"):
            self.add_error("source", "Choose where the referral came from")
        if channel == SMS and not cleaned.get("phone_number") and "phone_number" not in self.errors:
            self.add_error("phone_number", "Enter the patient's mobile number to send a text")
        if (
            channel == EMAIL
            and not cleaned.get("email_address")
            and "email_address" not in self.errors
        ):
            self.add_error("email_address", "Enter the patient's email address to send an email")
        return cleaned

    @property
    def recipient(self) -> str:
        channel = self.cleaned_data["channel"]
        return self.cleaned_data["phone_number" if channel == SMS else "email_address"]
