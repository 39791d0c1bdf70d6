"""The index build reads the directory in bulk and packs it into columns: every column must say
what the database says, service by service, whatever mix of rules and flags the services have."""

import datetime as dt
import itertools
import random

import numpy as np
import pytest
from django.db.models import JSONField, Value

from directory.listing import day_bit
from directory.models import Location, Schedule, Service, Source
from signposting import index as index_module
from signposting.index import MODE_BITS, build_columns, current_index
from signposting.matching import service_criteria

from .factories import make_service

AREAS = ["Sutton", "Merton", "Croydon", "Kingston upon Thames"]
GROUPS = ["", "carer", "carer;women", "women"]


@pytest.fixture
def mixed_directory(geography, settings, tmp_path):
    """Forty-eight services over the combinations that the build packs and interns: one to three
    eligible areas (or none) in any order, every way of connection, ages and groups given or not,
    flags true, false and not known, eligibility unpublished by a source or by no one."""
    settings.INDEX_DIR = tmp_path / "index"
    index_module.forget_current()
    chance = random.Random(14)
    source = Source.objects.create(kind=Source.Kind.SPREADSHEET, name="Borough sheet")
    vias = [
        ";".join(c) for n in (1, 2, 3) for c in itertools.combinations(["lives", "works", "gp"], n)
    ]
    for i in range(48):
        areas = chance.sample(AREAS, chance.randint(0, 3))  # none: open to everyone
        service = make_service(
            external_id=f"mix-{i}",
            service=f"Mixed {i}",
            eligible_areas=";".join(areas),
            eligible_via=chance.choice(vias) if areas else "",
            min_age=chance.choice(["", "0", "18", "65"]),
            max_age=chance.choice(["", "80"]),
            only_for=chance.choice(GROUPS),
            delivery_modes=";".join(
                chance.sample(["in_person", "phone", "online", "home_visit"], chance.randint(1, 4))
            ),
            last_reviewed=chance.choice(["", "2025-02-28", "2026-11-30"]),
            capacity=chance.choice(["open", "waiting_list", "closed"]),
        )
        Service.objects.filter(pk=service.pk).update(
            is_free=chance.choice([None, True, False]),
            serves_nationally=chance.random() < 0.2,
            eligibility_published=chance.random() < 0.7,
            source=chance.choice([None, source]),
        )
        for weekday in chance.sample(range(1, 8), chance.randint(0, 3)):
            Schedule.objects.create(
                service=service, weekday=weekday, opens_at=dt.time(9), closes_at=dt.time(12)
            )
        if chance.random() < 0.3:  # by appointment: opens on no day
            Schedule.objects.create(service=service, by_appointment=True)
        if chance.random() < 0.2:  # a JSON null, as an older import left it
            Service.objects.filter(pk=service.pk).update(only_for=Value(None, JSONField()))
    Service.objects.filter(external_id="mix-0").update(status=Service.Status.DRAFT)
    yield
    index_module.forget_current()


def test_every_column_of_the_index_says_what_the_database_says(mixed_directory):
    index = current_index()
    published = Service.objects.filter(status=Service.Status.PUBLISHED).order_by("id")
    assert list(index.ids) == list(published.values_list("id", flat=True))
    keys = [int(k) for k in index.criteria_key]
    assert len(set(keys)) > 10  # the mix made many distinct rules
    # Numbered in order of first appearance, as the file has always had them.
    assert list(dict.fromkeys(keys)) == list(range(len(set(keys))))
    national = set(index.national.tolist())
    opening_days = 0
    for position, service in enumerate(published.prefetch_related("eligible_areas", "needs")):
        criteria = index.criteria[int(index.criteria_key[position])]
        assert criteria == service_criteria(service), service.name
        bits = int(index.mode_bits[position])
        assert {mode for mode, bit in MODE_BITS.items() if bits & bit} == set(
            service.delivery_modes
        ), service.name
        assert bool(index.free[position]) is (service.is_free is True)
        assert (position in national) is service.serves_nationally
        assert bool(index.closed[position]) is (service.capacity == Service.Capacity.CLOSED)
        reviewed = int(index.reviewed[position])
        assert reviewed == (service.last_reviewed.toordinal() if service.last_reviewed else 0)
        days = Schedule.objects.filter(service=service, by_appointment=False)
        assert int(index.open_days[position]) == sum({day_bit(s.weekday) for s in days})
        opening_days += bool(days)
        for need in service.needs.all():
            assert position in index.need_postings[need.pk]
        start, count = int(index.loc_start[position]), int(index.loc_count[position])
        assert list(index.loc_id[start : start + count]) == list(
            Location.objects.filter(service=service, latitude__isnull=False)
            .order_by("id")
            .values_list("id", flat=True)
        )
    assert opening_days > 10  # the mix gave many services open days


def test_dates_from_the_database_become_ordinals_and_none_becomes_zero():
    assert list(index_module._ordinals(["2026-12-01", None, dt.date(1970, 1, 1)])) == [
        dt.date(2026, 12, 1).toordinal(),
        0,
        dt.date(1970, 1, 1).toordinal(),
    ]


def test_distinct_rows_are_found_packed_or_not():
    """Rows that fit in 63 bits are packed into one number each; wider ones are compared
    column by column. Both give np.unique's answer, first rows first."""
    chance = np.random.default_rng(3)
    narrow = [chance.integers(-1, 5, 500) for _ in range(4)]
    wide = [*narrow, chance.integers(-1, 2**40, 500), chance.integers(-1, 2**40, 500)]
    wide[4][::2] = 7  # some rows repeat even with the wide columns
    wide[5][::2] = 9
    for columns in (narrow, wide):
        distinct, first, inverse = index_module._distinct_rows(columns, 500)
        table = np.stack(columns).T
        assert np.array_equal(distinct[inverse], table)
        assert len(distinct) == len(np.unique(table, axis=0))
        assert all(np.array_equal(table[f], row) for f, row in zip(first, distinct, strict=True))
        assert all(
            not (table[:f] == row).all(axis=1).any() for f, row in zip(first, distinct, strict=True)
        )


def test_an_empty_directory_builds_an_empty_index(db, settings, tmp_path):
    settings.INDEX_DIR = tmp_path / "index"
    Service.objects.all().delete()
    _, meta, arrays = build_columns()
    assert meta["size"] == 0 and meta["criteria_count"] == 0
    assert all(len(arrays[name]) == 0 for name in ("ids", "criteria_key", "loc_id"))
