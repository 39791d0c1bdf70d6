"""The NHS.UK form fields' tags (directory/templatetags/form_fields.py) write what the includes'
templates wrote before them. Each template, as it was, is kept as the reference in
tests/reference_includes/, and the tag's markup must match it (but for white space between
tags) on fields of every kind, with help, errors, odd values and no ids."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django import forms
from django.template import Context, Template
from django.template.loader import render_to_string

# The includes' templates before the tags, as they were (their comment lines dropped).
REFERENCE = {
    path.stem: path.read_text()
    for path in (Path(__file__).parent / "reference_includes").glob("*.html")
}


def _same(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


class Everything(forms.Form):
    name = forms.CharField(label="Name & <title>", help_text="As 'known' & \"used\"")
    age = forms.IntegerField(label="Age", required=False, min_value=0)
    when = forms.DateField(label="When", required=False, initial=dt.date(2026, 12, 2))
    within = forms.FloatField(label="Within", required=False, initial=2.5)
    kind = forms.ChoiceField(
        label="Kind", choices=[("", "Any"), ("a&b", "<b>A</b>"), ("c", "C")], required=False
    )
    works = forms.ChoiceField(
        label="Works?",
        help_text="If known",
        choices=[("yes", "Yes"), ("no", 'No "never"')],
        widget=forms.RadioSelect,
    )
    free = forms.BooleanField(label="Free only", help_text="No charge", required=False)
    plain = forms.BooleanField(label="Plain", required=False)
    picks = forms.MultipleChoiceField(
        label="Picks",
        help_text="Any number",
        choices=[("1", "One"), ("x&y", "<i>X</i>")],
        widget=forms.CheckboxSelectMultiple,
    )

    def clean_name(self):
        value = self.cleaned_data["name"]
        if "bad" in value:
            raise forms.ValidationError("Not <that> name & not 'this'")
        return value


FORMS = {
    "unbound": lambda: Everything(),
    "valid": lambda: Everything(
        {"name": 'O\'Brien "&" <co>', "age": "41", "kind": "a&b", "works": "no", "free": "on",
         "picks": ["x&y"]}
    ),
    "errors": lambda: Everything(
        {"name": "bad", "age": "-3", "when": "soon", "within": "far", "kind": "z", "picks": ["9"]}
    ),
    "prefixed, no ids": lambda: Everything({"p-name": "x"}, prefix="p", auto_id=False),
    "own ids": lambda: Everything({"works": "yes"}, auto_id="field-%s"),
    "a prefix to escape": lambda: Everything({'a"b&c-works': "yes"}, prefix='a"b&c'),
}  # fmt: skip

INCLUDES = [
    ("input", "name", {"width": "20", "autocomplete": "off", "list": "names"}),
    ("input", "name", {}),
    ("input", "age", {"width": "3", "inputmode": "numeric"}),
    ("input", "when", {"type": "date", "width": 10}),
    ("input", "within", {"width": "4", "inputmode": "decimal"}),
    ("select", "kind", {}),
    ("select", "works", {}),
    ("radios", "works", {}),
    ("radios", "works", {"printable": True}),
    ("checkbox", "free", {}),
    ("checkbox", "plain", {}),
    ("checkboxes", "picks", {}),
]


@pytest.mark.parametrize("form_name", FORMS)
@pytest.mark.parametrize(("include", "name", "extra"), INCLUDES)
def test_each_include_writes_what_its_template_wrote(form_name, include, name, extra):
    form = FORMS[form_name]()
    form.is_valid()
    context = {"field": form[name], **extra}
    expected = Template(REFERENCE[include]).render(Context(context))
    # A form without ids (and a select's radios) had id="" or id="None" written; none now.
    expected = re.sub(r' (id|for)="(None)?"', "", expected)
    written = render_to_string(f"includes/{include}.html", context)
    assert _same(written) == _same(expected)
    assert "None" not in written and 'id=""' not in written and 'for=""' not in written


def test_the_reference_covers_errors_help_and_checked_values():
    form = FORMS["errors"]()
    form.is_valid()
    html = render_to_string("includes/input.html", {"field": form["name"]})
    assert "nhsuk-form-group--error" in html and "nhsuk-input--error" in html
    assert "Not &lt;that&gt; name &amp; not &#x27;this&#x27;" in html
    assert 'aria-describedby="id_name-hint id_name-error"' in html
    valid = FORMS["valid"]()
    html = render_to_string("includes/radios.html", {"field": valid["works"]})
    assert 'value="no" checked' in html and "No &quot;never&quot;" in html
    html = render_to_string("includes/input.html", {"field": valid["name"]})
    assert 'value="O&#x27;Brien &quot;&amp;&quot; &lt;co&gt;"' in html


def test_the_search_page_draws_its_fields_with_the_tags(db):
    from directory.models import Need
    from signposting.forms import SearchForm

    Need.objects.get_or_create(slug="isolation", defaults={"name": "Isolation"})
    form = SearchForm({"home_postcode": "", "needs": ["isolation"], "age": "200"})
    form.is_valid()
    for include, name in [
        ("input", "home_postcode"),
        ("input", "age"),
        ("select", "gp_area"),
        ("radios", "works"),
        ("checkboxes", "needs"),
        ("checkbox", "free_only"),
    ]:
        expected = Template(REFERENCE[include]).render(Context({"field": form[name]}))
        written = render_to_string(f"includes/{include}.html", {"field": form[name]})
        assert _same(written) == _same(expected), name  # fmt: skip


def test_the_search_page_gives_its_fields_their_attributes(client, django_user_model, geography):
    client.force_login(django_user_model.objects.create_user("fields", password="x-pass-123"))
    html = client.get("/search/").content.decode()
    for attributes in [
        'class="nhsuk-input nhsuk-input--width-10" id="id_home_postcode" name="home_postcode" '
        'type="text" value="" autocomplete="off" aria-describedby="id_home_postcode-hint"',
        'id="id_gp_practice" name="gp_practice" type="text" value="" autocomplete="off" '
        'list="practices"',
        'class="nhsuk-input nhsuk-input--width-3" id="id_age" name="age" type="text" value="" '
        'inputmode="numeric"',
        'class="nhsuk-input nhsuk-input--width-4" id="id_max_distance_km" '
        'name="max_distance_km" type="text" value="" inputmode="decimal"',
        '<select class="nhsuk-select" id="id_gp_area" name="gp_area"',
        '<fieldset class="nhsuk-fieldset" id="id_works" aria-describedby="id_works-hint">',
        'id="id_free_only" name="free_only" type="checkbox" value="on" '
        'aria-describedby="id_free_only-hint"',
    ]:
        assert attributes in html
    assert 'id=""' not in html and 'id="None"' not in html
