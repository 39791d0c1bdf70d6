"""The directory health report, counted by the database, against a plain reading of every
service (the way it was first written), for every kind of scope."""

import datetime as dt

import pandas as pd
import pytest
from django.utils import timezone

from directory import actions
from directory.models import Area, Service
from directory.queries import needs_review, serving_area
from directory.service_data import ServiceValidator
from signposting.reports import Scope, default_scope, directory_health_report
from signposting.reports.directory_health import _health

from .factories import service_row

YEAR = default_scope()
LONG_AGO = (timezone.localdate() - dt.timedelta(days=800)).isoformat()
RECENT = (timezone.localdate() - dt.timedelta(days=30)).isoformat()


def reference(scope: Scope) -> pd.DataFrame:
    """Read every published service in Python: one row per area it lists ("National" if it
    serves the whole country, "None" if it lists none), then add up."""
    services = Service.objects.filter(status=Service.Status.PUBLISHED)
    if scope.area is not None:
        services = serving_area(services, scope.area)
    stale = set(needs_review(services).values_list("id", flat=True))
    rows = []
    for service in services.prefetch_related("areas_served"):
        names = [a.name for a in service.areas_served.all()] or ["None"]
        for name in ["National"] if service.serves_nationally else names:
            rows.append(
                {
                    "area": name,
                    "services": 1,
                    "not_reviewed_12_months": int(service.id in stale),
                    "no_contact_details": int(
                        not (service.phone or service.email or service.website)
                    ),
                    "closed": int(service.capacity == Service.Capacity.CLOSED),
                    "waiting_list": int(service.capacity == Service.Capacity.WAITING_LIST),
                }
            )
    columns = ["area", "services", "not_reviewed_12_months", "no_contact_details", "closed",
               "waiting_list"]  # fmt: skip
    if not rows:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(rows).groupby("area", as_index=False)[columns[1:]].sum()
    return frame.sort_values(["not_reviewed_12_months", "area"], ascending=[False, True])[
        columns
    ].reset_index(drop=True)


def save(rows: list[dict]) -> list[Service]:
    validator = ServiceValidator()
    validator.prefetch_postcodes([row["postcode"] for row in rows])
    records = []
    for row in rows:
        record, problems = validator.validate(row)
        assert not problems, problems
        records.append(record)
    return actions.save_services(records).services


@pytest.fixture
def directory(geography):
    kinds = [
        {"areas_served": "Sutton"},
        {"areas_served": "Sutton;Merton", "capacity": "waiting_list", "last_reviewed": LONG_AGO},
        {"areas_served": "Merton", "phone": "", "capacity": "closed"},
        {"areas_served": "South West London", "last_reviewed": ""},
        {"areas_served": "national", "phone": "", "email": "hello@example.org"},
        {"areas_served": "national;Sutton", "last_reviewed": LONG_AGO, "phone": ""},
        {"areas_served": "Epsom and Ewell", "website": "https://example.org", "phone": ""},
        {"areas_served": "Epsom and Ewell;Croydon", "capacity": "waiting_list"},
        {"areas_served": "Surrey Heartlands", "last_reviewed": RECENT, "phone": ""},
        {"areas_served": "Croydon", "status": "draft"},
        {"areas_served": "Sutton", "status": "archived", "last_reviewed": LONG_AGO},
        {"areas_served": "Wandsworth", "last_reviewed": LONG_AGO},  # then it lists no area
    ]
    services = save([service_row(service=f"Service {i}", **kind) for i, kind in enumerate(kinds)])
    # No import or form makes a service that lists no area, but the admin can: count it too.
    services[-1].areas_served.clear()
    return services


@pytest.mark.parametrize("code", [None, "E09000029", "E09000024", "QWE", "E07000208", "QXU"])
def test_database_counts_match_reading_every_service(directory, code):
    area = Area.objects.get(code=code) if code else None
    scope = Scope(YEAR.start, YEAR.end, area=area)
    expected = reference(scope)
    assert len(expected) > 0
    pd.testing.assert_frame_equal(_health(scope), expected)
    pd.testing.assert_frame_equal(directory_health_report(scope), expected)


def test_each_kind_of_service_is_counted_where_it_belongs(directory):
    frame = _health(Scope(YEAR.start, YEAR.end)).set_index("area")
    assert frame.loc["National"].tolist() == [2, 1, 1, 0, 0]
    assert frame.loc["None"].tolist() == [1, 1, 0, 0, 0]
    assert frame.loc["Sutton"].tolist() == [2, 1, 0, 0, 1]  # not the national one
    assert frame.loc["Merton"].tolist() == [2, 1, 1, 1, 1]
    assert "Wandsworth" not in frame.index  # it lists no area now
    # Ten published services, two of them listing two boroughs each.
    assert frame["services"].sum() == 10 + 2


def test_an_empty_directory_gives_an_empty_report(db):
    frame = _health(Scope(YEAR.start, YEAR.end))
    assert frame.empty
    assert list(frame.columns)[0] == "area"
