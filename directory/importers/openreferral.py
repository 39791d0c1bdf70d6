"""Import services from an Open Referral UK 3.0 feed (an API base URL) or a JSON file.

From a URL it walks every page of `/services`, then fetches each `/services/{id}` fully nested;
every response is checked against the ORUK schemas before anything is written. A file may hold
one list page (the paged envelope) or one service. Each service goes through the same validator
as a spreadsheet row, and the whole feed is written in one transaction through the directory's
write path, with the feed as the owning source:

- taxonomy terms become needs through the editable TaxonomyMapping table (our own needs
  taxonomy maps itself); an unmapped term is reported, never guessed;
- service areas become areas by the GSS or ODS code in their URI or name; addresses become
  locations through our postcode table;
- ORUK publishes no eligibility by area, so an imported service matches as "check first" until an
  editor sets its criteria, unless the feed carries Signpost's own eligibility attributes (our
  feed does: a round trip restores them);
- a service withdrawn from the feed is archived, never deleted; a second run changes nothing.
"""

import datetime as dt
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.db import transaction

from directory import actions
from directory.importers.base import ImportFileError, ImportResult, record_import
from directory.models import Need, Source, TaxonomyMapping
from directory.openreferral import schemas, vocabulary
from directory.openreferral.publish import CAPACITY_ALERTS
from directory.service_data import ServiceValidator

log = logging.getLogger(__name__)

KIND = "openreferral"
TIMEOUT_SECONDS = 30
FETCHERS = 4
PER_PAGE = 100
MAX_PAGES = 10_000
MAX_RESPONSE_BYTES = 20 * 1024 * 1024
DAYS = {"MO": "Mon", "TU": "Tue", "WE": "Wed", "TH": "Thu", "FR": "Fri", "SA": "Sat", "SU": "Sun"}


# Reading the feed ---------------------------------------------------------------------------


def schema_problem(document, schema: str) -> str | None:
    """The first way a document breaks the ORUK schema, naming the field, or None."""
    return schemas.problem(document, schema)


