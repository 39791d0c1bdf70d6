"""Build Open Referral UK 3.0 (HSDS-UK-3.0) responses from the directory, as plain dicts.

The views only parse the request and render what these functions return. Only published services
are ever read. Each function runs a fixed, small number of queries (a page of ids, at most one
count, then the page's rows with their related data prefetched), whatever the page size.

An empty field is left out rather than sent as null; a field the schema requires is always
there. What maps to what is written down in docs/open-referral-mapping.md.
"""

import datetime as dt
import math
import threading
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime, parse_time

from directory.geometry import bounding_box, haversine_km
from directory.models import (
    Area,
    DirectoryRevision,
    Location,
    Need,
    Organisation,
    Schedule,
    Service,
)
from directory.openreferral import vocabulary as vocab
from directory.postcodes import PostcodeError, lookup_postcode
from directory.queries import MAX_WITHIN_KM, text_search

VERSION = "HSDS-UK-3.0"
PROFILE = "https://open-referral-uk-profile.readthedocs.io/en/latest/"
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
MAX_AGE = 150
# What a service's capacity says to a reader, as the ORUK alert (status stays "active").
CAPACITY_ALERTS = {
    Service.Capacity.WAITING_LIST: "Waiting list: new referrals join a waiting list.",
    Service.Capacity.CLOSED: "Closed to new referrals for now.",
}
NATIONS = {"E": "England", "W": "Wales", "S": "Scotland", "N": "Northern Ireland"}

_SUMMARY_FIELDS = (
    "id",
    "status",
    "uuid",
    "name",
    "description",
    "website",
    "email",
    "capacity",
    "is_free",
    "cost",
    "min_age",
    "max_age",
    "last_reviewed",
    "updated_at",
    "organisation__id",
    "organisation__uuid",
    "organisation__name",
    "organisation__description",
    "organisation__email",
    "organisation__website",
)


class BadParameter(ValueError):
    """A query parameter or id that cannot be used: the message says why, in plain words."""


class NotFound(LookupError):
    """No published record has that id."""


@dataclass(frozen=True)
class Paging:
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass(frozen=True)
class ServiceFilters:
    search: str = ""
    taxonomy_term_id: uuid.UUID | None = None
    taxonomy_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    modified_after: dt.datetime | None = None
    minimum_age: float | None = None
    maximum_age: float | None = None
    day: int | None = None
    start_time: dt.time | None = None
    end_time: dt.time | None = None


@dataclass(frozen=True)
class Coverage:
    """A postcode's place, and how far from it a service without areas may be (km)."""

    latitude: float | None
    longitude: float | None
    area_codes: tuple[str, ...]
    within_km: float | None


# Parsing ------------------------------------------------------------------------------------


def parse_paging(params: Mapping) -> Paging:
    """Return the 1-based page and the page size, or raise BadParameter."""
    page = _whole_number(params, "page", 1, minimum=1, maximum=10_000_000)
    per_page = _whole_number(params, "per_page", DEFAULT_PER_PAGE, minimum=1, maximum=MAX_PER_PAGE)
    return Paging(page=page, per_page=per_page)


def parse_service_filters(params: Mapping) -> ServiceFilters:
    """Return the /services filters in the request, or raise BadParameter."""
    minimum = _number(params, "minimum_age")
    maximum = _number(params, "maximum_age")
    return ServiceFilters(
        search=(params.get("search") or "").strip()[:200],
        taxonomy_term_id=parse_id(params.get("taxonomy_term_id"), "taxonomy_term_id"),
        taxonomy_id=parse_id(params.get("taxonomy_id"), "taxonomy_id"),
        organization_id=parse_id(params.get("organization_id"), "organization_id"),
        modified_after=_datetime(params.get("modified_after")),
        minimum_age=minimum,
        maximum_age=maximum,
        day=_day(params.get("day")),
        start_time=_time(params, "start_time"),
        end_time=_time(params, "end_time"),
    )


