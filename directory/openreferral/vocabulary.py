"""Signpost's Open Referral UK vocabulary: stable ids, our two taxonomies and service areas.

Everything an ORUK feed says in Signpost's own words is defined here once, so that the publisher
(publish.py) and an importer reading a Signpost feed agree:

* two taxonomies of our own: "signpost-needs" (one term per Need: id = Need.uuid, code = slug)
  and "signpost-eligibility", whose terms encode a service's eligibility criteria as service
  attributes (eligible areas, the connections that count, only-for groups, and whether the
  criteria are published at all);
* service areas: a local authority or ICB as a service_area whose `uri` carries its GSS or ODS
  code; a national service as one service_area for the United Kingdom (GSS K02000001);
* accessibility phrases, weekday codes and the "Free" cost option.

Every id we make is a UUID 5 under NAMESPACE, so the same fact gets the same id in every
response and every run. The functions are pure: no queries (pass prefetched data).
"""

import re
import uuid
from collections.abc import Iterable, Mapping

from directory.models import PatientGroup

# Fixed for ever: changing it changes every derived id in every published feed.
NAMESPACE = uuid.UUID("4a8dad35-67f2-431f-9084-6130ecd657f3")

NEEDS_TAXONOMY = "signpost-needs"
ELIGIBILITY_TAXONOMY = "signpost-eligibility"
TAXONOMY_VERSION = "1"

# link_type of the attributes we publish (HSDS: what the taxonomy term describes).
NEED_LINK_TYPE = "need"
ELIGIBILITY_LINK_TYPE = "eligibility"

# A national service's one service area: the United Kingdom's GSS code.
NATIONAL_CODE = "K02000001"
NATIONAL_NAME = "United Kingdom"
# Country codes an importer may meet for a service that serves everyone (England for an NHS
# England feed); none of them is a Signpost area.
NATIONAL_CODES = frozenset({NATIONAL_CODE, "K03000001", "K04000001", "E92000001"})
NATIONAL_NAMES = frozenset({"national", "nationwide", "united kingdom", "uk", "uk-wide", "england"})

GSS_URI = "http://statistics.data.gov.uk/id/statistical-geography/{code}"
ODS_URI = "https://directory.spineservices.nhs.uk/ORD/2-0-0/organisations/{code}"
_GSS = re.compile(r"(?<![A-Za-z0-9])([EWSN]\d{8})(?![A-Za-z0-9])")
# An integrated care board's ODS code: "Q" and two more characters (QWE, QXU, QKK).
_ODS_ICB = re.compile(r"(?<![A-Za-z0-9])(Q[A-Z0-9]{2})(?![A-Za-z0-9])")

# RFC 5545 day codes (HSDS schedule.byday) by Schedule.weekday (1 = Monday).
WEEKDAY_CODES = {1: "MO", 2: "TU", 3: "WE", 4: "TH", 5: "FR", 6: "SA", 7: "SU"}
WEEKDAYS_BY_CODE = {code: day for day, code in WEEKDAY_CODES.items()}
BY_APPOINTMENT = "By appointment"
FREE_OPTION = "Free"
FEES_OPTION = "Fees"

# Service accessibility flag -> (what a location's accessibility says when True, when False).
ACCESSIBILITY_PHRASES = {
    "step_free_access": ("Step-free access", "No step-free access"),
    "hearing_loop": ("Hearing loop", "No hearing loop"),
    "accessible_toilet": ("Accessible toilet", "No accessible toilet"),
}

VIA_FIELDS = {"lives": "eligible_if_lives", "works": "eligible_if_works", "gp": "eligible_if_gp"}
_VIA_NAMES = {
    "lives": "Lives in an eligible area",
    "works": "Works in an eligible area",
    "gp": "Registered with a GP practice in an eligible area",
}
# Parent terms of the eligibility taxonomy: code -> (name, description).
_PARENTS = {
    "area": (
        "Eligible areas",
        "Local authorities (GSS code) and integrated care boards (ODS code) whose people may use "
        "the service; a service with none is open to people from anywhere.",
    ),
    "via": (
        "Connections that count",
        "How a person must be connected to an eligible area: living, working or registered with "
        "a GP practice there (any one is enough).",
    ),
    "only-for": ("Only for", "Groups of people the service is only for."),
    "published": (
        "Eligibility published",
        "Whether the service's eligibility criteria are published; when not, check with the "
        "service first.",
    ),
}
_PUBLISHED = {
    "yes": ("Eligibility published", "The criteria given by the other terms are the whole rule."),
    "no": (
        "Eligibility not published",
        "The source publishes no eligibility by area: check with the service before referring.",
    ),
}


