"""The search results' cards, and the shortlist's "Add" or "Remove" control, as HTML.

A results page shows up to fifty cards. Through Django's template engine each cost about half a
millisecond (an include, two forms, a few dozen variables): more than the search itself, on the
page link workers open most. Here a card is a few `format_html` calls, every value escaped as
the template engine would. The markup is the NHS.UK card and buttons, as on the rest of the page.
"""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


def csrf_input(token) -> SafeString:
    """The form's CSRF field, as {% csrf_token %} writes it."""
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)


def shortlist_control(control: dict, csrf: SafeString) -> SafeString:
    """The "Add to shortlist" (or "Remove") form for one service, from
    signposting.templatetags.shortlist.control(); nothing when it is not shown."""
    if not control.get("show"):
        return mark_safe("")  # noqa: S308 (a constant)
    name = control["service_name"]
    fields = format_html(
        '<input type="hidden" name="service" value="{}">'
        '<input type="hidden" name="next" value="{}">',
        control["service_id"],
        control["next_url"],
    )
    if control["on_list"]:
        button = format_html(
            '<button class="nhsuk-button nhsuk-button--secondary nhsuk-button--small" '
            'type="submit">Remove<span class="nhsuk-u-visually-hidden"> {}</span> from '
            "shortlist</button>",
            name,
        )
    else:
        pairs = control["pairs"]
        if len(pairs) == 1:
            need = format_html('<input type="hidden" name="need" value="{}">', pairs[0][0])
        else:
            need = format_html(
                '<div class="nhsuk-form-group"><label class="nhsuk-label" '
                'for="shortlist-need-{id}">Shortlist for the need<span '
                'class="nhsuk-u-visually-hidden"> ({name})</span></label><select '
                'class="nhsuk-select" id="shortlist-need-{id}" name="need">{options}</select>'
                "</div>",
                id=control["service_id"],
                name=name,
                options=format_html_join("", '<option value="{}">{}</option>', pairs),
            )
        button = format_html(
            '{}<button class="nhsuk-button nhsuk-button--secondary nhsuk-button--small" '
            'type="submit">Add<span class="nhsuk-u-visually-hidden"> {}</span> to shortlist'
            "</button>",
            need,
            name,
        )
    return format_html(
        '<form class="signpost-shortlist-control" method="post" action="{}">{}{}{}</form>',
        control["action"],
        csrf,
        fields,
        button,
    )


def card(row: dict, page: dict) -> SafeString:
    """One result: `row` from signposting.views._result_groups; `page` what every card shares
    (csrf, carried, record_url, results_url, can_record)."""
    item = row["match"]
    entry = item.entry
    where = "By phone or online" if item.distance_km is None else f"{item.distance_km} km away"
    if item.closed:
        tag = mark_safe(  # noqa: S308 (a constant)
            ' · <strong class="nhsuk-tag nhsuk-tag--red">Closed to new referrals</strong>'
        )
    elif entry.capacity == "waiting_list":
        tag = mark_safe(  # noqa: S308 (a constant)
            ' · <strong class="nhsuk-tag nhsuk-tag--yellow">Waiting list</strong>'
        )
    else:
        tag = ""
    listing = row["listing"]
    facts = (
        format_html(
            '<p class="nhsuk-body-s signpost-listing">{} · {}</p>',
            listing.cost_text,
            listing.open_days_text,
        )
        if listing
        else ""
    )
    contact = [format_html("How to refer: {}.", row["route"])]
    if entry.phone:
        contact.append(format_html("Phone {}.", entry.phone))
    if entry.email:
        contact.append(format_html('Email <a href="mailto:{0}">{0}</a>.', entry.email))
    if item.location:
        contact.append(format_html("{}, {}.", item.location[0], item.location[1]))
    report = (
        format_html(
            '<p class="nhsuk-body-s"><a href="{}?next={}">Report a problem with this listing'
            '<span class="nhsuk-u-visually-hidden"> for {}</span></a></p>',
            row["report_url"],
            page["results_url"],
            entry.name,
        )
        if row["report_url"]
        else ""
    )
    record = ""
    if page["can_record"]:
        need = (
            format_html('<input type="hidden" name="need" value="{}">', row["need_slugs"][0])
            if len(row["need_slugs"]) == 1
            else ""
        )
        record = format_html(
            '<form method="post" action="{}">{}{}<input type="hidden" name="service" '
            'value="{}">{}<button class="nhsuk-button nhsuk-button--secondary '
            'nhsuk-button--small nhsuk-u-margin-bottom-0" type="submit">Record a referral to '
            "{}</button></form>",
            page["record_url"],
            page["csrf"],
            page["carried"],
            entry.id,
            need,
            entry.name,
        )
    return format_html(
        '<div class="nhsuk-card" id="service-{id}"><div class="nhsuk-card__content">'
        '<h4 class="nhsuk-card__heading nhsuk-heading-s"><a href="{url}">{name}</a></h4>'
        '<p class="nhsuk-body-s signpost-meta">{organisation} · {where}{tag}</p>{facts}'
        '<ul class="nhsuk-list nhsuk-list--bullet nhsuk-body-s signpost-reasons">{reasons}</ul>'
        '<p class="nhsuk-body-s">Helps with: {needs}.\n{contact}</p>{report}{shortlist}{record}'
        "</div></div>",
        id=entry.id,
        url=row["url"],
        name=entry.name,
        organisation=entry.organisation,
        where=where,
        tag=tag,
        facts=facts,
        reasons=format_html_join("", "<li>{}</li>", ((r.text,) for r in item.decision.reasons)),
        needs=", ".join(row["needs"]),
        contact=mark_safe("\n".join(contact)),  # noqa: S308 (each part escaped above)
        report=report,
        shortlist=shortlist_control(row["shortlist"], page["csrf"]),
        record=record,
    )