def parse_coverage(params: Mapping) -> Coverage | None:
    """Return the postcode coverage asked for (postcode, proximity in metres), or None."""
    raw, proximity = params.get("postcode"), params.get("proximity")
    if not raw:
        if proximity:
            raise BadParameter("proximity needs a postcode to measure from")
        return None
    within_km = None
    if proximity:
        try:
            metres = _number(params, "proximity", maximum=MAX_WITHIN_KM * 1000)
        except BadParameter:
            metres = None
        if metres is None or metres <= 0:
            raise BadParameter(
                f"proximity must be a distance in metres, up to {MAX_WITHIN_KM:,.0f} km"
            )
        within_km = metres / 1000
    try:
        found = lookup_postcode(raw)
    except PostcodeError as exc:
        # The message names the postcode as given: it goes back to the caller, never to a log.
        raise BadParameter(str(exc)) from None
    codes = []
    if found.local_authority_id:
        codes.append(found.local_authority_id)
        if found.local_authority and found.local_authority.icb_id:
            codes.append(found.local_authority.icb_id)
    return Coverage(found.latitude, found.longitude, tuple(codes), within_km)


def parse_id(raw, name: str = "id") -> uuid.UUID | None:
    """Return the UUID given, None when absent, or raise BadParameter."""
    if raw is None or raw == "":
        return None
    try:
        return uuid.UUID(str(raw).strip())
    except ValueError:
        raise BadParameter(f"{name} must be a UUID, such as {uuid.UUID(int=0)}") from None


# Queries ------------------------------------------------------------------------------------


def published_services() -> QuerySet:
    return Service.objects.filter(status=Service.Status.PUBLISHED)


def filter_services(services: QuerySet, f: ServiceFilters) -> QuerySet:
    """Apply the ORUK filters; a multi-valued condition is a subquery, so rows never repeat."""
    if f.search:
        services = services.filter(pk__in=text_search(Service.objects.all(), f.search).values("pk"))
    if f.taxonomy_term_id:
        services = services.filter(_term_condition(f.taxonomy_term_id))
    if f.taxonomy_id:
        services = services.filter(_taxonomy_condition(f.taxonomy_id))
    if f.organization_id:
        services = services.filter(organisation__uuid=f.organization_id)
    if f.modified_after:
        services = services.filter(updated_at__gte=f.modified_after)
    # "A minimum age of at least" and "a maximum age at or below" the value, as the spec says.
    if f.minimum_age is not None:
        services = services.filter(min_age__gte=f.minimum_age)
    if f.maximum_age is not None:
        services = services.filter(max_age__lte=f.maximum_age)
    when = Q()
    if f.day:
        when &= Q(weekday=f.day)
    if f.start_time:
        when &= Q(opens_at__gte=f.start_time)
    if f.end_time:
        when &= Q(closes_at__lte=f.end_time)
    if when:
        services = services.filter(pk__in=Schedule.objects.filter(when).values("service_id"))
    return services


def _term_condition(term_id: uuid.UUID) -> Q:
    need = Need.objects.filter(uuid=term_id).values_list("pk", flat=True).first()
    if need is not None:
        return Q(pk__in=Service.needs.through.objects.filter(need_id=need).values("service_id"))
    code = _eligibility_codes_by_id().get(str(term_id))
    if code is None:
        return Q(pk__in=[])
    kind, _, value = code.partition(":")
    eligible = Service.eligible_areas.through.objects
    if kind == "area":
        if value:
            return Q(pk__in=eligible.filter(area_id=value).values("service_id"))
        return Q(Exists(eligible.filter(service_id=OuterRef("pk"))))
    if kind == "via":
        if value:
            return Q(**{vocab.VIA_FIELDS[value]: True})
        return Q(eligible_if_lives=True) | Q(eligible_if_works=True) | Q(eligible_if_gp=True)
    if kind == "only-for":
        if value:
            # only_for is a JSON list of slugs: its text holds "slug" with the quotes.
            return Q(only_for__icontains=f'"{value}"')
        return ~Q(only_for=[])
    if value:
        return Q(eligibility_published=(value == "yes"))
    return Q()