def fetch_json(url: str) -> object:
    """GET a URL and parse its JSON, or raise ImportFileError naming the URL and the problem."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise ImportFileError(f"{url}: only http and https feeds can be read")
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url, headers={"Accept": "application/json", "User-Agent": "Signpost ORUK importer"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            body = response.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise ImportFileError(f"{url} answered HTTP {exc.code} ({exc.reason})") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ImportFileError(f"{url} could not be reached: {reason}") from None
    if len(body) > MAX_RESPONSE_BYTES:
        raise ImportFileError(f"{url} answered more than {MAX_RESPONSE_BYTES} bytes")
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ImportFileError(f"{url} did not answer JSON: {exc}") from None


def read_url(
    base: str, fetch: Callable[[str], object] = fetch_json, per_page: int = PER_PAGE
) -> list[dict]:
    """Every service of the feed, fully nested: each page of /services, then each /{id}."""
    base = base.rstrip("/")
    ids: list[str] = []
    page = 1
    while True:
        url = f"{base}/services?page={page}&per_page={per_page}"
        body = fetch(url)
        problem = _page_problem(body)
        if problem:
            raise ImportFileError(f"{url} is not an ORUK list page: {problem}")
        ids += [str(item["id"]) for item in body["contents"]]
        total_pages = int(body.get("total_pages") or 0)
        if body.get("last_page") or body.get("empty") or page >= total_pages:
            break
        page += 1
        if page > MAX_PAGES:
            raise ImportFileError(f"{base}/services has more than {MAX_PAGES} pages")
    urls = [f"{base}/services/{urllib.parse.quote(i)}" for i in dict.fromkeys(ids)]
    services = []
    # A few requests at a time (a publisher serves many readers); checked in the feed's order.
    with ThreadPoolExecutor(max_workers=FETCHERS) as pool:
        for url, body in zip(urls, pool.map(fetch, urls), strict=True):
            problem = schema_problem(body, "service.json")
            if problem:
                raise ImportFileError(f"{url} does not follow the ORUK service schema: {problem}")
            services.append(body)
    return services


def _page_problem(body) -> str | None:
    if not isinstance(body, dict):
        return "it is not a JSON object"
    for key in ("total_pages", "page_number", "contents"):
        if key not in body:
            return f"{key}: is missing"
    if not isinstance(body["contents"], list):
        return "contents: is not a list"
    for index, item in enumerate(body["contents"]):
        problem = schema_problem(item, "service_list.json")
        if problem:
            return f"contents/{index}/{problem}"
    return None


def read_file(path: Path) -> list[dict]:
    """The services in a JSON file holding one list page or one service."""
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFileError(f"{path.name} could not be read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"{path.name} is not JSON: {exc}") from None
    if isinstance(body, dict) and "contents" in body:
        problem = _page_problem(body)
        if problem:
            raise ImportFileError(f"{path.name} is not an ORUK list page: {problem}")
        items, schema = body["contents"], "service_list.json"
    elif isinstance(body, dict):
        items, schema = [body], "service.json"
    else:
        raise ImportFileError(f"{path.name} holds neither an ORUK list page nor a service")
    for index, item in enumerate(items):
        problem = schema_problem(item, schema)
        if problem:
            raise ImportFileError(f"{path.name}, service {index + 1}: {problem}")
    return items


# Mapping one ORUK service to a row ----------------------------------------------------------


class Mapper:
    """Turn ORUK services into the rows our validator reads, noting what it cannot map."""

    def __init__(self, feed: str):
        self.feed = feed
        self.slugs = set(Need.objects.values_list("slug", flat=True))
        self.mapping: dict[tuple[str, str], str | None] = {}
        for taxonomy, term, slug in TaxonomyMapping.objects.values_list(
            "taxonomy", "term", "need__slug"
        ):
            self.mapping[(taxonomy.lower(), term.lower())] = slug
        self.unmapped: dict[tuple[str, str], int] = {}

    def needs(self, service: dict) -> list[str]:
        found = []
        for term in _terms(service):
            taxonomy = str(term.get("taxonomy") or "").strip()
            if taxonomy == vocabulary.ELIGIBILITY_TAXONOMY:
                continue
            keys = [str(term.get(k) or "").strip() for k in ("code", "term", "name", "id")]
            keys = [k for k in keys if k]
            slug = None
            if taxonomy == vocabulary.NEEDS_TAXONOMY:
                slug = next((k for k in keys if k in self.slugs), None)
            mapped = False
            for key in keys:
                for tax in (taxonomy.lower(), ""):
                    if (tax, key.lower()) in self.mapping:
                        slug, mapped = self.mapping[(tax, key.lower())], True
                        break
                if mapped:
                    break
            if slug:
                found.append(slug)
            elif not mapped:
                label = (taxonomy or "no taxonomy", keys[0] if keys else "(no name)")
                self.unmapped[label] = self.unmapped.get(label, 0) + 1
        return list(dict.fromkeys(found))

    def row(self, service: dict) -> tuple[dict, list[dict]]:
        """The validator's row for this service, and its further physical locations."""
        organisation = service.get("organization") or {}
        locations = [
            sal.get("location") or {}
            for sal in service.get("service_at_locations") or []
            if isinstance(sal, dict)
        ]
        physical = [loc for loc in locations if loc.get("location_type") == "physical"]
        addresses = [(loc, _postal_address(loc)) for loc in physical]
        addresses = [(loc, a) for loc, a in addresses if a.get("postal_code")]
        # ORUK 3.0 has no delivery mode: a physical location means in person, a phone number
        # by phone, a virtual location online (or, failing all three, a website).
        modes = []
        if addresses:
            modes.append("in_person")
        if _phones(service):
            modes.append("phone")
        if any(loc.get("location_type") == "virtual" for loc in locations) or (
            not modes and service.get("url")
        ):
            modes.append("online")
        criteria = vocabulary.criteria_from_attributes(service.get("attributes") or [])
        areas = []
        for area in service.get("service_areas") or []:
            if vocabulary.is_national_service_area(area):
                areas.append("national")
            elif code := vocabulary.area_code_from_service_area(area):
                areas.append(code)
        status = str(service.get("status") or "active")
        capacity = next(
            (c for c, text in CAPACITY_ALERTS.items() if text == service.get("alert")), "open"
        )
        first_loc, first = addresses[0] if addresses else ({}, {})
        row = {
            "external_id": str(service.get("id") or ""),
            "organisation": organisation.get("name") or "",
            "service": service.get("name") or "",
            "description": service.get("description") or "",
            "needs": self.needs(service),
            "delivery_modes": modes,
            "address": _address_line(first, first_loc),
            "postcode": first.get("postal_code", ""),
            "areas_served": list(dict.fromkeys(areas)),
            "min_age": _age(service.get("minimum_age")),
            "max_age": _age(service.get("maximum_age")),
            "phone": (_phones(service) or [""])[0][:40],
            "email": service.get("email") or "",
            "website": service.get("url") or "",
            "opening_times": _openings(service.get("schedules") or []),
            "opening_notes": _opening_notes(service.get("schedules") or [])[:300],
            "cost": _cost(service),
            "languages": [
                lang.get("name") for lang in service.get("languages") or [] if lang.get("name")
            ],
            "status": "archived" if status in ("inactive", "defunct") else "published",
            "capacity": "closed" if status == "temporarily closed" else capacity,
            "last_reviewed": _date(service.get("assured_date")),
        }
        row.update(_accessibility(first_loc))
        if criteria is not None:
            row["eligible_areas"] = criteria["eligible_areas"]
            row["eligible_via"] = [
                via for via, name in vocabulary.VIA_FIELDS.items() if criteria.get(name)
            ]
            row["only_for"] = criteria["only_for"]
            row["eligibility_published"] = criteria["eligibility_published"]
        else:
            row["eligibility_published"] = False
        if not row["areas_served"]:
            row["areas_served"] = ["national"] if not addresses else []
        extra = [
            {
                "name": loc.get("name") or "",
                "address": _address_line(a, loc),
                "postcode": a["postal_code"],
                "id": loc.get("id"),
            }
            for loc, a in addresses[1:]
        ]
        row["location_name"] = first_loc.get("name") or ""
        row["location_id"] = first_loc.get("id")
        return row, extra


