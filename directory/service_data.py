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
from django.db import transaction
from django.utils import timezone

from directory.models import (
    DELIVERY_MODE_FIELDS,
    Area,
    DirectoryRevision,
    Location,
    Need,
    Organisation,
    PatientGroup,
    Postcode,
    Service,
)
from directory.postcodes import InvalidPostcode, normalise_postcode

log = logging.getLogger(__name__)

COLUMNS = [
    "external_id",
    "organisation",
    "service",
    "description",
    "needs",
    "delivery_modes",
    "address",
    "postcode",
    "areas_served",
    "eligible_areas",
    "eligible_via",
    "min_age",
    "max_age",
    "only_for",
    "referral_route",
    "phone",
    "email",
    "website",
    "capacity",
    "status",
    "last_reviewed",
]
REQUIRED_COLUMNS = ["organisation", "service", "needs", "delivery_modes", "areas_served"]
VIA = ("lives", "works", "gp")
MAX_LENGTHS = {
    "external_id": 100,
    "organisation": 200,
    "service": 200,
    "address": 300,
    "phone": 40,
}


@dataclass
class ServiceData:
    """A validated service, ready to write."""

    organisation: str
    name: str
    external_id: str = ""
    description: str = ""
    need_ids: list[int] = field(default_factory=list)
    delivery_modes: list[str] = field(default_factory=list)
    address: str = ""
    postcode: str = ""
    latitude: float | None = None
    longitude: float | None = None
    local_authority: str | None = None
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
    capacity: str = Service.Capacity.OPEN
    status: str = Service.Status.PUBLISHED
    last_reviewed: dt.date | None = None

    def fingerprint(self) -> str:
        payload = asdict(self)
        payload["last_reviewed"] = str(self.last_reviewed)
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def split_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).split(";") if part.strip()]


def _key(text: str) -> str:
    return re.sub(r"[\s_-]+", " ", text.strip().lower())


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
        data.address = text("address")

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
            try:
                data.postcode = normalise_postcode(postcode)
            except InvalidPostcode as exc:
                err("postcode", str(exc))
            else:
                known = self.postcodes.get(data.postcode)
                if known is None:
                    err("postcode", f"'{data.postcode}' is not a known UK postcode")
                else:
                    data.latitude, data.longitude, data.local_authority = known
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

        data.last_reviewed = self._date(raw.get("last_reviewed"), err)
        return (None, errors) if errors else (data, [])

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
        return parsed


@dataclass
class WriteResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    services: list[Service] = field(default_factory=list)


def find_existing(records: list[ServiceData]) -> list[Service | None]:
    """Match each record to its service: by external_id, else organisation + service name."""
    by_external = {
        s.external_id: s
        for s in Service.objects.filter(
            external_id__in=[r.external_id for r in records if r.external_id]
        ).select_related("organisation")
    }
    names = {r.name for r in records}
    by_name = {}
    for s in Service.objects.filter(name__in=names).select_related("organisation"):
        by_name.setdefault((s.organisation.name.lower(), s.name.lower()), s)
    matches = []
    for r in records:
        found = by_external.get(r.external_id) if r.external_id else None
        if found is None:
            candidate = by_name.get((r.organisation.lower(), r.name.lower()))
            # A service already known by another external id is a different service.
            if candidate is not None and (not r.external_id or not candidate.external_id):
                found = candidate
        matches.append(found)
    return matches


