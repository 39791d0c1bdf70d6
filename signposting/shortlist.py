"""A patient's shortlist: services picked from one search, each for the need it was found for.

The entries live with the last search in the session (signposting/last_search.py): a list of
{"service": id, "need": slug}. The patient takes the list away printed, by text message (names
and phone numbers only: texts are short) or by email (the whole list). Sending records the
referral once, with each service as "signposted" on its need's path; sending again, or after a
failure, records nothing twice.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Prefetch

from directory import listing
from directory.models import Location, Need, Service
from signposting.actions import create_referral_from, record_path_event
from signposting.journey import standing
from signposting.matching import MatchQuery, NotOpenToPatient, not_open, service_decision
from signposting.models import OutcomeEvent, Referral
from signposting.vocabulary import CONNECTS, Kind, Stage

# Enough for a conversation with a patient, and what two printed A4 pages hold.
MAX_SERVICES = 6
# GOV.UK Notify's longest text message (6 fragments of 153 characters).
SMS_MAX_CHARACTERS = 918
EMAIL_SUBJECT = "Services that may help you"


class ShortlistError(ValueError):
    """Something the link worker can put right, said in plain words."""


def add(entries: list[dict], *, service_id: int, need: str) -> list[dict]:
    """Return the entries with the service added for the need; a second add changes nothing."""
    if any(e["service"] == service_id for e in entries):
        return list(entries)
    if len(entries) >= MAX_SERVICES:
        raise ShortlistError(
            f"The shortlist holds {MAX_SERVICES} services at most: remove one to add another."
        )
    return [*entries, {"service": service_id, "need": need}]


def why_not_open(query: MatchQuery, service: Service) -> NotOpenToPatient | None:
    """Why the service is not open to this search's patient (not eligible, or closed to new
    referrals), or None. The shortlist holds what the patient may use: a service not open to
    them is recorded from the results with a reason, never sent as a suggestion."""
    return not_open(service_decision(query, service))


def refuse_not_open(query: MatchQuery, service: Service) -> None:
    """Raise ShortlistError, in words, if the service is not open to the patient."""
    found = why_not_open(query, service)
    if found is not None:
        raise ShortlistError(
            f"{service.name} is not open to this patient ({'; '.join(found.reasons)}), so it "
            "cannot go on the shortlist: record a referral to it from the results, with the "
            "reason, if you are going ahead all the same."
        )


def remove(entries: list[dict], *, service_id: int) -> list[dict]:
    """Return the entries without the service."""
    return [e for e in entries if e["service"] != service_id]


def service_ids(entries: list[dict]) -> set[int]:
    return {e["service"] for e in entries}


@dataclass(frozen=True)
class Shortlisted:
    """A service on the list, with what a patient needs to know to use it."""

    service: Service
    need: Need

    @property
    def opening_lines(self) -> list[str]:
        lines = listing.schedule_lines(self.service.schedules.all())
        if self.service.opening_times:
            lines.append(self.service.opening_times)
        return lines

    @property
    def cost(self) -> str:
        return listing.cost_text(self.service.is_free, self.service.cost)

    @property
    def places(self) -> list[str]:
        """How to get there: each place it meets, or how else it is delivered."""
        places = [str(location) for location in self.service.locations.all()]
        other = [
            words
            for flag, words in [
                (self.service.by_phone, "by phone"),
                (self.service.online, "online"),
                (self.service.home_visit, "at home (home visits)"),
            ]
            if flag
        ]
        if other:
            places.append("Also " + ", ".join(other) if places else "Delivered " + ", ".join(other))
        return places

    @property
    def how_to_start(self) -> str:
        route = self.service.referral_route
        if route == Service.ReferralRoute.SELF:
            return "Contact them yourself."
        if route == Service.ReferralRoute.PROFESSIONAL:
            return "Your link worker or another professional needs to refer you."
        return "Contact them yourself, or ask your link worker to refer you."


def contents(entries: list[dict]) -> list[Shortlisted]:
    """The entries' services and needs, in the order they were added. A service that has since
    been unpublished, or a need no longer known, drops out."""
    ids = [e["service"] for e in entries]
    services = (
        Service.objects.filter(pk__in=ids, status=Service.Status.PUBLISHED)
        .select_related("organisation")
        .prefetch_related("schedules", Prefetch("locations", queryset=Location.objects.all()))
        .in_bulk()
    )
    needs = Need.objects.in_bulk([e["need"] for e in entries], field_name="slug")
    return [
        Shortlisted(service=services[e["service"]], need=needs[e["need"]])
        for e in entries
        if e["service"] in services and e["need"] in needs
    ]


def text_message(items: list[Shortlisted]) -> str:
    """The text: each service's name and phone number, nothing else (a text is short)."""
    lines = ["Services that may help you:"]
    for number, item in enumerate(items, start=1):
        phone = item.service.phone or "no phone number: see the printed list or email"
        lines.append(f"{number}. {item.service.name}: {phone}")
    text = "\n".join(lines)
    if len(text) > SMS_MAX_CHARACTERS:
        raise ShortlistError(
            f"The list is too long for one text message ({len(text)} characters, at most "
            f"{SMS_MAX_CHARACTERS}): send it by email, print it, or remove a service."
        )
    return text


def email_text(items: list[Shortlisted], *, team: str) -> str:
    """The email: the whole list, as the printed page has it."""
    blocks = [f"These services were suggested by {team}. Each says how to contact it."]
    for item in items:
        service = item.service
        lines = [f"{service.name} ({service.organisation.name})"]
        if service.description:
            lines.append(service.description)
        contact = [
            f"{label}: {value}"
            for label, value in [
                ("Phone", service.phone),
                ("Email", service.email),
                ("Website", service.website),
            ]
            if value
        ]
        lines.append("How to contact: " + ("; ".join(contact) or "no contact details held"))
        lines.append(item.how_to_start)
        lines.append("Opening times: " + ("; ".join(item.opening_lines) or "not known"))
        lines.append("Cost: " + item.cost)
        if item.places:
            lines.append("Where: " + "; ".join(item.places))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _connected(events: list[OutcomeEvent], need_id: int, service_id: int) -> bool:
    return any(
        e.stage == Stage.PATH
        and e.need_id == need_id
        and e.service_id == service_id
        and e.kind in CONNECTS
        for e in standing(events)
    )


@transaction.atomic
def record_signposting(
    *,
    user,
    search_data: dict,
    items: list[Shortlisted],
    referral: Referral | None,
    source: str,
    query: MatchQuery,
) -> tuple[Referral, int]:
    """Record the shortlist on the patient's referral: create it if there is none yet, and add
    "signposted" to each need's path for each service not already referred or signposted to
    there. Return the referral and the number of events added (none, a second time).

    Each service is checked again against the patient first (one may have closed to new
    referrals since it was added): if any is not open to them, nothing is recorded."""
    for item in items:
        refuse_not_open(query, item.service)
    if referral is None:
        referral = create_referral_from(user, {**search_data, "source": source})
    events = list(referral.events.all())
    added = 0
    for item in items:
        if _connected(events, item.need.pk, item.service.pk):
            continue
        events.append(
            record_path_event(
                referral=referral,
                recorded_by=user,
                need=item.need,
                kind=Kind.SIGNPOSTED,
                service=item.service,
                note="Shortlist given to the patient",
            )
        )
        added += 1
    return referral, added


def print_date(today: dt.date | None = None) -> str:
    return f"{(today or dt.date.today()):%-d %B %Y}"
