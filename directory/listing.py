"""How a service's listing reads: opening times, open days, cost, accessibility and languages.

Plain functions of a service's values, or of anything with the same attributes (a schedule row
has weekday, opens_at, closes_at and by_appointment). No queries: the caller prefetches. The
service page, the directory list, search results and the match API share them, so that a fact
reads the same everywhere, and a fact nobody recorded reads "not known" rather than vanishing.
"""

import datetime as dt
from collections.abc import Iterable

from directory.models import Schedule

WEEKDAYS = {day.value: day.label for day in Schedule.Weekday}
# The names the match engine and the API accept for a day: "monday" ... "sunday".
WEEKDAY_SLUGS = {label.lower(): value for value, label in WEEKDAYS.items()}
ALL_DAYS = (1 << len(WEEKDAYS)) - 1

NOT_KNOWN = "Not known"
YES_NO = {True: "Yes", False: "No", None: NOT_KNOWN}


def parse_weekday(text: str) -> int | None:
    """Return the weekday (1 Monday to 7 Sunday) a day's name gives, or None if it is not one."""
    return WEEKDAY_SLUGS.get(str(text).strip().lower())


def day_bit(weekday: int) -> int:
    """Return the bit that stands for a weekday in an open-days mask (Monday is bit 0)."""
    if weekday not in WEEKDAYS:
        raise ValueError(f"{weekday!r} is not a weekday from 1 (Monday) to 7 (Sunday)")
    return 1 << (weekday - 1)


def open_days(schedules: Iterable) -> list[int]:
    """Return the weekdays the schedule opens on, in week order. By appointment is no day."""
    return sorted({s.weekday for s in schedules if not s.by_appointment and s.weekday})


def open_days_mask(weekdays: Iterable[int]) -> int:
    """Return the 7-bit mask of these weekdays."""
    mask = 0
    for weekday in weekdays:
        mask |= day_bit(weekday)
    return mask


def is_open_on(schedules: Iterable, weekday: int) -> bool:
    """Whether the schedule opens on this weekday (a by-appointment row opens on none)."""
    day_bit(weekday)  # refuses a number that is not a weekday
    return weekday in open_days(schedules)


def by_appointment(schedules: Iterable) -> bool:
    return any(s.by_appointment for s in schedules)


def time_text(value: dt.time) -> str:
    """Return a time as people write it: "9am", "12pm", "1:30pm"."""
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


def _join(words: list[str], last: str = "and") -> str:
    if len(words) < 2:
        return "".join(words)
    return ", ".join(words[:-1]) + f" {last} " + words[-1]


def schedule_lines(schedules: Iterable) -> list[str]:
    """Return the schedule a line a day in week order, then "By appointment" if it says so.

    For example "Monday 9am to 12pm and 1pm to 5pm". An empty list when there is no schedule.
    """
    schedules = list(schedules)
    hours: dict[int, list[tuple[dt.time, dt.time]]] = {}
    for s in schedules:
        if not s.by_appointment and s.weekday:
            hours.setdefault(s.weekday, []).append((s.opens_at, s.closes_at))
    lines = [
        f"{WEEKDAYS[day]} "
        + _join([f"{time_text(opens)} to {time_text(closes)}" for opens, closes in sorted(spans)])
        for day, spans in sorted(hours.items())
    ]
    if by_appointment(schedules):
        lines.append("By appointment")
    return lines


def _day_runs(days: list[int]) -> list[str]:
    """Name the days, three or more in a row as a range: "Monday to Friday", "Sunday"."""
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    words = []
    for run in runs:
        if len(run) >= 3:
            words.append(f"{WEEKDAYS[run[0]]} to {WEEKDAYS[run[-1]]}")
        else:
            words += [WEEKDAYS[day] for day in run]
    return words


def open_days_text(schedules: Iterable) -> str:
    """Return the open days in a few words, for a card: "Open Monday to Friday and Sunday"."""
    schedules = list(schedules)
    days = open_days(schedules)
    appointment = by_appointment(schedules)
    if not days:
        return "By appointment only" if appointment else "Opening days not given"
    text = "Open every day" if len(days) == len(WEEKDAYS) else f"Open {_join(_day_runs(days))}"
    return f"{text}, or by appointment" if appointment else text


def cost_text(is_free: bool | None, cost: str = "") -> str:
    """Return what it costs: "Free", the charge as described, or "Cost not known"."""
    cost = (cost or "").strip()
    if is_free:
        return "Free"
    if is_free is False:
        return cost or "There is a charge (ask the service how much)"
    # Not recorded as free or charged: a description still says something.
    return cost or "Cost not known"


def yes_no(value: bool | None) -> str:
    """Return "Yes", "No" or "Not known"."""
    return YES_NO[value]


ACCESSIBILITY = (
    ("step_free_access", "Step-free access"),
    ("hearing_loop", "Hearing loop"),
    ("accessible_toilet", "Accessible toilet"),
)


def accessibility_facts(service) -> list[tuple[str, str]]:
    """Return each accessibility fact as (label, "Yes" / "No" / "Not known")."""
    return [(label, yes_no(getattr(service, name))) for name, label in ACCESSIBILITY]


def languages_text(languages: Iterable[str] | None) -> str:
    """Return the languages spoken besides English: "Polish and Urdu", or "None listed"."""
    names = [str(name).strip() for name in languages or () if str(name).strip()]
    return _join(names) if names else "None listed"