def stable_uuid(*parts: object) -> str:
    """Return the UUID 5 of the parts under NAMESPACE, as text."""
    return str(uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts)))


def taxonomy_id(name: str) -> str:
    """Return the id of one of our taxonomies ("signpost-needs" or "signpost-eligibility")."""
    return stable_uuid("taxonomy", name)


def taxonomies() -> list[dict]:
    """Return our two taxonomies as HSDS taxonomy objects."""
    return [
        {
            "id": taxonomy_id(NEEDS_TAXONOMY),
            "name": NEEDS_TAXONOMY,
            "description": "Signpost's social prescribing needs: the reasons a person is "
            "referred (loneliness, debt, pain self-management, ...).",
            "version": TAXONOMY_VERSION,
        },
        {
            "id": taxonomy_id(ELIGIBILITY_TAXONOMY),
            "name": ELIGIBILITY_TAXONOMY,
            "description": "Signpost's eligibility criteria as terms: eligible areas by GSS or "
            "ODS code, the connections to them that count, groups a service is only for, and "
            "whether the criteria are published.",
            "version": TAXONOMY_VERSION,
        },
    ]


def need_term(need) -> dict:
    """Return a Need (or anything with uuid, slug, name, description) as a taxonomy term."""
    return _without_empty(
        {
            "id": str(_get(need, "uuid")),
            "name": _get(need, "name"),
            "description": _get(need, "description") or _get(need, "name"),
            "taxonomy": NEEDS_TAXONOMY,
            "taxonomy_id": taxonomy_id(NEEDS_TAXONOMY),
            "term": _get(need, "name"),
            "code": _get(need, "slug"),
        }
    )


def eligibility_term_id(code: str) -> str:
    """Return the id of an eligibility term by its code ("via:gp", "area:E09000029", ...)."""
    return stable_uuid(ELIGIBILITY_TAXONOMY, code)


def eligibility_terms(areas: Iterable = ()) -> list[dict]:
    """Return every eligibility term: the fixed ones, then one per area given."""
    terms = [_term(code, name, text) for code, (name, text) in _PARENTS.items()]
    terms += [
        _term(f"via:{via}", name, f"Eligible if the person {_VIA_TEXT[via]}.", parent="via")
        for via, name in _VIA_NAMES.items()
    ]
    terms += [
        _term(f"only-for:{group.value}", group.label, f"Only for: {group.label}.", "only-for")
        for group in PatientGroup
    ]
    terms += [
        _term(f"published:{flag}", name, text, parent="published")
        for flag, (name, text) in _PUBLISHED.items()
    ]
    terms += [area_term(*_code_and_name(area)) for area in areas]
    return terms


def area_term(code: str, name: str = "") -> dict:
    """Return the eligibility term for one local authority or ICB."""
    label = name or code
    term = _term(f"area:{code}", label, f"Eligible area: {label} ({code}).", parent="area")
    term["term_uri"] = area_uri(code)
    return term


def criteria_attributes(service) -> list[dict]:
    """Return the service's eligibility criteria as HSDS attributes of our eligibility taxonomy.

    `service` is a Service (areas prefetched) or a mapping with uuid, eligible_areas (codes, or
    objects or mappings with code and name), eligible_if_lives/works/gp, only_for and
    eligibility_published (True when absent). A published flag is always present, so a service
    with no restriction at all still says so.
    """
    terms = [area_term(*_code_and_name(area)) for area in _items(_get(service, "eligible_areas"))]
    fixed = {term["code"]: term for term in eligibility_terms()}
    terms += [fixed[f"via:{via}"] for via, name in VIA_FIELDS.items() if _get(service, name)]
    for group in _get(service, "only_for") or []:
        if f"only-for:{group}" not in fixed:
            raise ValueError(f"'{group}' is not a patient group")
        terms.append(fixed[f"only-for:{group}"])
    published = _get(service, "eligibility_published", True)
    terms.append(fixed["published:yes" if published is not False else "published:no"])
    service_id = str(_get(service, "uuid"))
    return [_attribute(service_id, term, ELIGIBILITY_LINK_TYPE) for term in terms]


