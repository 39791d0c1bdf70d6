"""Tags for the NHS.UK form includes (templates/includes/)."""

from html import escape

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def select_options(field):
    """A select field's <option>s, its current value selected, each value and label escaped
    (html.escape, which Django's escape calls). Built here rather than by a {% for %} in the
    include: the GP's borough offers every borough that has an ICB (about 300 once England's
    are all loaded), on every search and results page."""
    current = str(field.value())
    return mark_safe(  # noqa: S308 (every value escaped)
        "".join(
            f'<option value="{escape(str(value))}"'
            f"{' selected' if str(value) == current else ''}>{escape(str(label))}</option>"
            for value, label in field.field.choices
        )
    )


@register.simple_tag
def checkbox_items(field):
    """A multiple-choice field's checkboxes in the NHS.UK style, those of its current values
    checked, each value and label escaped. The ids are Django's (the field's id, _ and the
    choice's place: CheckboxSelectMultiple.id_for_label), so that labels and error links still
    point at them. Built here rather than by a {% for %} over the field's subwidgets in the
    include, which cost about 2 ms a search page for its three groups of checkboxes. Flat
    choices only (no groups), as every checkbox field here has."""
    current = field.value()
    if not isinstance(current, list | tuple):  # as the widget takes it (ChoiceWidget)
        current = [] if current is None else [current]
    chosen = {str(v) for v in current}
    auto_id, name = field.auto_id, escape(field.html_name)
    items = []
    for i, (value, label) in enumerate(field.field.choices):
        value = "" if value is None else str(value)
        item_id = escape(f"{auto_id}_{i}") if auto_id else ""  # a form without ids: none
        id_attr, for_attr = (f' id="{item_id}"', f' for="{item_id}"') if item_id else ("", "")
        items.append(
            '<div class="nhsuk-checkboxes__item">'
            f'<input class="nhsuk-checkboxes__input"{id_attr} name="{name}" type="checkbox" '
            f'value="{escape(value)}"{" checked" if value in chosen else ""}>'
            f'<label class="nhsuk-label nhsuk-checkboxes__label"{for_attr}>'
            f"{conditional_escape(label)}</label></div>\n"
        )
    return mark_safe("".join(items))  # noqa: S308 (every value escaped)
