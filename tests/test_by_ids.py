"""config.by_ids: a query by ids whose SQL the ORM writes once gives the rows the ORM gives,
converted as the ORM converts them (times, booleans, nulls), on SQLite and PostgreSQL."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from config.by_ids import BUCKET, ByIds, bucket
from directory.models import Location, Schedule, Service
from directory.queries import _SCHEDULES, listing_details
from signposting.matching import _ADDRESSES, _DISPLAY_FIELDS
from tests.factories import make_service

pytestmark = pytest.mark.usefixtures("geography")


@pytest.fixture
def services(db):
    """Services whose fields cover what conversion must get right: free, paid and not known,
    openings with hours and by appointment, empty text and a second location."""
    openings = ["Mon-Wed 09:00-12:30, 13:00-17:00; by appointment", "", "Sat 10:15-11:45"]
    made = []
    for i in range(BUCKET + 3):
        made.append(
            make_service(
                service=f"Service {i:02d}",
                organisation=f"Organisation {i % 4}",
                cost=["free", "£5 a session", ""][i % 3],
                opening_times=openings[i % 3],
                email="" if i % 2 else f"s{i}@example.org",
                address=f"{i} High Street",
                postcode=["SM1 1AA", "SW19 1RH"][i % 2],
            )
        )  # fmt: skip
    return made


def orm_rows(queryset):
    return list(queryset)


@pytest.mark.parametrize("count", [1, BUCKET - 1, BUCKET, BUCKET + 1])
def test_the_display_fields_are_the_orms(services, count):
    ids = [s.pk for s in services[:count]]
    orm = Service.objects.filter(pk__in=ids).values_list(
        "id", "name", "organisation__name", "description", "referral_route", "phone", "email",
        "website", "is_free", "cost",
    )  # fmt: skip
    rows = _DISPLAY_FIELDS.rows(ids)
    assert sorted(rows) == sorted(orm_rows(orm))
    assert len(rows) == count
    frees = {row[8] for row in rows}
    assert frees <= {True, False, None} and all(type(f) in (bool, type(None)) for f in frees)


def test_the_openings_are_the_orms_in_the_orms_order_with_times_as_times(services):
    ids = [s.pk for s in services]
    orm = (
        Schedule.objects.filter(service_id__in=ids)
        .order_by("service_id", "by_appointment", "weekday", "opens_at")
        .values_list("service_id", "weekday", "opens_at", "closes_at", "by_appointment")
    )
    rows = _SCHEDULES.rows(ids)
    assert rows == orm_rows(orm)
    assert (services[0].pk, 1, dt.time(9, 0), dt.time(12, 30), False) in rows
    assert (services[0].pk, None, None, None, True) in rows  # by appointment: no day, no hours
    assert (services[2].pk, 6, dt.time(10, 15), dt.time(11, 45), False) in rows


def test_the_addresses_are_the_orms(services):
    ids = list(Location.objects.values_list("pk", flat=True))
    rows = _ADDRESSES.rows(ids)
    assert sorted(rows) == sorted(Location.objects.values_list("id", "address", "postcode"))


def test_listing_details_reads_costs_and_openings_as_before(services):
    facts = listing_details({s.pk: (s.is_free, s.cost) for s in services[:3]})
    assert facts[services[0].pk].cost_text == "Free"
    assert facts[services[0].pk].open_days_text == "Open Monday to Wednesday, or by appointment"
    assert facts[services[1].pk].schedules == ()
    assert facts[services[2].pk].open_days_text == "Open Saturday"


def test_unknown_and_repeated_ids_give_each_known_row_once(services):
    ids = [services[0].pk, -5, services[1].pk, services[0].pk, 10**9]
    rows = _DISPLAY_FIELDS.rows(ids)
    assert sorted(row[0] for row in rows) == sorted([services[0].pk, services[1].pk])


def test_no_ids_asks_the_database_nothing(db):
    with CaptureQueriesContext(connection) as queries:
        assert _DISPLAY_FIELDS.rows([]) == []
    assert len(queries) == 0


def test_the_sql_is_written_once_per_bucket_of_counts(services):
    built = []

    def build(ids):
        built.append(len(ids))
        return Service.objects.filter(pk__in=ids).values_list("id", "name")

    names = ByIds(build)
    ids = [s.pk for s in services]
    assert {pk for pk, _ in names.rows(ids[:3])} == set(ids[:3])
    assert {pk for pk, _ in names.rows(ids[:BUCKET])} == set(ids[:BUCKET])
    assert built == [BUCKET, BUCKET]  # three ids and sixteen: one text (built twice, checked)
    assert {pk for pk, _ in names.rows(ids[: BUCKET + 2])} == set(ids[: BUCKET + 2])
    assert built == [BUCKET, BUCKET, 2 * BUCKET, 2 * BUCKET]
    with CaptureQueriesContext(connection) as queries:
        names.rows(ids[:5])
    assert len(queries) == 1 and queries[0]["sql"].count("%s") == 0  # the ids bound as values


@pytest.mark.parametrize(
    ("count", "size"),
    [(1, 1), (2, 16), (16, 16), (17, 32), (50, 64), (64, 64), (65, 128), (500, 512)],
)
def test_counts_share_few_sql_texts(count, size):
    assert bucket(count) == size


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda ids: Service.objects.filter(pk__gt=0).values_list("id"), "each id as a parameter"),
        # A negative parameter of its own would be taken for an id.
        (
            lambda ids: Service.objects.filter(pk__in=ids).exclude(pk=-1).values_list("id"),
            "and no other",
        ),
        (
            lambda ids: (
                Service.objects.filter(pk__in=ids)
                .annotate(doubled=F("id") * 2)
                .values_list("id", "doubled")
            ),
            "without annotations",
        ),
        # distinct selects the ordering's columns too, which the ORM would cut off.
        (
            lambda ids: Service.objects.filter(pk__in=ids).distinct().values_list("name"),
            "distinct",
        ),
        (lambda ids: Service.objects.filter(pk__in=ids).values_list("id", flat=True), "tuples"),
        (lambda ids: Service.objects.filter(pk__in=ids).values_list("id", named=True), "tuples"),
        (lambda ids: Service.objects.filter(pk__in=ids), "tuples"),
    ],
)
def test_a_query_it_cannot_copy_faithfully_is_refused(db, build, message):
    with pytest.raises(ValueError, match=message):
        ByIds(build).rows([1])


def test_ids_may_be_numpys_integers_but_not_text(services):
    import numpy as np

    ids = np.array([s.pk for s in services[:2]], dtype=np.int64)
    assert sorted(row[0] for row in _DISPLAY_FIELDS.rows(ids)) == sorted(ids.tolist())
    with pytest.raises(TypeError):
        _DISPLAY_FIELDS.rows([str(services[0].pk)])


def test_values_the_driver_leaves_as_text_are_converted_as_the_orm_converts_them(services):
    """On SQLite a UUID, JSON and an aware date and time come back from the driver as text: the
    ORM's own converters turn them into values, and so must ByIds."""
    fields = ("id", "uuid", "languages", "created_at", "last_reviewed")
    converted = ByIds(lambda ids: Service.objects.filter(pk__in=ids).values_list(*fields))
    ids = [s.pk for s in services[:3]]
    rows = converted.rows(ids)
    assert sorted(rows) == sorted(Service.objects.filter(pk__in=ids).values_list(*fields))
    _, uuid, languages, created_at, last_reviewed = rows[0]
    assert isinstance(uuid, type(services[0].uuid))
    assert isinstance(languages, list)
    assert created_at.tzinfo is not None
    assert last_reviewed == dt.date(2026, 1, 1)


def test_every_query_by_ids_gives_its_querysets_rows(services, personas):
    """Each ByIds in use, against the ORM running the queryset it is built from."""
    from accounts.backends import _PERMISSIONS
    from signposting.matching import _AREAS_SERVED
    from signposting.views import _TEAM_FUNDING

    service_ids = [s.pk for s in services]
    user_ids = [u.pk for u in personas.values()]
    uses = [
        (_DISPLAY_FIELDS, service_ids),
        (_AREAS_SERVED, service_ids),
        (_ADDRESSES, list(Location.objects.values_list("pk", flat=True))),
        (_SCHEDULES, service_ids),
        (_PERMISSIONS, user_ids[:1]),
        (_PERMISSIONS, user_ids),
        (_TEAM_FUNDING, user_ids[:1]),
        (_TEAM_FUNDING, user_ids),
    ]
    for by_ids, ids in uses:
        for count in sorted({1, 2, len(ids)}):
            rows = by_ids.rows(ids[:count])
            orm = list(by_ids._build(ids[:count]))
            assert rows, (by_ids, count)
            if by_ids._build(ids).query.order_by:  # ordered: the same order
                assert rows == orm
            else:
                assert sorted(rows, key=repr) == sorted(orm, key=repr)
