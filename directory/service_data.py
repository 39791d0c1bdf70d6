"""Validate service records from a spreadsheet row or an API body, and write them in bulk.

One validator serves both paths, so a service means the same whichever way it arrives. Lists
may be given as Python lists or as text separated by ";". Every problem is reported as
"<where>, <column>: <what is wrong>".
"""

import datetime as dt
import hashlib
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils import timezone

from directory.models import (
    DELIVERY_MODE_FIELDS,
    Area,
    Need,
    PatientGroup,
    Postcode,
    Service,
)
from directory.postcodes import InvalidPostcode, normalise_postcode, unknown_postcode_message

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Column:
    """One column of the spreadsheet template, which is also one key of the API's write body."""

    name: str
    help: str
    required: bool = False
    max_length: int | None = None
    is_list: bool = False


# The service's fields, listed once: the template, the importer, the API's write body and the
# admin's messages all follow this list (docs/import.md describes each column).
SERVICE_COLUMNS = [
    Column("external_id", "Your identifier for the service (optional, unique)", max_length=100),
    Column("organisation", "The organisation that runs it", required=True, max_length=200),
    Column("service", "The service's name", required=True, max_length=200),
    Column("description", "What it offers, in plain words"),
    Column("needs", "Needs it meets, separated by ;", required=True, is_list=True),
    Column("delivery_modes", "in_person; phone; online; home_visit", required=True, is_list=True),
    Column("address", "Where it is delivered in person", max_length=300),
    Column("postcode", "The address's postcode (required for in-person services)"),
    Column("areas_served", "Boroughs or ICBs it serves, or national", required=True, is_list=True),
    Column("eligible_areas", "Areas a patient must be connected to (empty: anyone)", is_list=True),
    Column("eligible_via", "Connections that count: lives; works; gp", is_list=True),
    Column("min_age", "Youngest age served"),
    Column("max_age", "Oldest age served"),
    Column("only_for", "Patient groups it is only for", is_list=True),
    Column("referral_route", "self, professional or both"),
    Column("phone", "Contact phone number", max_length=40),
    Column("email", "Contact email address"),
    Column("website", "Web address starting http:// or https://"),
    Column(
        "opening_times",
        "e.g. Mon 09:00-12:00, 13:00-17:00; Sat 10:00-12:00; by appointment",
        is_list=True,
    ),
    Column("opening_notes", "Anything else about when it is open", max_length=300),
    Column("cost", "free, or what it costs (empty: not known)", max_length=200),
    Column("step_free_access", "yes, no or empty (not known)"),
    Column("hearing_loop", "yes, no or empty (not known)"),
    Column("accessible_toilet", "yes, no or empty (not known)"),
    Column("languages", "Languages spoken besides English, separated by ;", is_list=True),
    Column("accessibility_note", "Anything else about access", max_length=500),
    Column("capacity", "open, waiting_list or closed"),
    Column("status", "draft, published or archived"),
    Column("last_reviewed", "YYYY-MM-DD or DD/MM/YYYY, not in the future"),
]
COLUMNS = [c.name for c in SERVICE_COLUMNS]
REQUIRED_COLUMNS = [c.name for c in SERVICE_COLUMNS if c.required]
LIST_COLUMNS = frozenset(c.name for c in SERVICE_COLUMNS if c.is_list)
MAX_LENGTHS = {c.name: c.max_length for c in SERVICE_COLUMNS if c.max_length}
VIA = ("lives", "works", "gp")
ACCESS_FLAGS = ("step_free_access", "hearing_loop", "accessible_toilet")
DAY_NAMES = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MAX_LANGUAGES = 20
# A language's name: letters, with spaces, hyphens or a bracketed variety ("Chinese (Cantonese)").
LANGUAGE = r"[^\W\d_]+(?:[ '-]+[^\W\d_]+)*(?: \([^\W\d_]+(?:[ '-]+[^\W\d_]+)*\))?"


@dataclass(frozen=True)
class OpeningData:
    """One weekly opening (a day and its hours) or, with no day, "by appointment"."""

    weekday: int | None
    opens_at: dt.time | None = None
    closes_at: dt.time | None = None

    @property
    def by_appointment(self) -> bool:
        return self.weekday is None

    def key(self) -> tuple:
        return (self.weekday or 0, str(self.opens_at), str(self.closes_at))