def need_attributes(service_id: str, needs: Iterable) -> list[dict]:
    """Return a service's needs as HSDS attributes of the needs taxonomy."""
    return [_attribute(str(service_id), need_term(n), NEED_LINK_TYPE) for n in needs]


def criteria_from_attributes(attributes: list[dict]) -> dict | None:
    """Return the eligibility criteria carried by attributes, or None if they carry none.

    The inverse of criteria_attributes: a dict of eligible_areas (codes, in order),
    eligible_if_lives, eligible_if_works, eligible_if_gp, only_for (slugs) and
    eligibility_published. Terms are recognised by their code, or failing that by their id (area
    terms by the code in their term_uri); terms of other taxonomies are ignored.
    """
    codes = [c for c in (_eligibility_code(a) for a in attributes or []) if c]
    if not codes:
        return None
    criteria = {
        "eligible_areas": [],
        "eligible_if_lives": False,
        "eligible_if_works": False,
        "eligible_if_gp": False,
        "only_for": [],
        "eligibility_published": "published:no" not in codes,
    }
    for code in codes:
        kind, _, value = code.partition(":")
        if kind == "area" and value not in criteria["eligible_areas"]:
            criteria["eligible_areas"].append(value)
        elif kind == "via" and value in VIA_FIELDS:
            criteria[VIA_FIELDS[value]] = True
        elif kind == "only-for" and value not in criteria["only_for"]:
            criteria["only_for"].append(value)
    return criteria


def area_uri(code: str) -> str:
    """Return the URI that names an area: ONS linked data for GSS, the ODS API for an ICB."""
    return (GSS_URI if _GSS.fullmatch(code) or code in NATIONAL_CODES else ODS_URI).format(
        code=code
    )


def area_service_area(service_id: str, code: str, name: str = "") -> dict:
    """Return a local authority or ICB as a service_area whose uri carries its code."""
    return {
        "id": stable_uuid("service_area", service_id, code),
        "service_id": str(service_id),
        "name": name or code,
        "service_area": name or code,
        "uri": area_uri(code),
    }


def national_service_area(service_id: str) -> dict:
    """Return the one service_area of a national service: the United Kingdom."""
    return {
        "id": stable_uuid("service_area", service_id, NATIONAL_CODE),
        "service_id": str(service_id),
        "name": NATIONAL_NAME,
        "service_area": NATIONAL_NAME,
        "description": "A national service: it serves people anywhere in the United Kingdom.",
        "uri": area_uri(NATIONAL_CODE),
    }


def service_areas(service) -> list[dict]:
    """Return a service's service_areas: its areas served, or the UK when it is national."""
    service_id = str(_get(service, "uuid"))
    if _get(service, "serves_nationally"):
        return [national_service_area(service_id)]
    return [
        area_service_area(service_id, *_code_and_name(a))
        for a in _items(_get(service, "areas_served"))
    ]


def area_code_from_service_area(service_area: Mapping) -> str | None:
    """Return the GSS (E/W/S/N and 8 digits) or ICB ODS code a service_area names, or None.

    Looks in the uri, then the name, then the old free-text service_area; a GSS code anywhere
    wins over an ODS code. A national area (see is_national_service_area) gives None.
    """
    texts = [str(service_area.get(key) or "") for key in ("uri", "name", "service_area")]
    for pattern in (_GSS, _ODS_ICB):
        for text in texts:
            match = pattern.search(text)
            if match:
                return match.group(1)
    return None


def is_national_service_area(service_area: Mapping) -> bool:
    """Say whether a service_area means everyone: a UK or country code, or a national name."""
    uri = str(service_area.get("uri") or "")
    if any(code in uri for code in NATIONAL_CODES):
        return True
    names = [str(service_area.get(key) or "") for key in ("name", "service_area")]
    return any(name.strip().lower() in NATIONAL_NAMES for name in names if name.strip())