def _taxonomy_condition(taxonomy_id: uuid.UUID) -> Q:
    if str(taxonomy_id) == vocab.taxonomy_id(vocab.NEEDS_TAXONOMY):
        return Q(Exists(Service.needs.through.objects.filter(service_id=OuterRef("pk"))))
    if str(taxonomy_id) == vocab.taxonomy_id(vocab.ELIGIBILITY_TAXONOMY):
        return Q()  # every service carries its eligibility-published term
    return Q(pk__in=[])


def _eligibility_codes_by_id() -> dict[str, str]:
    codes = {t["id"]: t["code"] for t in vocab.eligibility_terms()}
    for code in Area.objects.values_list("code", flat=True):
        codes[vocab.eligibility_term_id(f"area:{code}")] = f"area:{code}"
    return codes


def _covered(locations: QuerySet, coverage: Coverage) -> QuerySet:
    """Locations of services covering the postcode: by area, else by distance (if asked)."""
    served = Service.areas_served.through.objects
    by_area = Q(service__serves_nationally=True) | Q(
        service_id__in=served.filter(area_id__in=coverage.area_codes).values("service_id")
    )
    if coverage.within_km is None or coverage.latitude is None:
        return locations.filter(by_area)
    min_lat, max_lat, min_lon, max_lon = bounding_box(
        coverage.latitude, coverage.longitude, coverage.within_km
    )
    areas_of_service = served.filter(service_id=OuterRef("service_id"))
    rows = list(
        locations.filter(
            ~Exists(areas_of_service),
            service__serves_nationally=False,
            latitude__range=(min_lat, max_lat),
            longitude__range=(min_lon, max_lon),
        ).values_list("id", "latitude", "longitude")
    )
    near = []
    if rows:
        distances = haversine_km(
            coverage.latitude,
            coverage.longitude,
            np.array([r[1] for r in rows], dtype=float),
            np.array([r[2] for r in rows], dtype=float),
        )
        near = [r[0] for r, km in zip(rows, distances, strict=True) if km <= coverage.within_km]
    return locations.filter(by_area | Q(id__in=near))


def _page_of_ids(queryset: QuerySet, paging: Paging) -> tuple[list[int], int]:
    """Return one page of ids in id order, and the total; count only when the page cannot say.

    A short page (or an empty first page) is the last one, so its total is known without a
    COUNT; a full page, or a page past the end, needs one.
    """
    ids = list(
        queryset.order_by("id").values_list("id", flat=True)[
            paging.offset : paging.offset + paging.per_page
        ]
    )
    if 0 < len(ids) < paging.per_page or (not ids and paging.offset == 0):
        return ids, paging.offset + len(ids)
    return ids, queryset.order_by().count()


# Pages of services come from id arrays cached per directory revision and filter set: a
# validator or aggregator walks every page, and a deep OFFSET costs a scan of every row before it
# (150 ms at 200,000 services on SQLite), a COUNT another; a slice of the array costs nothing and
# its length is the total. Every write path moves the revision (directory/signals.py, actions,
# importers, generators), as matching's index already relies on. Schedule rows do not move it,
# so filters on days and times always ask the database. The page's rows are read again and
# only published ones kept, so a missed change could shorten a page but never show a draft.
# Bounded by entries and by ids held (8 bytes each: 2,000,000 is 16 MB a process).
FEED_CACHE_SIZE = 64
FEED_CACHE_IDS = 2_000_000
_feed_ids: OrderedDict[ServiceFilters, tuple[str, np.ndarray]] = OrderedDict()
_feed_lock = threading.Lock()


