"""The NHS.UK form includes (templates/includes/): the select's options are built by a tag."""

from django import forms
from django.template.loader import render_to_string


class Pick(forms.Form):
    choice = forms.ChoiceField(
        choices=[("", "Any"), ("a&b", "<b>A & B</b>"), ("1", "One"), (2, "Two")], required=False
    )


def options(data=None) -> str:
    html = render_to_string("includes/select.html", {"field": Pick(data)["choice"]})
    return html[html.index("<option") : html.index("</select>")].strip()


def test_a_selects_options_are_escaped_and_the_current_value_selected():
    assert options({"choice": "a&b"}) == (
        '<option value="">Any</option>'
        '<option value="a&amp;b" selected>&lt;b&gt;A &amp; B&lt;/b&gt;</option>'
        '<option value="1">One</option><option value="2">Two</option>'
    )
    assert '<option value="2" selected>Two</option>' in options({"choice": "2"})
    assert '<option value="" selected>Any</option>' in options({"choice": ""})
    assert " selected" not in options()  # unbound, no initial value: none chosen