def _uuid_or_none(value) -> str | None:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return None


def _terms(service: dict) -> Iterator[dict]:
    for attribute in service.get("attributes") or []:
        term = attribute.get("taxonomy_term") if isinstance(attribute, dict) else None
        if isinstance(term, dict):
            yield term


def _phones(service: dict) -> list[str]:
    numbers = [p.get("number") for p in service.get("phones") or [] if isinstance(p, dict)]
    for contact in service.get("contacts") or []:
        numbers += [p.get("number") for p in contact.get("phones") or [] if isinstance(p, dict)]
    return [str(n).strip() for n in numbers if n and str(n).strip()]


def _postal_address(location: dict) -> dict:
    addresses = [a for a in location.get("addresses") or [] if isinstance(a, dict)]
    physical = [a for a in addresses if a.get("address_type") == "physical"]
    return (physical or addresses or [{}])[0]


def _address_line(address: dict, location: dict | None = None) -> str:
    """The street address; the town is left out (the postcode places it), as is a line that
    only repeats the postcode or the location's name (publishers fill a required field so)."""
    skip = {str(address.get("postal_code") or "").strip(), str((location or {}).get("name") or "")}
    parts = [str(address.get(k) or "").strip() for k in ("address_1", "address_2")]
    return ", ".join(p for p in parts if p and p not in skip)[:300]


def _age(value) -> str:
    if value is None or value == "":
        return ""
    try:
        return str(int(float(value)))
    except (TypeError, ValueError):
        return str(value)


def _date(value) -> str:
    if not value:
        return ""
    text = str(value)[:10]
    try:
        parsed = dt.date.fromisoformat(text)
    except ValueError:
        return str(value)
    return str(min(parsed, dt.date.today()))


def _openings(schedules: list[dict]) -> list[str]:
    parts = []
    for schedule in schedules:
        days = [DAYS.get(d.strip().upper()) for d in str(schedule.get("byday") or "").split(",")]
        days = [d for d in days if d]
        opens, closes = schedule.get("opens_at"), schedule.get("closes_at")
        if days and opens and closes and str(schedule.get("freq") or "WEEKLY") == "WEEKLY":
            hours = f"{str(opens)[:5]}-{str(closes)[:5]}"
            parts += [f"{day} {hours}" for day in days]
        elif _by_appointment(schedule) and "by appointment" not in parts:
            parts.append("by appointment")
    return parts


def _by_appointment(schedule: dict) -> bool:
    text = " ".join(str(schedule.get(k) or "") for k in ("description", "attending_type"))
    return text.strip().lower() == vocabulary.BY_APPOINTMENT.lower() or (
        "appointment" in text.lower() and len(text) < 60
    )


def _opening_notes(schedules: list[dict]) -> str:
    """What a feed says about opening that is not a weekly time or "by appointment"."""
    notes = []
    for schedule in schedules:
        weekly = schedule.get("byday") and schedule.get("opens_at")
        texts = [schedule.get("notes")]
        if not weekly and not _by_appointment(schedule):
            texts.insert(0, schedule.get("description"))
        for text in texts:
            text = str(text or "").strip()
            if text and text not in notes:
                notes.append(text)
    return " ".join(notes)


