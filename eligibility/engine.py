"""The eligibility engine: a service's criteria and a patient's facts in, a decision out.

Pure: no database, no Django. Plain frozen dataclasses, so that the rules can be tested
exhaustively and evaluated thousands of times a request.

The rules, one sentence each:
- Area: a patient qualifies if, for any connection the service accepts (lives, works, registered
  with a GP), their place for that connection is one of the service's areas, an ICB counting for
  every one of its local authorities. If none qualifies and an accepted connection is unknown,
  the answer is "check"; otherwise "not eligible". No areas means no geographic restriction.
  A patient who does not work has no work place: that connection is known, and not met.
  When the listing's source publishes no eligibility by area (an Open Referral UK feed), the
  areas say nothing yet: the area criterion is "check" ("Eligibility not published by <source>")
  whatever they hold, until an editor sets them and marks them published.
- Age: a patient qualifies if their age is within the service's range; unknown age is "check".
- Who it is for: a patient qualifies if they belong to any of the groups the service is only for;
  not knowing which groups the patient belongs to is "check".
- The decision is "not eligible" if any criterion is, else "check" if any is, else "eligible".
"""

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property


class Verdict(StrEnum):
    ELIGIBLE = "eligible"
    CHECK = "check"
    NOT_ELIGIBLE = "not_eligible"


# How much worse each verdict is, for combining and ranking.
SEVERITY = {Verdict.ELIGIBLE: 0, Verdict.CHECK: 1, Verdict.NOT_ELIGIBLE: 2}
CONNECTIONS = ("lives", "works", "gp")


@dataclass(frozen=True)
class Place:
    """A local authority and, if known, the ICB it belongs to."""

    la_code: str
    la_name: str
    icb_code: str | None = None
    icb_name: str | None = None

    @property
    def label(self) -> str:
        return f"{self.la_name} ({self.icb_name})" if self.icb_name else self.la_name


@dataclass(frozen=True)
class AreaRef:
    code: str
    name: str


@dataclass(frozen=True)
class Criteria:
    """A service's eligibility criteria."""

    areas: tuple[AreaRef, ...] = ()
    via: frozenset[str] = frozenset({"lives", "gp"})
    min_age: int | None = None
    max_age: int | None = None
    only_for: tuple[str, ...] = ()
    # False when the listing's source publishes no eligibility by area; source_name is then
    # who did not publish it (None: the listing's source is not named).
    areas_published: bool = True
    source_name: str | None = None

    @cached_property
    def area_codes(self) -> frozenset[str]:
        return frozenset(a.code for a in self.areas)


@dataclass(frozen=True)
class Patient:
    """What is known of a patient. None means not known."""

    home: Place | None = None
    work: Place | None = None
    gp: Place | None = None
    age: int | None = None
    groups: frozenset[str] | None = None
    # Whether the patient works: False means they do not (no work place to ask for); None
    # means not known. A work place given implies True.
    works: bool | None = None


@dataclass(frozen=True)
class Reason:
    criterion: str
    verdict: Verdict
    text: str


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    reasons: tuple[Reason, ...] = field(default_factory=tuple)


GROUP_LABELS = {
    "carer": "carers",
    "chronic-pain": "people with chronic pain",
    "women": "women",
    "men": "men",
    "older-people": "older people",
    "young-adults": "young adults",
    "veterans": "armed forces veterans",
    "bereaved": "people who have been bereaved",
    "long-term-condition": "people with a long-term condition",
}
_VIA_PHRASES = {"lives": "live in", "works": "work in", "gp": "are registered with a GP in"}
_FACT_PHRASES = {
    "lives": ("lives in", "no home area was given"),
    "works": ("works in", "no work postcode was given"),
    "gp": ("is registered with a GP in", "no GP was given"),
}
_MET_PHRASES = {"lives": "Lives in", "works": "Works in", "gp": "Registered with a GP in"}


def decide(criteria: Criteria, patient: Patient) -> Decision:
    """Return the decision for this patient and these criteria, with one reason per criterion."""
    reasons = [_area_reason(criteria, patient)]
    if criteria.min_age is not None or criteria.max_age is not None:
        reasons.append(_age_reason(criteria, patient.age))
    if criteria.only_for:
        reasons.append(_group_reason(criteria.only_for, patient.groups))
    verdict = max((r.verdict for r in reasons), key=SEVERITY.__getitem__)
    return Decision(verdict, tuple(reasons))


_BY_SEVERITY = {severity: verdict for verdict, severity in SEVERITY.items()}


