"""The NHS.UK form includes (templates/includes/): the select's options are built by a tag."""

import re

import pytest
from django import forms
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import mark_safe

from directory.templatetags.form_fields import checkbox_items


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


class Several(forms.Form):
    picks = forms.MultipleChoiceField(
        choices=[("a&b", "<b>A & B</b>"), ("1", "One"), (2, "Two"), ("x", 'Say "x"')],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


CHECKBOX = re.compile(
    r'<input class="nhsuk-checkboxes__input"(?: id="([^"]*)")? name="([^"]*)" type="checkbox" '
    r'value="([^"]*)"( checked)?>\s*<label class="nhsuk-label nhsuk-checkboxes__label"'
    r'(?: for="([^"]*)")?>([^<]*(?:<(?!/label>)[^<]*)*)</label>'
)


def checkboxes(field) -> list[tuple]:
    html = render_to_string("includes/checkboxes.html", {"field": field})
    return [
        (id_, name, value, bool(checked), label)
        for id_, name, value, checked, label_for, label in CHECKBOX.findall(html)
        if label_for == id_
    ]


def djangos(field) -> list[tuple]:
    """What Django's own widget gives for each checkbox, escaped as a template would (a form
    without ids gives None: the checkboxes then have no id, and their labels no for)."""
    return [
        (
            escape(option.id_for_label or ""),
            escape(field.html_name),
            escape(str(option.data["value"])),
            option.data["selected"],
            escape(str(option.choice_label)),
        )
        for option in field
    ]


@pytest.mark.parametrize(
    "form",
    [
        Several(),
        Several({"picks": ["a&b", "2"]}),
        Several(initial={"picks": "1"}),  # one value, not a list: the widget takes it as one
        Several(prefix="p", data={"p-picks": ["x"]}),
        Several(auto_id=False, data={"picks": ["1"]}),  # no id="" nor for=""
        Several(auto_id="field-%s", data={"picks": ["1", "x"]}),
    ],
)
def test_checkboxes_are_djangos_own_with_values_escaped_and_current_ones_checked(form):
    field = form["picks"]
    assert checkboxes(field) == djangos(field)
    assert len(checkboxes(field)) == 4
    items = checkbox_items(field)
    assert 'id=""' not in items and 'for=""' not in items


def test_a_label_marked_safe_is_not_escaped_twice():
    form = Several()
    form.fields["picks"].choices = [("1", mark_safe("One <abbr>1</abbr>")), ("2", "<i>2</i>")]
    html = render_to_string("includes/checkboxes.html", {"field": form["picks"]})
    assert ">One <abbr>1</abbr></label>" in html and ">&lt;i&gt;2&lt;/i&gt;</label>" in html


def test_the_search_forms_checkboxes_are_djangos_own(db):
    from directory.models import Need
    from signposting.forms import SearchForm

    Need.objects.get_or_create(slug="isolation", defaults={"name": "Isolation & loneliness"})
    form = SearchForm({"needs": ["isolation"], "groups": ["carer"], "delivery_modes": ["phone"]})
    for name in ("needs", "groups", "delivery_modes"):
        assert checkboxes(form[name]) == djangos(form[name]) != []
    assert any(checked for *_, checked, _ in checkboxes(form["needs"]))
