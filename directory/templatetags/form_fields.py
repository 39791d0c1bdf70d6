"""Tags for the NHS.UK form includes (templates/includes/)."""

from html import escape

from django import template
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
