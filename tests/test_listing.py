"""How a listing reads: schedules, open days, cost, accessibility. Pure: no database."""

import datetime as dt
from types import SimpleNamespace

import pytest

from directory.listing import (
    accessibility_facts,
    cost_text,
    day_bit,
    is_open_on,
    languages_text,
    open_days,
    open_days_mask,
    open_days_text,
    parse_weekday,
    schedule_lines,
    time_text,
)
from directory.models import Schedule


def hours(weekday, opens, closes):
    return Schedule(
        weekday=weekday,
        opens_at=dt.time.fromisoformat(opens),
        closes_at=dt.time.fromisoformat(closes),
    )


APPOINTMENT = Schedule(by_appointment=True)


@pytest.mark.parametrize(
    ("value", "text"),
    [("09:00", "9am"), ("12:00", "12pm"), ("13:30", "1:30pm"), ("00:15", "12:15am")],
)
def test_times_read_as_people_write_them(value, text):
    assert time_text(dt.time.fromisoformat(value)) == text


def test_a_schedule_reads_a_line_a_day_in_week_order_with_its_hours_in_order():
    rows = [
        hours(3, "10:00", "12:00"),
        hours(1, "13:00", "17:00"),
        APPOINTMENT,
        hours(1, "09:00", "12:00"),
    ]
    assert schedule_lines(rows) == [
        "Monday 9am to 12pm and 1pm to 5pm",
        "Wednesday 10am to 12pm",
        "By appointment",
    ]


def test_no_schedule_reads_as_no_lines():
    assert schedule_lines([]) == []
    assert schedule_lines([APPOINTMENT, APPOINTMENT]) == ["By appointment"]


def test_open_days_are_the_weekdays_with_hours_and_by_appointment_is_none_of_them():
    rows = [hours(5, "09:00", "10:00"), hours(2, "09:00", "10:00"), hours(5, "11:00", "12:00")]
    assert open_days(rows + [APPOINTMENT]) == [2, 5]
    assert is_open_on(rows, 2)
    assert not is_open_on(rows, 3)
    assert not any(is_open_on([APPOINTMENT], day) for day in range(1, 8))
    with pytest.raises(ValueError, match="not a weekday"):
        is_open_on(rows, 8)


def test_an_open_days_mask_has_a_bit_a_weekday():
    assert [day_bit(day) for day in range(1, 8)] == [1, 2, 4, 8, 16, 32, 64]
    assert open_days_mask([1, 3, 3]) == 0b101
    assert open_days_mask([]) == 0


@pytest.mark.parametrize(
    ("days", "appointment", "text"),
    [
        ([1, 2, 3, 4, 5], False, "Open Monday to Friday"),
        ([1, 2, 3, 4, 5, 7], False, "Open Monday to Friday and Sunday"),
        ([1, 3, 5], False, "Open Monday, Wednesday and Friday"),
        ([6, 7], False, "Open Saturday and Sunday"),
        ([2], True, "Open Tuesday, or by appointment"),
        (list(range(1, 8)), False, "Open every day"),
        ([], True, "By appointment only"),
        ([], False, "Opening days not given"),
    ],
)
def test_open_days_read_compactly(days, appointment, text):
    rows = [hours(day, "09:00", "17:00") for day in days] + ([APPOINTMENT] if appointment else [])
    assert open_days_text(rows) == text


@pytest.mark.parametrize(
    ("name", "weekday"),
    [("Monday", 1), ("sunday", 7), (" WEDNESDAY ", 3), ("Funday", None), ("1", None)],
)
def test_a_day_is_read_by_its_name(name, weekday):
    assert parse_weekday(name) == weekday


@pytest.mark.parametrize(
    ("is_free", "cost", "text"),
    [
        (True, "", "Free"),
        (False, "£5 a session", "£5 a session"),
        (False, "", "There is a charge (ask the service how much)"),
        (None, "", "Cost not known"),
        (None, "Donations welcome", "Donations welcome"),
    ],
)
def test_cost_reads_free_charged_or_not_known(is_free, cost, text):
    assert cost_text(is_free, cost) == text


def test_accessibility_facts_say_not_known_rather_than_hiding_it():
    service = SimpleNamespace(step_free_access=True, hearing_loop=None, accessible_toilet=False)
    assert accessibility_facts(service) == [
        ("Step-free access", "Yes"),
        ("Hearing loop", "Not known"),
        ("Accessible toilet", "No"),
    ]


def test_languages_are_listed_or_none_listed():
    assert languages_text(["Polish", "Urdu", "Tamil"]) == "Polish, Urdu and Tamil"
    assert languages_text(["Polish", " "]) == "Polish"
    assert languages_text([]) == "None listed"
    assert languages_text(None) == "None listed"