@dataclass
class LocationData:
    """Where a service is delivered in person; coordinates come from the postcode table."""

    postcode: str
    address: str = ""
    name: str = ""
    latitude: float | None = None
    longitude: float | None = None
    local_authority: str | None = None
    uuid: str | None = None


@dataclass
class ServiceData:
    """A validated service, ready to write."""

    organisation: str
    name: str
    external_id: str = ""
    description: str = ""
    need_ids: list[int] = field(default_factory=list)
    delivery_modes: list[str] = field(default_factory=list)
    locations: list[LocationData] = field(default_factory=list)
    areas_served: list[str] = field(default_factory=list)
    serves_nationally: bool = False
    eligible_areas: list[str] = field(default_factory=list)
    eligible_via: list[str] = field(default_factory=lambda: ["lives", "gp"])
    min_age: int | None = None
    max_age: int | None = None
    only_for: list[str] = field(default_factory=list)
    referral_route: str = Service.ReferralRoute.BOTH
    phone: str = ""
    email: str = ""
    website: str = ""
    openings: list[OpeningData] = field(default_factory=list)
    opening_notes: str = ""
    is_free: bool | None = None
    cost: str = ""
    step_free_access: bool | None = None
    hearing_loop: bool | None = None
    accessible_toilet: bool | None = None
    languages: list[str] = field(default_factory=list)
    accessibility_note: str = ""
    capacity: str = Service.Capacity.OPEN
    status: str = Service.Status.PUBLISHED
    last_reviewed: dt.date | None = None
    eligibility_published: bool = True
    uuid: str | None = None

    @property
    def postcode(self) -> str:
        return self.locations[0].postcode if self.locations else ""

    def comparable(self) -> dict:
        """What the listing says, without what is derived (coordinates) or assigned (uuids)."""
        payload = asdict(self)
        payload.pop("uuid")
        payload["need_ids"] = sorted(self.need_ids)
        payload["areas_served"] = sorted(self.areas_served)
        payload["eligible_areas"] = sorted(self.eligible_areas)
        payload["delivery_modes"] = sorted(self.delivery_modes)
        payload["only_for"] = sorted(self.only_for)
        payload["openings"] = sorted(o.key() for o in self.openings)
        payload["locations"] = sorted(
            (loc.name, loc.address, loc.postcode) for loc in self.locations
        )
        payload["last_reviewed"] = str(self.last_reviewed)
        return payload

    def fingerprint(self) -> str:
        return hashlib.sha256(
            json.dumps(self.comparable(), sort_keys=True, default=str).encode()
        ).hexdigest()

    def differences(self, other: "ServiceData") -> list[str]:
        """The columns in which two versions of a listing differ."""
        mine, theirs = self.comparable(), other.comparable()
        names = {"name": "service", "need_ids": "needs", "openings": "opening_times"}
        return [names.get(k, k) for k in mine if mine[k] != theirs[k]]

    @classmethod
    def from_service(cls, service: Service) -> "ServiceData":
        """The listing as it is now (with needs, areas, locations and schedules prefetched)."""
        return cls(
            organisation=service.organisation.name,
            name=service.name,
            external_id=service.external_id,
            description=service.description,
            need_ids=[n.pk for n in service.needs.all()],
            delivery_modes=service.delivery_modes,
            locations=[
                LocationData(
                    postcode=loc.postcode,
                    address=loc.address,
                    name=loc.name,
                    latitude=loc.latitude,
                    longitude=loc.longitude,
                    local_authority=loc.local_authority_id,
                    uuid=str(loc.uuid),
                )
                for loc in service.locations.all()
            ],
            areas_served=[a.pk for a in service.areas_served.all()],
            serves_nationally=service.serves_nationally,
            eligible_areas=[a.pk for a in service.eligible_areas.all()],
            eligible_via=service.eligible_via,
            min_age=service.min_age,
            max_age=service.max_age,
            only_for=list(service.only_for or []),
            referral_route=service.referral_route,
            phone=service.phone,
            email=service.email,
            website=service.website,
            openings=[
                OpeningData(s.weekday, s.opens_at, s.closes_at) for s in service.schedules.all()
            ],
            opening_notes=service.opening_times,
            is_free=service.is_free,
            cost=service.cost,
            step_free_access=service.step_free_access,
            hearing_loop=service.hearing_loop,
            accessible_toilet=service.accessible_toilet,
            languages=list(service.languages or []),
            accessibility_note=service.accessibility_note,
            capacity=service.capacity,
            status=service.status,
            last_reviewed=service.last_reviewed,
            eligibility_published=service.eligibility_published,
            uuid=str(service.uuid),
        )


