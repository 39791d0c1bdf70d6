"""Outcome measures: their vocabulary, scoring and the summary figures reports print.

Pure: no database, no Django, standard library only. Models, forms, the API and the reports
import from here, so that every list of items and every scale is defined once.

The measures (seed 001, section 3.2.1 and appendices E and F; ONS personal wellbeing):
- MYCaW: up to two concerns, each with a category and a score from 0 (no bother) to 6 (bothers
  greatly), and wellbeing from 0 (as good as can be) to 6 (as bad as can be). Lower is better.
  The concern's own words are not kept here or anywhere in Signpost.
- PSEQ: ten items, each from 0 (not at all confident) to 6 (completely confident); the total,
  0 to 60, is their sum. Higher is better. A form missing any item is refused, never guessed.
- ONS4: four questions, each from 0 to 10, banded by the ONS thresholds. Higher is better,
  except anxiety, where lower is better.

The summaries follow the evaluation: baseline and follow-up means and SDs are taken over the
patients with both (section 4.3.2.1: "at baseline amongst these patients"), SDs are sample SDs
(n - 1, as Excel and SPSS report them), and figures are rounded half up to two places.
"""

import math
import numbers
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType


class Direction(StrEnum):
    """Which way a score moves when the patient is better."""

    LOWER = "lower"
    HIGHER = "higher"


@dataclass(frozen=True)
class Scale:
    """A whole-number scale, what its ends mean and which way is better."""

    minimum: int
    maximum: int
    better: Direction
    low_label: str
    high_label: str

    def contains(self, score: int) -> bool:
        return self.minimum <= score <= self.maximum


# --- Vocabulary -----------------------------------------------------------------------------

# The concern categories the evaluation counts (Tables 9 and 10), in the order a form offers them.
MYCAW_CATEGORIES = {
    "mental_emotional": "Mental and emotional",
    "physical": "Physical",
    "practical": "Practical",
    "wellbeing": "Wellbeing",
}
MYCAW_CONCERN_SLOTS = ("concern_1", "concern_2")
MYCAW_CONCERN_SCALE = Scale(0, 6, Direction.LOWER, "No bother", "Bothers greatly")
MYCAW_WELLBEING_SCALE = Scale(0, 6, Direction.LOWER, "As good as can be", "As bad as can be")

# The ten PSEQ topics of section 3.2.1.2, in questionnaire order, each "despite the pain".
PSEQ_ITEMS = {
    "enjoyment": "Enjoying things",
    "household": "Household chores",
    "social": "Seeing friends and family",
    "coping": "Coping in most situations",
    "work": "Some form of work",
    "leisure": "Hobbies and leisure",
    "without_medication": "Coping without medication",
    "goals": "Reaching life goals",
    "normal_life": "A normal lifestyle",
    "more_active": "Becoming more active",
}
PSEQ_ITEM_SCALE = Scale(0, 6, Direction.HIGHER, "Not at all confident", "Completely confident")
PSEQ_TOTAL_SCALE = Scale(0, 60, Direction.HIGHER, "No confidence", "Full confidence")

# The four ONS personal wellbeing questions, in the order the ONS asks them.
ONS4_ITEMS = {
    "life_satisfaction": "Life satisfaction",
    "worthwhile": "Things done are worthwhile",
    "happiness": "Happiness yesterday",
    "anxiety": "Anxiety yesterday",
}
ONS4_SCALES = {
    "life_satisfaction": Scale(0, 10, Direction.HIGHER, "Not at all", "Completely"),
    "worthwhile": Scale(0, 10, Direction.HIGHER, "Not at all", "Completely"),
    "happiness": Scale(0, 10, Direction.HIGHER, "Not at all", "Completely"),
    "anxiety": Scale(0, 10, Direction.LOWER, "Not at all", "Completely"),
}


class Band(StrEnum):
    """An ONS threshold band."""

    VERY_LOW = "very_low"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    VERY_HIGH = "very_high"

    @property
    def label(self) -> str:
        return self.replace("_", " ").capitalize()


# The ONS published thresholds, as (highest score in the band, band), lowest band first.
_POSITIVE_BANDS = ((4, Band.LOW), (6, Band.MEDIUM), (8, Band.HIGH), (10, Band.VERY_HIGH))
_ANXIETY_BANDS = ((1, Band.VERY_LOW), (3, Band.LOW), (5, Band.MEDIUM), (10, Band.HIGH))
ONS4_BANDS = {
    "life_satisfaction": _POSITIVE_BANDS,
    "worthwhile": _POSITIVE_BANDS,
    "happiness": _POSITIVE_BANDS,
    "anxiety": _ANXIETY_BANDS,
}


