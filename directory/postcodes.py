"""Postcode normalisation and lookup: the one place every part of Signpost asks about a postcode."""

import re

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