def split_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).split(";") if part.strip()]


def _key(text: str) -> str:
    return re.sub(r"[\s_-]+", " ", text.strip().lower())


def _weekday(text: str) -> int | None:
    """1 for Monday ... 7 for Sunday, from a name or its first three letters."""
    word = text.strip().lower()
    for number, name in enumerate(DAY_NAMES, start=1):
        if len(word) >= 3 and name.startswith(word) or word == name:
            return number
    return None


class ServiceValidator:
    """Check raw service records against the taxonomy, the areas and the postcode table."""

    def __init__(self):
        self.needs: dict[str, int] = {}
        for need in Need.objects.all():
            for alias in [need.slug, need.name, *need.synonym_list]:
                self.needs.setdefault(_key(alias), need.pk)
        self.areas: dict[str, str] = {}
        for code, name, kind in Area.objects.values_list("code", "name", "kind"):
            self.areas[_key(code)] = code
            self.areas.setdefault(_key(name), code)
            if kind == Area.Kind.ICB:
                short = re.sub(r"^nhs |\s*integrated care board$", "", name.lower()).strip()
                self.areas.setdefault(_key(short), code)
                self.areas.setdefault(_key(short + " icb"), code)
        self.groups = {}
        for value, label in PatientGroup.choices:
            self.groups[_key(value)] = value
            self.groups[_key(label)] = value
        self.modes = {_key(m): m for m in DELIVERY_MODE_FIELDS}
        self.modes.update({"phone": "phone", "telephone": "phone", "by phone": "phone"})
        self.postcodes: dict[str, tuple] = {}

    def prefetch_postcodes(self, raw_postcodes: Iterable) -> None:
        """Look up, in a few queries, every well-formed postcode the records name."""
        wanted = set()
        for raw in raw_postcodes:
            try:
                wanted.add(normalise_postcode(str(raw)))
            except InvalidPostcode:
                continue
        wanted -= set(self.postcodes)
        wanted_list = sorted(wanted)
        for start in range(0, len(wanted_list), 500):
            chunk = wanted_list[start : start + 500]
            for pc, lat, lon, la in Postcode.objects.filter(postcode__in=chunk).values_list(
                "postcode", "latitude", "longitude", "local_authority_id"
            ):
                self.postcodes[pc] = (lat, lon, la)

    def validate(self, raw: dict) -> tuple[ServiceData | None, list[tuple[str, str]]]:
        """Return the record as ServiceData, or None and every (column, problem) found."""
        errors: list[tuple[str, str]] = []

        def err(column, message):
            errors.append((column, message))

        def text(column) -> str:
            value = raw.get(column)
            value = "" if value is None else str(value).strip()
            limit = MAX_LENGTHS.get(column)
            if limit and len(value) > limit:
                err(column, f"is {len(value)} characters long; the most is {limit}")
            return value

        data = ServiceData(organisation=text("organisation"), name=text("service"))
        if not data.organisation:
            err("organisation", "is required")
        if not data.name:
            err("service", "is required")
        data.external_id = text("external_id")
        data.description = text("description")
        address = text("address")

        def resolve(column: str, aliases: dict, unknown: str) -> list:
            """Each listed item by its aliases, once; every unknown one reported."""
            found = []
            for item in split_list(raw.get(column)):
                value = aliases.get(_key(item))
                if value is None:
                    err(column, f"'{item}' {unknown}")
                elif value not in found:
                    found.append(value)
            return found

        data.need_ids = resolve("needs", self.needs, "is not a known need (see /api/v1/needs/)")
        if not split_list(raw.get("needs")):
            err("needs", "at least one need is required")

        data.delivery_modes = resolve(
            "delivery_modes", self.modes, f"is not one of {', '.join(DELIVERY_MODE_FIELDS)}"
        )
        if not split_list(raw.get("delivery_modes")):
            err("delivery_modes", "at least one delivery mode is required")

        postcode = text("postcode")
        if postcode:
            location = self.location(postcode, "postcode", err)
            if location is not None:
                location.address = address
                data.locations = [location]
        elif "in_person" in data.delivery_modes:
            err("postcode", "is required for a service delivered in person")

        served = split_list(raw.get("areas_served"))
        if not served:
            err("areas_served", "at least one area (or 'national') is required")
        for item in served:
            if _key(item) == "national":
                data.serves_nationally = True
            elif (code := self.areas.get(_key(item))) is None:
                err("areas_served", f"'{item}' is not a known area code or name")
            elif code not in data.areas_served:
                data.areas_served.append(code)
        data.eligible_areas = resolve(
            "eligible_areas", self.areas, "is not a known area code or name"
        )

        via = [_key(v) for v in split_list(raw.get("eligible_via"))]
        bad_via = [v for v in via if v not in VIA]
        if bad_via:
            err("eligible_via", f"'{bad_via[0]}' is not one of lives, works, gp")
        elif via:
            data.eligible_via = [v for v in VIA if v in via]
        elif data.eligible_areas and raw.get("eligible_via") not in (None, ""):
            err("eligible_via", "say which of lives, works, gp count")

        data.min_age = self._age(raw.get("min_age"), "min_age", err)
        data.max_age = self._age(raw.get("max_age"), "max_age", err)
        if data.min_age is not None and data.max_age is not None and data.min_age > data.max_age:
            err("max_age", f"{data.max_age} is below min_age {data.min_age}")

        data.only_for = resolve(
            "only_for", self.groups, f"is not one of {', '.join(PatientGroup.values)}"
        )

        data.referral_route = self._choice(
            raw.get("referral_route"),
            "referral_route",
            Service.ReferralRoute,
            data.referral_route,
            err,
        )
        data.capacity = self._choice(
            raw.get("capacity"), "capacity", Service.Capacity, data.capacity, err
        )
        data.status = self._choice(raw.get("status"), "status", Service.Status, data.status, err)

        data.phone = text("phone")
        data.email = text("email")
        if data.email:
            try:
                validate_email(data.email)
            except ValidationError:
                err("email", f"'{data.email}' is not an email address")
        data.website = text("website")
        if data.website:
            try:
                URLValidator(schemes=["http", "https"])(data.website)
            except ValidationError:
                err(
                    "website", f"'{data.website}' is not a web address starting http:// or https://"
                )

        data.openings = self._openings(raw.get("opening_times"), err)
        data.opening_notes = text("opening_notes")
        data.is_free, data.cost = self._cost(text("cost"))
        for flag in ACCESS_FLAGS:
            setattr(data, flag, self._yes_no(raw.get(flag), flag, err))
        data.languages = []
        for language in split_list(raw.get("languages")):
            if len(language) > 40 or not re.fullmatch(LANGUAGE, language):
                err("languages", f"'{language[:40]}' is not a language name")
            elif language.title() not in data.languages:
                data.languages.append(language.title())
        if len(data.languages) > MAX_LANGUAGES:
            err("languages", f"lists {len(data.languages)} languages; the most is {MAX_LANGUAGES}")
        data.accessibility_note = text("accessibility_note")

        data.last_reviewed = self._date(raw.get("last_reviewed"), err)
        return (None, errors) if errors else (data, [])

    def location(self, raw_postcode: str, column: str, err) -> LocationData | None:
        """A location at a known postcode, or None with the problem reported."""
        try:
            postcode = normalise_postcode(str(raw_postcode))
        except InvalidPostcode as exc:
            err(column, str(exc))
            return None
        known = self.postcodes.get(postcode)
        if known is None:
            err(column, unknown_postcode_message(postcode))
            return None
        latitude, longitude, local_authority = known
        return LocationData(
            postcode, latitude=latitude, longitude=longitude, local_authority=local_authority
        )

    @staticmethod
    def _openings(value, err) -> list[OpeningData]:
        """Parse "Mon 09:00-12:00, 13:00-17:00; Tue-Thu 10:00-16:00; by appointment"."""
        openings: list[OpeningData] = []
        example = "use e.g. 'Mon 09:00-12:00, 13:00-17:00; Sat 10:00-12:00; by appointment'"
        for part in split_list(value):
            if _key(part) == "by appointment":
                if OpeningData(None) not in openings:
                    openings.append(OpeningData(None))
                continue
            match = re.fullmatch(r"([A-Za-z]+)(?:\s*(?:-|to)\s*([A-Za-z]+))?\s+(.+)", part)
            days = None
            if match:
                first, last = _weekday(match.group(1)), _weekday(match.group(2) or match.group(1))
                if first and last and first <= last:
                    days = range(first, last + 1)
            if days is None:
                err("opening_times", f"'{part}' does not start with a day or days ({example})")
                continue
            for hours in match.group(3).split(","):
                found = re.fullmatch(
                    r"\s*(\d{1,2})[:.](\d{2})\s*(?:-|to)\s*(\d{1,2})[:.](\d{2})\s*", hours
                )
                try:
                    opens = dt.time(int(found.group(1)), int(found.group(2))) if found else None
                    closes = dt.time(int(found.group(3)), int(found.group(4))) if found else None
                except ValueError:
                    opens = closes = None
                if opens is None or closes is None:
                    err("opening_times", f"'{hours.strip()}' is not opening hours like 09:00-17:00")
                    continue
                if opens >= closes:
                    err("opening_times", f"'{hours.strip()}' closes before it opens")
                    continue
                for day in days:
                    opening = OpeningData(day, opens, closes)
                    if opening not in openings:
                        openings.append(opening)
        return openings

    @staticmethod
    def _cost(text: str) -> tuple[bool | None, str]:
        if not text:
            return None, ""
        if _key(text) in ("free", "0", "£0", "no charge", "free of charge"):
            return True, ""
        return False, text

    @staticmethod
    def _yes_no(value, column, err) -> bool | None:
        text = _key(str(value or ""))
        if text in ("", "not known", "unknown"):
            return None
        if text in ("yes", "y", "true", "1"):
            return True
        if text in ("no", "n", "false", "0"):
            return False
        err(column, f"'{value}' is not yes or no (leave it empty if not known)")
        return None

    @staticmethod
    def _age(value, column, err) -> int | None:
        if value is None or str(value).strip() == "":
            return None
        text = str(value).strip()
        if re.fullmatch(r"\d+(\.0+)?", text) is None:
            err(column, f"'{text}' is not a whole number of years")
            return None
        age = int(float(text))
        if age > 120:
            err(column, f"{age} is not a plausible age")
            return None
        return age

    @staticmethod
    def _choice(value, column, choices, default, err) -> str:
        if value is None or str(value).strip() == "":
            return default
        key = _key(str(value)).replace(" ", "_")
        for choice_value, label in choices.choices:
            if key in (choice_value, _key(label).replace(" ", "_")):
                return choice_value
        err(column, f"'{value}' is not one of {', '.join(choices.values)}")
        return default

    @staticmethod
    def _date(value, err) -> dt.date | None:
        if value is None or str(value).strip() == "":
            return None
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            parsed = value
        else:
            text = str(value).strip()
            parsed = None
            for pattern, fmt in [
                (r"\d{4}-\d{2}-\d{2}( 00:00:00)?", "%Y-%m-%d"),
                (r"\d{1,2}/\d{1,2}/\d{4}", "%d/%m/%Y"),
            ]:
                if re.fullmatch(pattern, text):
                    try:
                        parsed = dt.datetime.strptime(text[:10], fmt).date()
                    except ValueError:
                        parsed = None
            if parsed is None:
                err("last_reviewed", f"'{text}' is not a date (use YYYY-MM-DD or DD/MM/YYYY)")
                return None
        if parsed > timezone.localdate():
            err("last_reviewed", f"{parsed} is in the future")
            return None
        if parsed.year < 2000:
            err("last_reviewed", f"{parsed} is before 2000: not a plausible review date")
            return None
        return parsed