def _cost(service: dict) -> str:
    """ "free", or what it costs, or "" (not known), from cost_options and fees."""
    options = [o for o in service.get("cost_options") or [] if isinstance(o, dict)]
    if options and all(
        o.get("amount") in (0, 0.0) or str(o.get("option", "")).lower() == "free" for o in options
    ):
        return "free"
    described = []
    for option in options:
        words = []
        if str(option.get("option") or "") != vocabulary.FEES_OPTION:
            words.append(str(option.get("option") or "").strip())
        amount = option.get("amount")
        if isinstance(amount, int | float) and amount:
            words.append(f"£{amount:g}")
        words.append(str(option.get("amount_description") or "").strip())
        described.append(" ".join(w for w in words if w))
    fees = str(service.get("fees") or "").strip()
    if fees and fees not in described:
        described.append(fees)
    return "; ".join(d for d in described if d)[:200]


def _accessibility(location: dict) -> dict:
    """The location's accessibility as our yes/no columns and a note."""
    known = vocabulary.accessibility_from_items(location.get("accessibility") or [])
    row = {"accessibility_note": str(known.pop("accessibility_note", ""))[:500]}
    for flag, value in known.items():
        row[flag] = "" if value is None else ("yes" if value else "no")
    return row


# The import ---------------------------------------------------------------------------------


def import_openreferral(
    source: str,
    *,
    by=None,
    fetch: Callable[[str], object] = fetch_json,
    per_page: int = PER_PAGE,
) -> ImportResult:
    """Import every service of a feed (URL) or JSON file; all of it, or nothing."""
    is_url = source.startswith(("http://", "https://"))
    if is_url:
        services = read_url(source, fetch, per_page)
        name = source.rstrip("/")
    else:
        path = Path(source)
        if not path.is_file():
            raise ImportFileError(f"No such file: {source}")
        services = read_file(path)
        name = str(path.resolve())
    mapper = Mapper(name)
    validator = ServiceValidator()
    rows = []
    for service in services:
        row, extra = mapper.row(service)
        rows.append((service, row, extra))
    validator.prefetch_postcodes(
        pc for _, row, extra in rows for pc in [row["postcode"], *(e["postcode"] for e in extra)]
    )
    result = ImportResult()
    records, labels, rejected_ids = [], [], []
    for service, row, extra in rows:
        label = f"service {service.get('id')} ('{str(service.get('name'))[:60]}')"
        record, problems = validator.validate(row)
        if record is not None:
            record.eligibility_published = bool(row.get("eligibility_published", True))
            if record.locations:
                record.locations[0].name = str(row["location_name"])[:200]
                record.locations[0].uuid = _uuid_or_none(row["location_id"])
            for more in extra:
                location = validator.location(more["postcode"], "postcode", lambda c, m: None)
                if location is not None:
                    location.name, location.address = more["name"][:200], more["address"]
                    location.uuid = _uuid_or_none(more["id"])
                    record.locations.append(location)
                else:
                    result.warnings.append(
                        f"{label}, location '{more['postcode']}': not a valid postcode, or not in "
                        "the ONS postcode data loaded here; left out"
                    )
            record.uuid = _uuid_or_none(service.get("id"))
        if record is None:
            result.rejected += 1
            result.errors += [f"{label}, {column}: {message}" for column, message in problems]
            rejected_ids.append(str(service.get("id") or ""))
        else:
            records.append(record)
            labels.append(label)
    for (taxonomy, term), count in sorted(mapper.unmapped.items()):
        result.warnings.append(
            f"taxonomy term '{term}' ({taxonomy}) is not mapped to a need "
            f"({count} service(s)); add it under Taxonomy mappings"
        )
    with transaction.atomic():
        owner = actions.source_for(Source.Kind.OPENREFERRAL, name)
        targets = actions.find_existing(records)
        allowed = []
        for record, target, label in zip(records, targets, labels, strict=True):
            problem = actions.owner_problem(target, owner) if target is not None else None
            if problem:
                result.rejected += 1
                result.errors.append(f"{label}, service: {problem}")
                rejected_ids.append(record.external_id)
            else:
                allowed.append((record, target, label))
        # What the feed no longer lists is archived; what it lists but we refused is kept.
        written = actions.save_services(
            [r for r, _, _ in allowed],
            source=owner,
            targets=[t for _, t, _ in allowed],
            labels=[label for _, _, label in allowed],
            archive_missing=True,
            still_listed=rejected_ids,
        )
        result.created, result.updated, result.unchanged = (
            written.created,
            written.updated,
            written.unchanged,
        )
        result.conflicts, result.archived = written.conflicts, written.archived
        result.warnings = written.warnings + result.warnings
        record_import(KIND, result, file=name, owner=owner, by=by)
    log.info("import_openreferral %s: %s", name, result.summary)
    return result


__all__ = ["import_openreferral", "read_file", "read_url", "schema_problem"]
