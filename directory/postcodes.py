"""Postcode normalisation and lookup: the one place every part of Signpost asks about a postcode."""

import re
from dataclasses import dataclass

from django.db.models import Avg

from directory.models import Postcode

# The UK postcode grammar (outward code, then inward code "9AA"), plus the special GIR 0AA.
_POSTCODE = re.compile(r"^(?:([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})|(GIR)(0AA))$")


class PostcodeError(ValueError):
    """A postcode that cannot be used."""


class InvalidPostcode(PostcodeError):
    """Not a UK postcode at all ("SM1 XYZ")."""


class UnknownPostcode(PostcodeError):
    """A well-formed postcode that the ONS postcode data loaded here does not hold."""


def unknown_postcode_message(normal: str) -> str:
    """Say that a well-formed postcode is not in the loaded data, and no more than that.

    The table may hold only part of the ONS data, and the ONS data lags new postcodes by months,
    so "not a known UK postcode" would claim more than Signpost knows.
    """
    return (
        f"'{normal}' is not in the ONS postcode data loaded here "
        "(it may be new, or not a real postcode)"
    )


def normalise_postcode(raw: str) -> str:
    """Return the postcode in the standard form "SW19 1AA", whatever its case and spacing."""
    if not isinstance(raw, str):
        raise InvalidPostcode(f"{raw!r} is not a valid UK postcode")
    compact = re.sub(r"\s+", "", raw).upper()
    match = _POSTCODE.match(compact)
    if not match or len(compact) > 7:
        shown = raw.strip()[:20]
        raise InvalidPostcode(f"'{shown}' is not a valid UK postcode")
    return f"{compact[:-3]} {compact[-3:]}"


def postcode_sector(raw: str) -> str:
    """Return the postcode sector ("SW19 1"): the outward code and the first inward digit."""
    normal = normalise_postcode(raw)
    return normal[:-2]


def lookup_postcode(raw: str) -> Postcode:
    """Return the known postcode, raising InvalidPostcode or UnknownPostcode."""
    normal = normalise_postcode(raw)
    try:
        return Postcode.objects.select_related("local_authority__icb").get(postcode=normal)
    except Postcode.DoesNotExist:
        raise UnknownPostcode(unknown_postcode_message(normal)) from None


# A postcode sector written with its space: the outward code, then the inward code's digit.
_SECTOR = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ([0-9])$")


def normalise_sector(raw: str) -> str:
    """Return the postcode sector in the standard form "SM1 1", whatever its case and spacing.

    The space is required: "SW11" could be the sector "SW1 1" or the district SW11."""
    text = " ".join(raw.split()).upper() if isinstance(raw, str) else ""
    if not _SECTOR.match(text):
        shown = raw.strip()[:20] if isinstance(raw, str) else repr(raw)
        raise InvalidPostcode(f"'{shown}' is not a valid UK postcode or postcode sector")
    return text


@dataclass(frozen=True)
class Place:
    """Where distances are measured from: a postcode, or the middle of a postcode sector."""

    name: str
    latitude: float
    longitude: float
    is_sector: bool


def locate_postcode_or_sector(raw: str) -> Place:
    """Return the place a full postcode or a postcode sector ("SM1 1") stands for.

    A sector stands for the mean position of its postcodes that have one: a place to measure
    distances from that names no patient's address, so it can go in a link."""
    try:
        normal = normalise_postcode(raw)
    except InvalidPostcode as not_a_postcode:
        try:
            sector = normalise_sector(raw)
        except InvalidPostcode:
            raise not_a_postcode from None
    else:
        found = lookup_postcode(normal)
        if not found.has_coordinates:
            raise UnknownPostcode(f"'{found.postcode}' has no location in the ONS directory")
        return Place(found.postcode, found.latitude, found.longitude, is_sector=False)
    # Sector "SM1 1" holds "SM1 1AA" to "SM1 1ZZ"; the space keeps out district SM11's postcodes.
    centre = Postcode.objects.filter(
        postcode__startswith=sector, latitude__isnull=False, longitude__isnull=False
    ).aggregate(latitude=Avg("latitude"), longitude=Avg("longitude"))
    if centre["latitude"] is None:
        raise UnknownPostcode(
            f"'{sector}' is not a postcode sector in the ONS postcode data loaded here"
        )
    return Place(sector, centre["latitude"], centre["longitude"], is_sector=True)