@transaction.atomic
def write_services(records: list[ServiceData], targets: list[Service | None]) -> WriteResult:
    """Create or update services in bulk; a record whose fingerprint is unchanged is skipped."""
    result = WriteResult()
    orgs = {
        o.name.lower(): o
        for o in Organisation.objects.filter(name__in={r.organisation for r in records})
    }
    new_orgs = {}
    for r in records:
        if r.organisation.lower() not in orgs and r.organisation.lower() not in new_orgs:
            new_orgs[r.organisation.lower()] = Organisation(name=r.organisation)
    Organisation.objects.bulk_create(new_orgs.values(), batch_size=1000)
    orgs.update({k: o for k, o in new_orgs.items()})

    to_create, to_update, written = [], [], []
    for record, target in zip(records, targets, strict=True):
        fingerprint = record.fingerprint()
        if target is not None and target.import_fingerprint == fingerprint:
            result.unchanged += 1
            result.services.append(target)
            continue
        service = target or Service()
        _apply(service, record, orgs[record.organisation.lower()], fingerprint)
        (to_update if target is not None else to_create).append(service)
        written.append((service, record))
        result.services.append(service)
    Service.objects.bulk_create(to_create, batch_size=1000)
    now = timezone.now()
    for service in to_update:
        service.updated_at = now
    Service.objects.bulk_update(to_update, SERVICE_FIELDS + ["updated_at"], batch_size=500)
    result.created, result.updated = len(to_create), len(to_update)

    updated_ids = [s.pk for s in to_update]
    for relation in (Service.needs, Service.areas_served, Service.eligible_areas):
        relation.through.objects.filter(service_id__in=updated_ids).delete()
    Location.objects.filter(service_id__in=updated_ids).delete()
    needs_rows, served_rows, eligible_rows, locations = [], [], [], []
    for service, record in written:
        needs_rows += [
            Service.needs.through(service_id=service.pk, need_id=n) for n in record.need_ids
        ]
        served_rows += [
            Service.areas_served.through(service_id=service.pk, area_id=a)
            for a in record.areas_served
        ]
        eligible_rows += [
            Service.eligible_areas.through(service_id=service.pk, area_id=a)
            for a in record.eligible_areas
        ]
        if record.postcode:
            locations.append(
                Location(
                    service_id=service.pk,
                    address=record.address,
                    postcode=record.postcode,
                    latitude=record.latitude,
                    longitude=record.longitude,
                    local_authority_id=record.local_authority,
                )
            )
    Service.needs.through.objects.bulk_create(needs_rows, batch_size=2000)
    Service.areas_served.through.objects.bulk_create(served_rows, batch_size=2000)
    Service.eligible_areas.through.objects.bulk_create(eligible_rows, batch_size=2000)
    Location.objects.bulk_create(locations, batch_size=2000)
    if written:
        DirectoryRevision.bump()
    log.info(
        "write_services created=%s updated=%s unchanged=%s",
        result.created,
        result.updated,
        result.unchanged,
    )
    return result


SERVICE_FIELDS = [
    "organisation",
    "name",
    "external_id",
    "description",
    "in_person",
    "by_phone",
    "online",
    "home_visit",
    "serves_nationally",
    "referral_route",
    "capacity",
    "status",
    "last_reviewed",
    "phone",
    "email",
    "website",
    "eligible_if_lives",
    "eligible_if_works",
    "eligible_if_gp",
    "min_age",
    "max_age",
    "only_for",
    "import_fingerprint",
]


def _apply(service: Service, r: ServiceData, organisation: Organisation, fingerprint: str) -> None:
    service.organisation = organisation
    service.name = r.name
    service.external_id = r.external_id
    service.description = r.description
    for mode, flag in DELIVERY_MODE_FIELDS.items():
        setattr(service, flag, mode in r.delivery_modes)
    service.serves_nationally = r.serves_nationally
    service.referral_route = r.referral_route
    service.capacity = r.capacity
    service.status = r.status
    service.last_reviewed = r.last_reviewed
    service.phone, service.email, service.website = r.phone, r.email, r.website
    service.eligible_if_lives = "lives" in r.eligible_via
    service.eligible_if_works = "works" in r.eligible_via
    service.eligible_if_gp = "gp" in r.eligible_via
    service.min_age, service.max_age = r.min_age, r.max_age
    service.only_for = r.only_for
    service.import_fingerprint = fingerprint