class MeasureName(StrEnum):
    MYCAW = "mycaw"
    PSEQ = "pseq"
    ONS4 = "ons4"


@dataclass(frozen=True)
class Measure:
    """A measure's name, its items and the scale of each item."""

    slug: MeasureName
    name: str
    short_name: str
    items: Mapping[str, str]
    scales: Mapping[str, Scale]


MEASURES = {
    MeasureName.MYCAW: Measure(
        MeasureName.MYCAW,
        "Measure Yourself Concerns and Wellbeing",
        "MYCaW",
        {"concern_1": "First concern", "concern_2": "Second concern", "wellbeing": "Wellbeing"},
        {
            "concern_1": MYCAW_CONCERN_SCALE,
            "concern_2": MYCAW_CONCERN_SCALE,
            "wellbeing": MYCAW_WELLBEING_SCALE,
        },
    ),
    MeasureName.PSEQ: Measure(
        MeasureName.PSEQ,
        "Pain Self-Efficacy Questionnaire",
        "PSEQ",
        PSEQ_ITEMS,
        {**dict.fromkeys(PSEQ_ITEMS, PSEQ_ITEM_SCALE), "total": PSEQ_TOTAL_SCALE},
    ),
    MeasureName.ONS4: Measure(
        MeasureName.ONS4, "ONS personal wellbeing", "ONS4", ONS4_ITEMS, ONS4_SCALES
    ),
}


# --- Errors ---------------------------------------------------------------------------------


class MeasureError(ValueError):
    """A form that cannot be scored; `errors` maps each field name to its messages."""

    def __init__(self, errors: Mapping[str, list[str]]):
        self.errors: dict[str, list[str]] = {field: list(msgs) for field, msgs in errors.items()}
        super().__init__("; ".join(m for msgs in self.errors.values() for m in msgs))


class _Errors:
    """Collect every problem with a form, so the user sees them all at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def raise_any(self) -> None:
        if self.errors:
            raise MeasureError(self.errors)


def _whole_number(value: object) -> int | None:
    """Return value as an int if it is a whole number (or a string of digits), else None."""
    # bool is an int in Python; a tick box is not a score.
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Integral):  # int, and numpy's integers from pandas
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    # Floats, even 5.0, are refused: MYCaW's guide says halfway scores are not allowed, and a
    # float on the way in means something upstream is not reading the form as written.
    return None


def _score(errors: _Errors, field: str, what: str, value: object, scale: Scale) -> int | None:
    """Return the score, or record why it cannot be used."""
    ask = f"give a score from {scale.minimum} to {scale.maximum}"
    if value is None or value == "":
        errors.add(field, f"{what}: missing; {ask}")
        return None
    score = _whole_number(value)
    if score is None:
        errors.add(field, f"{what}: {value!r} is not a whole number; {ask}")
        return None
    if not scale.contains(score):
        errors.add(field, f"{what}: {score} is out of range; {ask}")
        return None
    return score


# --- MYCaW ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Concern:
    category: str
    score: int

    @property
    def category_label(self) -> str:
        return MYCAW_CATEGORIES[self.category]


@dataclass(frozen=True)
class MycawScore:
    """A scored MYCaW form. Lower is better for every score."""

    concern_1: Concern
    concern_2: Concern | None
    wellbeing: int

    @property
    def concerns(self) -> tuple[Concern, ...]:
        return tuple(c for c in (self.concern_1, self.concern_2) if c is not None)

    @property
    def profile(self) -> float:
        """Return the MYCaW profile score: the mean of the concern and wellbeing scores."""
        scores = [c.score for c in self.concerns] + [self.wellbeing]
        return sum(scores) / len(scores)


_CONCERN_KEY = re.compile(r"concern_(\d+)")


def score_mycaw(form: Mapping[str, object]) -> MycawScore:
    """Score a MYCaW form: {"concern_1": {"category", "score"}, "concern_2": ..., "wellbeing"}.

    The second concern is optional; a second without a first, a third, or the same slot given
    twice (as "concern_1" and "concern_01") is refused. Raise MeasureError with every problem.
    """
    errors = _Errors()
    slots: dict[int, tuple[str, object]] = {}
    for key, value in form.items():
        if key == "wellbeing":
            continue
        match = _CONCERN_KEY.fullmatch(str(key))
        if match is None:
            errors.add(str(key), f"{key!r} is not part of a MYCaW form")
            continue
        slot = int(match.group(1))
        if slot in slots:
            errors.add(
                f"concern_{slot}", f"concern {slot} is given twice ({slots[slot][0]}, {key})"
            )
        elif slot < 1 or slot > len(MYCAW_CONCERN_SLOTS):
            errors.add(str(key), "a MYCaW form records at most two concerns")
        else:
            slots[slot] = (str(key), value)

    concerns: dict[int, Concern] = {}
    if 1 not in slots:
        if 2 in slots:
            errors.add("concern_1", "concern 1: missing; give the first concern before a second")
        else:
            errors.add("concern_1", "concern 1: missing; give a category and a score from 0 to 6")
    for slot, (_key, value) in sorted(slots.items()):
        concern = _concern(errors, slot, value)
        if concern is not None:
            concerns[slot] = concern

    wellbeing = _score(
        errors, "wellbeing", "wellbeing", form.get("wellbeing"), MYCAW_WELLBEING_SCALE
    )
    errors.raise_any()
    assert wellbeing is not None
    return MycawScore(concerns[1], concerns.get(2), wellbeing)


def _concern(errors: _Errors, slot: int, value: object) -> Concern | None:
    field = f"concern_{slot}"
    if not isinstance(value, Mapping):
        errors.add(field, f"concern {slot}: give a category and a score from 0 to 6")
        return None
    for key in value:
        if key not in ("category", "score"):
            errors.add(field, f"concern {slot}: {key!r} is not part of a concern")
    category = value.get("category")
    choices = ", ".join(MYCAW_CATEGORIES)
    if category in (None, ""):
        errors.add(f"{field}_category", f"concern {slot} category: missing; choose from {choices}")
        category = None
    elif category not in MYCAW_CATEGORIES:
        errors.add(
            f"{field}_category",
            f"concern {slot} category: {category!r} is not known; choose from {choices}",
        )
        category = None
    score = _score(
        errors, f"{field}_score", f"concern {slot} score", value.get("score"), MYCAW_CONCERN_SCALE
    )
    if category is None or score is None:
        return None
    return Concern(str(category), score)


# --- PSEQ -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PseqScore:
    """A scored PSEQ: each item's score and the total. Higher is better."""

    items: Mapping[str, int]
    total: int