def _cached_ids(filters: ServiceFilters, services: QuerySet) -> np.ndarray | None:
    """Return the filtered services' ids in order, cached per directory revision (or None)."""
    if filters.day or filters.start_time or filters.end_time:
        return None
    token = DirectoryRevision.current()
    if not token:
        return None
    with _feed_lock:
        cached = _feed_ids.get(filters)
        if cached and cached[0] == token:
            _feed_ids.move_to_end(filters)
            return cached[1]
    # Unordered, then sorted here: SQLite would sort 200,000 rows from the status index itself,
    # five times slower than reading them in index order and sorting the array.
    rows = services.order_by().values_list("id", flat=True)
    ids = np.sort(np.fromiter(rows.iterator(chunk_size=20_000), dtype=np.int64))
    with _feed_lock:
        _feed_ids[filters] = (token, ids)
        _feed_ids.move_to_end(filters)
        while len(_feed_ids) > 1 and (
            len(_feed_ids) > FEED_CACHE_SIZE
            or sum(len(held) for _, held in _feed_ids.values()) > FEED_CACHE_IDS
        ):
            _feed_ids.popitem(last=False)
    return ids


def _page_of_services(services: QuerySet, filters: ServiceFilters, paging: Paging):
    """Return a page of service ids and the total, from the cache when it may be used."""
    ids = _cached_ids(filters, services)
    if ids is None:
        return _page_of_ids(services, paging)
    page = ids[paging.offset : paging.offset + paging.per_page]
    return [int(i) for i in page], len(ids)


def envelope(contents: list, total: int, paging: Paging) -> dict:
    """Return the ORUK page envelope around the contents."""
    total_pages = math.ceil(total / paging.per_page)
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": paging.page,
        "size": len(contents),
        "first_page": paging.page == 1,
        "last_page": paging.page >= total_pages,
        "empty": not contents,
        "contents": contents,
    }


