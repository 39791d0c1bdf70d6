"""The search results' cards, and the shortlist's "Add" or "Remove" control, as HTML.

A results page shows up to fifty cards. Through Django's template engine each cost about half a
millisecond (an include, two forms, a few dozen variables), and through `format_html` still a
quarter: more than the search itself, on the page link workers open most. Here a card is one
f-string, every value from the directory or the search escaped with `html.escape`, which is
what Django's `escape` calls; only markup built here, or already safe (the CSRF field, the
carried search), goes in unescaped. The markup is the NHS.UK card and buttons, as on the rest
of the page.
"""

from html import escape as _escape

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

# An id no record has, put where a record's id goes in its address, then replaced.
_MARKER = 987654321987654321


def url_for_each(name: str):
    """reverse(name, args=[pk]) for many records: the address is worked out once, and each
    record's id put in its place (a card has two addresses; reversing each took a tenth of
    the page)."""
    head, tail = reverse(name, args=[_MARKER]).split(str(_MARKER))
    return lambda pk: f"{head}{int(pk)}{tail}"


def _e(value) -> str:
    """A value as HTML text: what {{ value }} in a template writes."""
    return _escape(str(value))


def csrf_input(token) -> SafeString:
    """The form's CSRF field, as {% csrf_token %} writes it."""
    return mark_safe(f'<input type="hidden" name="csrfmiddlewaretoken" value="{_e(token)}">')  # noqa: S308


def shortlist_control(control: dict, csrf: SafeString) -> SafeString:
    """The "Add to shortlist" (or "Remove") form for one service, from
    signposting.templatetags.shortlist.control(); nothing when it is not shown."""
    return mark_safe(_shortlist_control(control, csrf))  # noqa: S308 (escaped in there)


def _shortlist_control(control: dict, csrf: SafeString) -> str:
    if not control.get("show"):
        return ""
    name = _e(control["service_name"])
    fields = (
        f'<input type="hidden" name="service" value="{_e(control["service_id"])}">'
        f'<input type="hidden" name="next" value="{_e(control["next_url"])}">'
    )
    if control["on_list"]:
        button = (
            '<button class="nhsuk-button nhsuk-button--secondary nhsuk-button--small" '
            f'type="submit">Remove<span class="nhsuk-u-visually-hidden"> {name}</span> from '
            "shortlist</button>"
        )
    else:
        pairs = control["pairs"]
        if len(pairs) == 1:
            need = f'<input type="hidden" name="need" value="{_e(pairs[0][0])}">'
        else:
            service_id = _e(control["service_id"])
            options = "".join(
                f'<option value="{_e(slug)}">{_e(label)}</option>' for slug, label in pairs
            )
            need = (
                '<div class="nhsuk-form-group"><label class="nhsuk-label" '
                f'for="shortlist-need-{service_id}">Shortlist for the need<span '
                f'class="nhsuk-u-visually-hidden"> ({name})</span></label><select '
                f'class="nhsuk-select" id="shortlist-need-{service_id}" name="need">{options}'
                "</select></div>"
            )
        button = (
            f'{need}<button class="nhsuk-button nhsuk-button--secondary nhsuk-button--small" '
            f'type="submit">Add<span class="nhsuk-u-visually-hidden"> {name}</span> to shortlist'
            "</button>"
        )
    return (
        '<form class="signpost-shortlist-control" method="post" '
        f'action="{_e(control["action"])}">{csrf}{fields}{button}</form>'
    )


_CLOSED_TAG = ' · <strong class="nhsuk-tag nhsuk-tag--red">Closed to new referrals</strong>'
_WAITING_TAG = ' · <strong class="nhsuk-tag nhsuk-tag--yellow">Waiting list</strong>'


def card(row: dict, page: dict) -> SafeString:
    """One result: `row` from signposting.views._result_groups; `page` what every card shares
    (csrf, carried, record_url, results_url, can_record)."""
    item = row["match"]
    entry = item.entry
    name = _e(entry.name)
    where = "By phone or online" if item.distance_km is None else f"{item.distance_km} km away"
    if item.closed:
        tag = _CLOSED_TAG
    elif entry.capacity == "waiting_list":
        tag = _WAITING_TAG
    else:
        tag = ""
    listing = row["listing"]
    facts = (
        f'<p class="nhsuk-body-s signpost-listing">{_e(listing.cost_text)} · '
        f"{_e(listing.open_days_text)}</p>"
        if listing
        else ""
    )
    contact = [f"How to refer: {_e(row['route'])}."]
    if entry.phone:
        contact.append(f"Phone {_e(entry.phone)}.")
    if entry.email:
        email = _e(entry.email)
        contact.append(f'Email <a href="mailto:{email}">{email}</a>.')
    if item.location and any(item.location):  # (address, postcode); an address may be blank
        contact.append(", ".join(_e(part) for part in item.location if part) + ".")
    report = (
        f'<p class="nhsuk-body-s"><a href="{_e(row["report_url"])}?next='
        f'{_e(page["results_url"])}">Report a problem with this listing'
        f'<span class="nhsuk-u-visually-hidden"> for {name}</span></a></p>'
        if row["report_url"]
        else ""
    )
    record = ""
    if page["can_record"]:
        need = (
            f'<input type="hidden" name="need" value="{_e(row["need_slugs"][0])}">'
            if len(row["need_slugs"]) == 1
            else ""
        )
        record = (
            f'<form method="post" action="{_e(page["record_url"])}">{page["csrf"]}'
            f'{page["carried"]}<input type="hidden" name="service" value="{_e(entry.id)}">'
            f'{need}<button class="nhsuk-button nhsuk-button--secondary '
            'nhsuk-button--small nhsuk-u-margin-bottom-0" type="submit">Record a referral to '
            f"{name}</button></form>"
        )
    reasons = "".join(f"<li>{_e(r.text)}</li>" for r in item.decision.reasons)
    contact_text = "\n".join(contact)
    shortlist = _shortlist_control(row["shortlist"], page["csrf"])
    return mark_safe(  # noqa: S308 (every value escaped above)
        f'<div class="nhsuk-card" id="service-{_e(entry.id)}"><div class="nhsuk-card__content">'
        f'<h4 class="nhsuk-card__heading nhsuk-heading-s"><a href="{_e(row["url"])}">{name}</a>'
        f'</h4><p class="nhsuk-body-s signpost-meta">{_e(entry.organisation)} · {_e(where)}'
        f"{tag}</p>{facts}"
        f'<ul class="nhsuk-list nhsuk-list--bullet nhsuk-body-s signpost-reasons">{reasons}</ul>'
        f'<p class="nhsuk-body-s">Helps with: {_e(", ".join(row["needs"]))}.\n{contact_text}</p>'
        f"{report}{shortlist}{record}</div></div>"
    )
