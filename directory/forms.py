from django import forms

from directory.postcodes import PostcodeError, lookup_postcode


class PostcodeForm(forms.Form):
    postcode = forms.CharField(label="Postcode", max_length=20)

    def clean_postcode(self):
        try:
            return lookup_postcode(self.cleaned_data["postcode"])
        except PostcodeError as exc:
            raise forms.ValidationError(str(exc)) from None