def accessibility_items(service, location_id: str) -> list[dict]:
    """Return what is known about a location's accessibility, one HSDS item a fact.

    Unknown flags (None) are left out; the service's accessibility note is an item of its own.
    """
    items = []
    for flag, (yes, no) in ACCESSIBILITY_PHRASES.items():
        value = _get(service, flag)
        if value is None:
            continue
        items.append(
            {
                "id": stable_uuid("accessibility", location_id, flag),
                "location_id": str(location_id),
                "description": yes if value else no,
            }
        )
    note = _get(service, "accessibility_note")
    if note:
        items.append(
            {
                "id": stable_uuid("accessibility", location_id, "note"),
                "location_id": str(location_id),
                "description": note,
            }
        )
    return items


def accessibility_from_items(items: list[dict]) -> dict:
    """Return the flags and note that accessibility items say (the inverse of the above)."""
    result: dict = {flag: None for flag in ACCESSIBILITY_PHRASES}
    notes = []
    by_phrase = {}
    for flag, (yes, no) in ACCESSIBILITY_PHRASES.items():
        by_phrase[yes.lower()] = (flag, True)
        by_phrase[no.lower()] = (flag, False)
    for item in items or []:
        text = str(item.get("description") or "").strip()
        if text.lower() in by_phrase:
            flag, value = by_phrase[text.lower()]
            result[flag] = value
        elif text:
            notes.append(text)
    result["accessibility_note"] = "; ".join(notes)
    return result


_VIA_TEXT = {
    "lives": "lives in an eligible area",
    "works": "works in an eligible area",
    "gp": "is registered with a GP practice in an eligible area",
}


def _term(code: str, name: str, description: str, parent: str = "") -> dict:
    term = {
        "id": eligibility_term_id(code),
        "name": name,
        "description": description,
        "taxonomy": ELIGIBILITY_TAXONOMY,
        "taxonomy_id": taxonomy_id(ELIGIBILITY_TAXONOMY),
        "term": name,
        "code": code,
    }
    if parent:
        term["parent_id"] = eligibility_term_id(parent)
    return term


def _attribute(service_id: str, term: dict, link_type: str) -> dict:
    return {
        "id": stable_uuid("attribute", service_id, term["id"]),
        "link_id": service_id,
        "link_type": link_type,
        "link_entity": "service",
        "taxonomy_term_id": term["id"],
        "taxonomy_term": term,
    }


def _fixed_codes_by_id() -> dict[str, str]:
    return {term["id"]: term["code"] for term in eligibility_terms()}


_CODES_BY_ID = _fixed_codes_by_id()
_AREA_PARENT_ID = eligibility_term_id("area")
_ELIGIBILITY_TAXONOMY_ID = taxonomy_id(ELIGIBILITY_TAXONOMY)


def _eligibility_code(attribute: Mapping) -> str | None:
    """Return the eligibility code of an attribute's term, or None if it is not one of ours."""
    term = attribute.get("taxonomy_term") or {}
    term_id = str(term.get("id") or attribute.get("taxonomy_term_id") or "")
    ours = (
        term.get("taxonomy") == ELIGIBILITY_TAXONOMY
        or term.get("taxonomy_id") == _ELIGIBILITY_TAXONOMY_ID
        or term_id in _CODES_BY_ID
        or term.get("parent_id") == _AREA_PARENT_ID
    )
    if not ours:
        return None
    code = str(term.get("code") or "")
    if code and ":" in code and eligibility_term_id(code) == term_id:
        return code
    if term_id in _CODES_BY_ID:
        return _CODES_BY_ID[term_id]
    area = area_code_from_service_area({"uri": term.get("term_uri"), "name": code})
    if area and eligibility_term_id(f"area:{area}") == term_id:
        return f"area:{area}"
    return None


def _code_and_name(area) -> tuple[str, str]:
    if isinstance(area, str):
        return area, ""
    if isinstance(area, Mapping):
        return str(area["code"]), str(area.get("name") or "")
    return str(area.code), str(getattr(area, "name", "") or "")


def _items(value) -> list:
    if value is None:
        return []
    if hasattr(value, "all"):  # a related manager: use what was prefetched
        return list(value.all())
    return list(value)


def _get(obj, name: str, default=None):
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _without_empty(d: dict) -> dict:
    return {k: v for k, v in d.items() if v not in (None, "", [])}