def score_pseq(form: Mapping[str, object]) -> PseqScore:
    """Score a PSEQ form {item: score}: all ten items, each 0 to 6, total 0 to 60."""
    errors = _Errors()
    for key in form:
        if key not in PSEQ_ITEMS:
            errors.add(str(key), f"{key!r} is not a PSEQ item")
    items: dict[str, int] = {}
    for item in PSEQ_ITEMS:
        what = f"pseq item {item!r}"
        if item not in form:
            # An incomplete PSEQ has no valid total; it is refused rather than prorated.
            errors.add(item, f"{what}: missing; give a score from 0 to 6 (all ten are needed)")
            continue
        score = _score(errors, item, what, form[item], PSEQ_ITEM_SCALE)
        if score is not None:
            items[item] = score
    errors.raise_any()
    return PseqScore(MappingProxyType(items), sum(items.values()))


# --- ONS4 -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ons4Score:
    """The four ONS personal wellbeing scores. Higher is better, except anxiety."""

    life_satisfaction: int
    worthwhile: int
    happiness: int
    anxiety: int

    @property
    def scores(self) -> dict[str, int]:
        return {item: getattr(self, item) for item in ONS4_ITEMS}

    @property
    def bands(self) -> dict[str, Band]:
        return {item: ons4_band(item, score) for item, score in self.scores.items()}


def ons4_band(item: str, score: int) -> Band:
    """Return the ONS threshold band of one ONS4 score."""
    if not ONS4_SCALES[item].contains(score):
        raise ValueError(f"{item}: {score} is out of range")
    return next(band for top, band in ONS4_BANDS[item] if score <= top)


def score_ons4(form: Mapping[str, object]) -> Ons4Score:
    """Score an ONS4 form {item: score}: all four items, each 0 to 10."""
    errors = _Errors()
    for key in form:
        if key not in ONS4_ITEMS:
            errors.add(str(key), f"{key!r} is not an ONS4 question")
    scores: dict[str, int] = {}
    for item, scale in ONS4_SCALES.items():
        score = _score(errors, item, f"ons4 {item.replace('_', ' ')}", form.get(item), scale)
        if score is not None:
            scores[item] = score
    errors.raise_any()
    return Ons4Score(**scores)


# --- Summaries for reports ------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeSummary:
    """Baseline against follow-up for one score, as the evaluation reports it.

    Means and SDs are over the patients with both; SDs are None below two patients.
    """

    n_baseline: int
    n_both: int
    baseline_mean: float | None
    baseline_sd: float | None
    followup_mean: float | None
    followup_sd: float | None
    improved: int
    same: int
    worse: int