def verdicts(criteria: Criteria, patient: Patient) -> tuple[Verdict, Verdict]:
    """decide()'s verdict and the verdict of its area reason, without the reasons' words.

    Matching ranks every candidate on these (hundreds of distinct criteria near a city centre)
    and calls decide() only for the results it shows. The same rules as decide(), written
    without the words; tests/test_eligibility_engine.py holds the two to the same answers."""
    area = _area_verdict(criteria, patient)
    worst = SEVERITY[area]
    if criteria.min_age is not None or criteria.max_age is not None:
        age = patient.age
        if age is None:
            worst = max(worst, 1)
        elif (criteria.min_age is not None and age < criteria.min_age) or (
            criteria.max_age is not None and age > criteria.max_age
        ):
            worst = 2
    if criteria.only_for and worst < 2:
        groups = patient.groups
        if groups is None:
            worst = max(worst, 1)
        elif not any(g in groups for g in criteria.only_for):
            worst = 2
    return _BY_SEVERITY[worst], area


def _area_verdict(criteria: Criteria, patient: Patient) -> Verdict:
    """_area_reason's verdict alone."""
    if not criteria.areas_published:
        return Verdict.CHECK
    if not criteria.areas:
        return Verdict.ELIGIBLE
    codes = criteria.area_codes
    accepted = unknown = False
    for connection, place in (("lives", patient.home), ("works", patient.work), ("gp", patient.gp)):
        if connection not in criteria.via:
            continue
        accepted = True
        if place is None:
            # Someone who does not work has no work place: known, and not met.
            unknown = unknown or not (connection == "works" and patient.works is False)
        elif _in_areas(place, codes):
            return Verdict.ELIGIBLE
    return Verdict.CHECK if accepted and unknown else Verdict.NOT_ELIGIBLE


def _in_areas(place: Place, codes: frozenset[str]) -> bool:
    return place.la_code in codes or (place.icb_code is not None and place.icb_code in codes)


def _join(words: list[str], last: str = "or") -> str:
    if len(words) < 2:
        return "".join(words)
    return ", ".join(words[:-1]) + f" {last} " + words[-1]


def unpublished_text(source_name: str | None) -> str:
    return f"Eligibility not published by {source_name or 'its source'}"


def _area_reason(criteria: Criteria, patient: Patient) -> Reason:
    if not criteria.areas_published:
        return Reason("area", Verdict.CHECK, unpublished_text(criteria.source_name))
    if not criteria.areas:
        return Reason("area", Verdict.ELIGIBLE, "Open to people from any area")
    codes = criteria.area_codes
    facts = {"lives": patient.home, "works": patient.work, "gp": patient.gp}
    accepted = [c for c in CONNECTIONS if c in criteria.via]
    for connection in accepted:
        place = facts[connection]
        if place is not None and _in_areas(place, codes):
            return Reason("area", Verdict.ELIGIBLE, f"{_MET_PHRASES[connection]} {place.label}")
    area_names = _join([a.name for a in criteria.areas])
    rule = f"Only for people who {_join([_VIA_PHRASES[c] for c in accepted])} {area_names}"
    if not accepted:
        return Reason("area", Verdict.NOT_ELIGIBLE, f"Only for people in {area_names}")
    known = [f"{_FACT_PHRASES[c][0]} {facts[c].la_name}" for c in accepted if facts[c] is not None]
    does_not_work = "works" in accepted and patient.work is None and patient.works is False
    if does_not_work:
        known.append("does not work")
    unknown = [
        _FACT_PHRASES[c][1]
        for c in accepted
        if facts[c] is None and not (c == "works" and does_not_work)
    ]
    said = "; the patient " + _join(known, "and") if known else ""
    if unknown:
        return Reason("area", Verdict.CHECK, f"{rule}{said}; {_join(unknown, 'and')}")
    return Reason("area", Verdict.NOT_ELIGIBLE, f"{rule}{said}")


def age_range_text(min_age: int | None, max_age: int | None) -> str:
    if min_age is not None and max_age is not None:
        return f"aged {min_age} to {max_age}"
    if min_age is not None:
        return f"aged {min_age} and over"
    return f"aged {max_age} and under"


def _age_reason(criteria: Criteria, age: int | None) -> Reason:
    wanted = age_range_text(criteria.min_age, criteria.max_age)
    if age is None:
        return Reason("age", Verdict.CHECK, f"Only for people {wanted}; no age was given")
    too_young = criteria.min_age is not None and age < criteria.min_age
    too_old = criteria.max_age is not None and age > criteria.max_age
    if too_young or too_old:
        return Reason(
            "age", Verdict.NOT_ELIGIBLE, f"Only for people {wanted}; the patient is {age}"
        )
    return Reason("age", Verdict.ELIGIBLE, f"Aged {age}: the service is for people {wanted}")


def _group_reason(only_for: tuple[str, ...], groups: frozenset[str] | None) -> Reason:
    wanted = _join([GROUP_LABELS.get(g, g) for g in only_for])
    if groups is None:
        return Reason(
            "group", Verdict.CHECK, f"Only for {wanted}; ask whether this applies to the patient"
        )
    met = [g for g in only_for if g in groups]
    if met:
        return Reason("group", Verdict.ELIGIBLE, f"For {GROUP_LABELS.get(met[0], met[0])}")
    return Reason("group", Verdict.NOT_ELIGIBLE, f"Only for {wanted}")
