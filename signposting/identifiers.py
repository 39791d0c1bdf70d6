"""Free text must not identify a patient: find what looks like a full postcode, an NHS number,
a date of birth, an email address or a phone number. Pure: no Django.

A note is refused (never cleaned silently) with a message saying what to remove, so the person
writing it decides. Dates count as a date of birth only if they are more than five years ago:
"seen on 14/12/2026" is a date a link worker needs; "born 3/4/1956" is not.
"""

import datetime as dt
import re

POSTCODE = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][ABD-HJLNP-UW-Z]{2}\b", re.IGNORECASE)
NHS_NUMBER = re.compile(r"(?<![\d])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![\d])")
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(\.[\w-]+)+\b")
PHONE = re.compile(r"(?<![\d])(?:\+44\s?|0)(?:\d[\s-]?){9,10}(?![\d])")
MONTHS = ("jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|"
          "june|july|august|september|october|november|december")  # fmt: skip
NUMERIC_DATE = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})\b")
ISO_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
WORD_DATE = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({MONTHS})\.?\s+(\d{{4}})\b", re.I)
DOB_YEARS = 5


def nhs_number_valid(digits: str) -> bool:
    """The NHS number's modulus 11 check digit."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 1900 if year > dt.date.today().year % 100 else 2000
    return year


def _dates(text: str) -> list[int]:
    """The years of the full dates in the text."""
    years = [_year(m.group(3)) for m in NUMERIC_DATE.finditer(text)]
    years += [int(m.group(1)) for m in ISO_DATE.finditer(text)]
    years += [int(m.group(3)) for m in WORD_DATE.finditer(text)]
    return years


def identifiers_in(text: str, today: dt.date | None = None) -> list[str]:
    """What in the text could identify a patient, as words for a message (empty if nothing)."""
    today = today or dt.date.today()
    found = []
    if POSTCODE.search(text):
        found.append("a full postcode")
    if any(nhs_number_valid("".join(m.groups())) for m in NHS_NUMBER.finditer(text)):
        found.append("an NHS number")
    if any(year <= today.year - DOB_YEARS for year in _dates(text)):
        found.append("a date of birth")
    if EMAIL.search(text):
        found.append("an email address")
    if PHONE.search(text):
        found.append("a phone number")
    return found


def note_errors(text: str) -> list[str]:
    """The message for a note that identifies the patient, or none."""
    found = identifiers_in(text)
    if not found:
        return []
    listed = found[0] if len(found) == 1 else ", ".join(found[:-1]) + " and " + found[-1]
    return [
        f"Remove {listed} from the note: notes must not identify the patient "
        "(the postcode sector and age band are kept for you)"
    ]
