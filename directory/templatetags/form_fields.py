"""The NHS.UK form fields (templates/includes/): each include calls its tag here.

A search page draws its form on every search and every results page: through the includes'
templates its twelve fields took 1.9 to 2.3 ms a page, through these tags 0.6. Each value is
written as {{ value }} would write it (render_value_in_context: localised, then escaped unless
already safe); markup built here is the only thing not escaped.
"""

from html import escape

from django import template
from django.template.base import render_value_in_context
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _text(value, context) -> str:
    """A value as {{ value }} writes it. Most are plain text (ids, names, labels), escaped at
    once; anything else (a number or date to localise, a lazy or safe string) as the template
    engine does it."""
    if type(value) is str:
        return escape(value)
    return render_value_in_context(value, context)


def _attr(name: str, value, context) -> str:
    """name="value", or nothing for no value: a form made without ids (auto_id=False) gives its
    fields none, and its radios None, which would have been written id="None"."""
    return f' {name}="{_text(value, context)}"' if value else ""


def _parts(field, context) -> tuple[str, str, str, str]:
    """What every field's markup shares: the group's error class, the hint, the errors, and
    the aria-describedby attribute that points at them."""
    auto_id = _text(field.auto_id, context)
    errors = field.errors
    hint = (
        f'<div class="nhsuk-hint" id="{auto_id}-hint">{_text(field.help_text, context)}</div>'
        if field.help_text
        else ""
    )
    shown = "".join(
        f'<span class="nhsuk-error-message" id="{auto_id}-error"><span '
        f'class="nhsuk-u-visually-hidden">Error:</span> {_text(error, context)}'
        "</span>"
        for error in errors
    )
    described = ""
    if field.help_text or errors:
        ids = (f"{auto_id}-hint" if field.help_text else "") + (
            f" {auto_id}-error" if errors else ""
        )
        described = f' aria-describedby="{ids}"'
    group = "nhsuk-form-group nhsuk-form-group--error" if errors else "nhsuk-form-group"
    return group, hint, shown, described


def _label(field, context) -> str:
    return (
        f'<label class="nhsuk-label"{_attr("for", field.id_for_label, context)}>'
        f"{_text(field.label, context)}</label>"
    )


@register.simple_tag(takes_context=True)
def input_field(context, field, width="", type="", autocomplete="", list="", inputmode=""):  # noqa: A002
    """A text input (includes/input.html): `type` is text unless given; `width` the NHS.UK
    width class's number."""
    group, hint, errors, described = _parts(field, context)
    classes = "nhsuk-input"
    if width:
        classes += f" nhsuk-input--width-{_text(width, context)}"
    if field.errors:
        classes += " nhsuk-input--error"
    value = field.value()
    extra = "".join(
        f' {name}="{_text(given, context)}"'
        for name, given in (
            ("autocomplete", autocomplete),
            ("list", list),
            ("inputmode", inputmode),
        )
        if given
    )
    return mark_safe(  # noqa: S308 (every value escaped)
        f'<div class="{group}">\n{_label(field, context)}\n{hint}{errors}'
        f'<input class="{classes}"{_attr("id", field.id_for_label, context)} '
        f'name="{_text(field.html_name, context)}" '
        f'type="{_text(type or "text", context)}" '
        f'value="{_text("" if value is None else value, context)}"'
        f'{extra}{described} spellcheck="false">\n</div>'
    )


@register.simple_tag(takes_context=True)
def select_field(context, field):
    """A select (includes/select.html), its options from select_options."""
    group, hint, errors, described = _parts(field, context)
    error_class = " nhsuk-select--error" if field.errors else ""
    return mark_safe(  # noqa: S308 (every value escaped)
        f'<div class="{group}">\n{_label(field, context)}\n{hint}{errors}'
        f'<select class="nhsuk-select{error_class}"{_attr("id", field.id_for_label, context)} '
        f'name="{_text(field.html_name, context)}"{described}>'
        f"{select_options(field)}</select>\n</div>"
    )


@register.simple_tag(takes_context=True)
def radios_field(context, field, printable=False):
    """A group of radios (includes/radios.html); `printable` draws a box to tick on paper."""
    name = _text(field.html_name, context)
    box = '<span class="signpost-print-box" aria-hidden="true"></span>' if printable else ""
    items = "".join(
        '<div class="nhsuk-radios__item"><input class="nhsuk-radios__input"'
        f'{_attr("id", option.id_for_label, context)} name="{name}" '
        f'type="radio" value="{_text(option.data["value"], context)}"'
        f"{' checked' if option.data['selected'] else ''}>"
        '<label class="nhsuk-label nhsuk-radios__label"'
        f"{_attr('for', option.id_for_label, context)}>{box}"
        f"{_text(option.choice_label, context)}</label></div>\n"
        for option in field
    )
    return _fieldset(field, context, "nhsuk-radios nhsuk-radios--small", items)


@register.simple_tag(takes_context=True)
def checkbox_field(context, field):
    """One checkbox for a yes-or-no field (includes/checkbox.html)."""
    group, hint, errors, described = _parts(field, context)
    if hint:
        hint = hint.replace('class="nhsuk-hint"', 'class="nhsuk-hint nhsuk-checkboxes__hint"', 1)
    label_for = field.id_for_label
    return mark_safe(  # noqa: S308 (every value escaped)
        f'<div class="{group}">\n{errors}'
        '<div class="nhsuk-checkboxes nhsuk-checkboxes--small"><div class="nhsuk-checkboxes__item">'
        f'<input class="nhsuk-checkboxes__input"{_attr("id", label_for, context)} '
        f'name="{_text(field.html_name, context)}" type="checkbox" value="on"'
        f"{' checked' if field.value() else ''}{described}>"
        f'<label class="nhsuk-label nhsuk-checkboxes__label"{_attr("for", label_for, context)}>'
        f"{_text(field.label, context)}</label>\n{hint}</div></div>\n</div>"
    )


@register.simple_tag(takes_context=True)
def checkboxes_field(context, field):
    """A group of checkboxes (includes/checkboxes.html), the boxes from checkbox_items."""
    return _fieldset(
        field, context, "nhsuk-checkboxes nhsuk-checkboxes--small", checkbox_items(field)
    )


def _fieldset(field, context, classes: str, items: str) -> SafeString:
    """A group of radios or checkboxes: the field's fieldset, legend, hint and errors around
    `items` (markup, each value in it escaped)."""
    group, hint, errors, described = _parts(field, context)
    return mark_safe(  # noqa: S308 (every value escaped)
        f'<div class="{group}">\n<fieldset class="nhsuk-fieldset"'
        f"{_attr('id', field.auto_id, context)}{described}>"
        '<legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">'
        f"{_text(field.label, context)}</legend>\n{hint}{errors}"
        f'<div class="{classes}">\n{items}</div>\n</fieldset>\n</div>'
    )


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