def _in_order(rows, ids: list[int]) -> list:
    by_id = {row.pk: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def full_services(services: QuerySet) -> QuerySet:
    return services.select_related("organisation").prefetch_related(
        Prefetch("needs", queryset=Need.objects.order_by("name")),
        Prefetch("areas_served", queryset=Area.objects.order_by("code")),
        Prefetch("eligible_areas", queryset=Area.objects.order_by("code")),
        Prefetch(
            "schedules", queryset=Schedule.objects.order_by("by_appointment", "weekday", "opens_at")
        ),
        Prefetch(
            "locations", queryset=Location.objects.select_related("local_authority").order_by("id")
        ),
    )


# Endpoints ----------------------------------------------------------------------------------


def api_root(openapi_url: str) -> dict:
    return {"version": VERSION, "profile": PROFILE, "openapi_url": openapi_url}


def service_page(params: Mapping) -> dict:
    """Return a page of services (one-to-one fields and their organisation)."""
    paging = parse_paging(params)
    filters = parse_service_filters(params)
    services = filter_services(published_services(), filters)
    ids, total = _page_of_services(services, filters, paging)
    # By id alone (a status condition here tempts SQLite into scanning the status index).
    rows = Service.objects.filter(pk__in=ids).select_related("organisation").only(*_SUMMARY_FIELDS)
    rows = [s for s in rows if s.status == Service.Status.PUBLISHED]
    return envelope([service_summary(s) for s in _in_order(rows, ids)], total, paging)


def service_detail(raw_id) -> dict:
    """Return one published service, fully nested."""
    service = full_services(published_services()).filter(uuid=parse_id(raw_id)).first()
    if service is None:
        raise NotFound("No published service has that id.")
    return service_full(service)


def taxonomy_page(params: Mapping) -> dict:
    paging = parse_paging(params)
    return _list_page(vocab.taxonomies(), paging)


def taxonomy_detail(raw_id) -> dict:
    wanted = str(parse_id(raw_id))
    for taxonomy in vocab.taxonomies():
        if taxonomy["id"] == wanted:
            return taxonomy
    raise NotFound("No taxonomy has that id.")


def all_taxonomy_terms() -> list[dict]:
    """Return every term: the needs, then the eligibility terms (one per area)."""
    needs = [vocab.need_term(n) for n in Need.objects.order_by("name")]
    areas = Area.objects.order_by("kind", "code").only("code", "name")
    return needs + vocab.eligibility_terms(areas)


def taxonomy_term_page(params: Mapping) -> dict:
    paging = parse_paging(params)
    terms = all_taxonomy_terms()
    wanted = parse_id(params.get("taxonomy_id"), "taxonomy_id")
    if wanted:
        terms = [t for t in terms if t["taxonomy_id"] == str(wanted)]
    return _list_page(terms, paging)


def taxonomy_term_detail(raw_id) -> dict:
    wanted = str(parse_id(raw_id))
    need = Need.objects.filter(uuid=wanted).first()
    if need:
        return vocab.need_term(need)
    code = _eligibility_codes_by_id().get(wanted)
    if code is None:
        raise NotFound("No taxonomy term has that id.")
    if code.startswith("area:"):
        area = Area.objects.get(code=code.removeprefix("area:"))
        return vocab.area_term(area.code, area.name)
    return next(t for t in vocab.eligibility_terms() if t["code"] == code)


def _publishing_organisations() -> QuerySet:
    return Organisation.objects.filter(
        Exists(published_services().filter(organisation_id=OuterRef("pk")))
    )


def organization_page(params: Mapping) -> dict:
    paging = parse_paging(params)
    organisations = _publishing_organisations()
    ids, total = _page_of_ids(organisations, paging)
    rows = Organisation.objects.filter(pk__in=ids)
    return envelope([organisation_summary(o) for o in _in_order(rows, ids)], total, paging)


def organization_detail(raw_id) -> dict:
    """Return one organisation with its published services (their one-to-one fields)."""
    wanted = parse_id(raw_id)
    organisation = _publishing_organisations().filter(uuid=wanted).first()
    if organisation is None:
        raise NotFound("No organisation with published services has that id.")
    services = (
        published_services()
        .filter(organisation=organisation)
        .select_related("organisation")
        .only(*_SUMMARY_FIELDS)
        .order_by("id")
    )
    body = organisation_full(organisation)
    body["services"] = [service_summary(s) for s in services]
    return body


def service_at_location_page(params: Mapping) -> dict:
    """Return a page of service_at_locations, filtered as /services is, and by postcode."""
    paging = parse_paging(params)
    services = filter_services(published_services(), parse_service_filters(params))
    coverage = parse_coverage(params)
    locations = Location.objects.filter(service__in=services)
    if coverage:
        locations = _covered(locations, coverage)
    ids, total = _page_of_ids(locations, paging)
    rows = Location.objects.filter(pk__in=ids).select_related("service__organisation")
    contents = [
        {
            "id": _service_at_location_id(loc),
            "service_id": str(loc.service.uuid),
            "location_id": str(loc.uuid),
            "location": location_summary(loc),
            "service": service_summary(loc.service),
        }
        for loc in _in_order(rows, ids)
    ]
    return envelope(contents, total, paging)


def service_at_location_detail(raw_id) -> dict:
    """Return one service_at_location: its location in full and its service (without others)."""
    wanted = parse_id(raw_id)
    location = (
        Location.objects.filter(service__in=published_services(), uuid=_flip(wanted))
        .only("id", "service_id")
        .first()
    )
    if location is None:
        raise NotFound("No published service_at_location has that id.")
    service = full_services(published_services()).get(pk=location.service_id)
    location = next(loc for loc in service.locations.all() if loc.pk == location.pk)
    body = service_full(service)
    body.pop("service_at_locations", None)
    return {
        "id": str(wanted),
        "service_id": str(service.uuid),
        "location_id": str(location.uuid),
        "location": location_full(location, service),
        "service": body,
    }


def _list_page(items: list, paging: Paging) -> dict:
    return envelope(items[paging.offset : paging.offset + paging.per_page], len(items), paging)


# Objects ------------------------------------------------------------------------------------


def organisation_summary(organisation: Organisation) -> dict:
    return _compact(
        {
            "id": str(organisation.uuid),
            "name": organisation.name,
            # Required by the schema, so present even when we hold none.
            "description": organisation.description or "",
            "email": organisation.email,
            "website": organisation.website,
        },
        keep=("description",),
    )


def organisation_full(organisation: Organisation) -> dict:
    body = organisation_summary(organisation)
    if organisation.charity_number:
        body["organization_identifiers"] = [
            {
                "id": vocab.stable_uuid("organization_identifier", organisation.uuid, "GB-CHC"),
                "organization_id": str(organisation.uuid),
                "identifier_scheme": "GB-CHC",
                "identifier_type": "Charity number",
                "identifier": organisation.charity_number,
            }
        ]
    return body


def service_summary(service: Service) -> dict:
    """Return the service's one-to-one fields (a /services list item)."""
    return _compact(
        {
            "id": str(service.uuid),
            "organization_id": str(service.organisation.uuid),
            "name": service.name,
            "description": service.description,
            "url": service.website,
            "email": service.email,
            "status": "active",
            "fees": service.cost if service.is_free is False else "",
            "minimum_age": service.min_age,
            "maximum_age": service.max_age,
            "assured_date": service.last_reviewed.isoformat() if service.last_reviewed else "",
            "alert": CAPACITY_ALERTS.get(service.capacity, ""),
            "last_modified": _timestamp(service.updated_at),
            "organization": organisation_summary(service.organisation),
        }
    )


def service_full(service: Service) -> dict:
    """Return the service fully nested (needs, areas, schedules and locations prefetched)."""
    body = service_summary(service)
    body["organization"] = organisation_full(service.organisation)
    service_id = str(service.uuid)
    body.update(
        _compact(
            {
                "phones": _phones(service),
                "schedules": schedules(service),
                "service_areas": vocab.service_areas(service),
                "service_at_locations": [
                    {
                        "id": _service_at_location_id(loc),
                        "service_id": service_id,
                        "location_id": str(loc.uuid),
                        "location": location_full(loc, service),
                    }
                    for loc in service.locations.all()
                ],
                "languages": [
                    {
                        "id": vocab.stable_uuid("language", service_id, name),
                        "service_id": service_id,
                        "name": name,
                    }
                    for name in service.languages or []
                    if isinstance(name, str) and name.strip()
                ],
                "cost_options": cost_options(service),
                "attributes": vocab.need_attributes(service_id, service.needs.all())
                + vocab.criteria_attributes(service),
            }
        )
    )
    return body


def schedules(service: Service) -> list[dict]:
    """Weekly openings, "by appointment", and the free-text opening times, as HSDS schedules."""
    service_id = str(service.uuid)
    result = []
    for row in service.schedules.all():
        if row.by_appointment:
            item = {"description": vocab.BY_APPOINTMENT}
        else:
            item = {
                "freq": "WEEKLY",
                "interval": 1,
                "byday": vocab.WEEKDAY_CODES[row.weekday],
                "opens_at": row.opens_at.strftime("%H:%M:%S"),
                "closes_at": row.closes_at.strftime("%H:%M:%S"),
                "description": str(row),
            }
        result.append({"id": str(row.uuid), "service_id": service_id, **item})
    if service.opening_times:
        result.append(
            {
                "id": vocab.stable_uuid("schedule", service_id, "opening_times"),
                "service_id": service_id,
                "description": service.opening_times,
            }
        )
    return result


def cost_options(service: Service) -> list[dict]:
    """Free: option "Free" with amount 0; charged: option "Fees" and what it costs."""
    option_id = vocab.stable_uuid("cost_option", service.uuid)
    if service.is_free:
        return [
            {
                "id": option_id,
                "service_id": str(service.uuid),
                "option": vocab.FREE_OPTION,
                "amount": 0,
                "currency": "GBP",
            }
        ]
    if service.is_free is False:
        return [
            _compact(
                {
                    "id": option_id,
                    "service_id": str(service.uuid),
                    "option": vocab.FEES_OPTION,
                    "amount_description": service.cost,
                }
            )
        ]
    return []


def location_summary(location: Location) -> dict:
    return _compact(
        {
            "id": str(location.uuid),
            "location_type": "physical",
            "name": location.name,
            "latitude": location.latitude,
            "longitude": location.longitude,
        }
    )


def location_full(location: Location, service: Service) -> dict:
    body = location_summary(location)
    area = location.local_authority
    body["addresses"] = [
        {
            "id": vocab.stable_uuid("address", location.uuid),
            "location_id": str(location.uuid),
            "address_1": location.address or location.name or location.postcode,
            # Required by the schema: the local authority stands for the town, its nation for
            # the state or province (empty when the postcode had no local authority).
            "city": area.name if area else "",
            "state_province": NATIONS.get(area.code[:1], "") if area else "",
            "postal_code": location.postcode,
            "country": "GB",
            "address_type": "physical",
        }
    ]
    accessibility = vocab.accessibility_items(service, str(location.uuid))
    if accessibility:
        body["accessibility"] = accessibility
    return body


def _phones(service: Service) -> list[dict]:
    if not service.phone:
        return []
    return [
        {
            "id": vocab.stable_uuid("phone", service.uuid),
            "service_id": str(service.uuid),
            "number": service.phone,
        }
    ]


def _service_at_location_id(location: Location) -> str:
    return str(_flip(location.uuid))


# A location is delivered by one service, so its service_at_location id is the location's uuid
# with fixed bits flipped: distinct from the location's id, and mapped back without a search.
# The version and variant bits are left alone, so the result is a UUID of the same kind.
_FLIP_MASK = vocab.NAMESPACE.int & ~((0xF << 76) | (0x3 << 62))


def _flip(value: uuid.UUID) -> uuid.UUID:
    return uuid.UUID(int=value.int ^ _FLIP_MASK)


def _timestamp(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _compact(d: dict, keep: tuple = ()) -> dict:
    """Leave out empty values (None, "", []); keep the named ones even when empty."""
    return {k: v for k, v in d.items() if k in keep or v not in (None, "", [])}


# Parameter parsing helpers ------------------------------------------------------------------


def _whole_number(params: Mapping, name: str, default: int, *, minimum: int, maximum: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(str(raw).strip())
    except ValueError:
        value = None
    if value is None or not minimum <= value <= maximum:
        raise BadParameter(f"{name} must be a whole number from {minimum} to {maximum:,}")
    return value


def _number(params: Mapping, name: str, maximum: float = MAX_AGE) -> float | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = float(str(raw).strip())
    except ValueError:
        value = math.nan
    if not 0 <= value <= maximum:  # also refuses nan and infinity
        raise BadParameter(f"{name} must be a number from 0 to {maximum:,.0f}")
    return value


def _datetime(raw) -> dt.datetime | None:
    if raw is None or raw == "":
        return None
    text = str(raw).strip()
    value = None
    for candidate in (text, text.replace(" ", "+")):  # a "+01:00" unencoded arrives as " 01:00"
        try:
            value = parse_datetime(candidate)
        except ValueError:
            value = None
        if value:
            break
    if value is None:
        try:
            day = parse_date(text)
        except ValueError:
            day = None
        if day is None:
            raise BadParameter(
                "modified_after must be a date or date-time, such as 2026-01-31 or "
                "2026-01-31T09:00:00Z"
            )
        value = dt.datetime.combine(day, dt.time())
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _day(raw) -> int | None:
    if raw is None or raw == "":
        return None
    text = str(raw).strip().upper()
    if text in vocab.WEEKDAYS_BY_CODE:
        return vocab.WEEKDAYS_BY_CODE[text]
    for value, label in Schedule.Weekday.choices:
        if text == label.upper():
            return value
    raise BadParameter("day must be a day of the week: MO, TU, WE, TH, FR, SA or SU (or its name)")


def _time(params: Mapping, name: str) -> dt.time | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = parse_time(str(raw).strip())
    except ValueError:
        value = None
    if value is None:
        raise BadParameter(f"{name} must be a time of day, such as 09:30")
    return value