def change_summary(pairs: Iterable[tuple[float, float | None]], better: Direction) -> ChangeSummary:
    """Summarise (baseline, follow-up or None) pairs; `better` says which way is improvement."""
    pairs = list(pairs)
    if any(baseline is None for baseline, _ in pairs):
        raise ValueError("every pair needs a baseline score")
    both = [(b, f) for b, f in pairs if f is not None]
    baselines = [b for b, _ in both]
    followups = [f for _, f in both]
    up = sum(f > b for b, f in both)
    down = sum(f < b for b, f in both)
    same = len(both) - up - down
    improved, worse = (up, down) if better == Direction.HIGHER else (down, up)
    return ChangeSummary(
        n_baseline=len(pairs),
        n_both=len(both),
        baseline_mean=_mean(baselines),
        baseline_sd=sample_sd(baselines),
        followup_mean=_mean(followups),
        followup_sd=sample_sd(followups),
        improved=improved,
        same=same,
        worse=worse,
    )


def _mean(values: Sequence[float]) -> float | None:
    if not values:
        return None
    if all(isinstance(v, int) for v in values):
        # Exact for whole-number scores, so a mean of exactly 2.285 displays as 2.29, not 2.28.
        return float(Fraction(sum(values), len(values)))
    return math.fsum(values) / len(values)


def sample_sd(values: Sequence[float]) -> float | None:
    """Return the sample standard deviation (n - 1, Excel's STDEV.S), or None below two values."""
    if len(values) < 2:
        return None
    mean = math.fsum(values) / len(values)
    return math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1))


@dataclass(frozen=True)
class MedianIQR:
    median: float
    q1: float
    q3: float

    @property
    def iqr(self) -> float:
        return self.q3 - self.q1


def quantile(sorted_values: Sequence[float], p: float) -> float:
    """Return the p-quantile of sorted values by linear interpolation between order statistics.

    This is Hyndman and Fan's type 7: numpy's default, R's default and Excel's QUARTILE.INC
    (the evaluation was analysed in Excel). The position is p * (n - 1), counting from 0.
    """
    if not sorted_values:
        raise ValueError("no values")
    position = p * (len(sorted_values) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(sorted_values) - 1)
    fraction = position - lower
    return sorted_values[lower] + fraction * (sorted_values[upper] - sorted_values[lower])


def median_iqr(values: Iterable[float]) -> MedianIQR | None:
    """Return the median and quartiles (linear, Excel's QUARTILE.INC), or None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    return MedianIQR(quantile(ordered, 0.5), quantile(ordered, 0.25), quantile(ordered, 0.75))


def weighted_quantile(counted: Sequence[tuple[float, int]], p: float) -> float:
    """quantile() of the values each repeated its count of times, without repeating them:
    `counted` is (value, count) sorted by value, with no count below 0. The same arithmetic on
    the same order statistics, so the result is the same float."""
    total = sum(n for _, n in counted)
    if total == 0:
        raise ValueError("no values")
    position = p * (total - 1)
    lower = math.floor(position)
    upper = min(lower + 1, total - 1)
    fraction = position - lower
    low = high = None
    seen = 0
    for value, n in counted:
        seen += n
        if low is None and lower < seen:
            low = value
        if upper < seen:
            high = value
            break
    return low + fraction * (high - low)


def weighted_median_iqr(counted: Iterable[tuple[float, int]]) -> MedianIQR | None:
    """median_iqr() of values given as (value, how many times), in any order."""
    totals: dict[float, int] = {}
    for value, n in counted:
        if n < 0:
            raise ValueError("a count cannot be negative")
        if n:
            totals[value] = totals.get(value, 0) + n
    if not totals:
        return None
    ordered = sorted(totals.items())
    return MedianIQR(*(weighted_quantile(ordered, p) for p in (0.5, 0.25, 0.75)))


@dataclass(frozen=True)
class ValueRange:
    minimum: float
    maximum: float


def value_range(values: Iterable[float]) -> ValueRange | None:
    """Return the smallest and largest value, or None for no values."""
    values = list(values)
    return ValueRange(min(values), max(values)) if values else None


def round_half_up(value: float, places: int = 2) -> Decimal:
    """Round a figure for display as the evaluation prints it: half up, to `places` places.

    Rounds the number as written (its shortest decimal form), as Excel does, so 2.675 shows as
    2.68 even though the nearest binary float is a shade below it.
    """
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def percentage(part: int, whole: int, places: int = 0) -> Decimal | None:
    """Return part as a percentage of whole, rounded half up; None when whole is 0."""
    if whole == 0:
        return None
    return (Decimal(100 * part) / Decimal(whole)).quantize(
        Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP
    )
