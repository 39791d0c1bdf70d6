"""One write path: the new columns, owning sources, editor decisions that stand, the admin."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from directory import actions
from directory.importers.base import ImportFileError
from directory.importers.spreadsheet import DEFAULT_SOURCE, import_services
from directory.models import DataImport, DirectoryRevision, Schedule, Service, Source
from directory.service_data import COLUMNS, ServiceValidator

from .factories import make_service, service_row, write_csv

TEMPLATE = Path(__file__).resolve().parent.parent / "docs" / "import-template.csv"


@pytest.fixture
def services(geography):
    return [make_service(service="Sutton befriending", needs="isolation")]


def validate(**overrides):
    row = service_row(**overrides)
    validator = ServiceValidator()
    validator.prefetch_postcodes([row["postcode"]])
    return validator.validate(row)


# The new columns ---------------------------------------------------------------------------


def test_the_template_has_every_column_and_imports_opening_times_cost_and_access(geography):
    import csv

    with open(TEMPLATE, encoding="utf-8") as fh:
        assert next(csv.reader(fh)) == COLUMNS
    import_services(TEMPLATE)
    money = Service.objects.get(external_id="DEMO-0002")
    assert [str(s) for s in money.schedules.all()] == [
        "Tuesday 09:30 to 12:30",
        "Tuesday 13:30 to 16:30",
        "Thursday 09:30 to 12:30",
        "By appointment",
    ]
    assert (money.is_free, money.cost, money.opening_times) == (True, "", "Closed on bank holidays")
    assert (money.step_free_access, money.hearing_loop, money.accessible_toilet) == (
        True,
        True,
        False,
    )
    assert money.languages == ["Urdu"]
    carers = Service.objects.get(external_id="DEMO-0003")
    assert (carers.is_free, carers.cost) == (False, "£3 a session, free for carers")
    assert carers.hearing_loop is None
    phone_line = Service.objects.get(external_id="DEMO-0001")
    assert phone_line.schedules.filter(weekday__in=range(1, 6)).count() == 5


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mon 09:00-17:00", [(1, "09:00", "17:00")]),
        ("monday 9.30 to 12.00", [(1, "09:30", "12:00")]),
        ("Sat-Sun 10:00-12:00", [(6, "10:00", "12:00"), (7, "10:00", "12:00")]),
        ("Wed 09:00-12:00, 13:00-16:00", [(3, "09:00", "12:00"), (3, "13:00", "16:00")]),
        ("By appointment", [(None, "None", "None")]),
    ],
)
def test_opening_times_are_read_as_schedules(geography, text, expected):
    record, problems = validate(opening_times=text)
    assert problems == []
    got = [
        (o.weekday, o.opens_at.strftime("%H:%M") if o.opens_at else "None", str(o.closes_at)[:5])
        for o in record.openings
    ]
    assert got == [(d, a, b if b != "None" else "None") for d, a, b in expected]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("opening_times", "Funday 09:00-17:00", "does not start with a day"),
        ("opening_times", "Mon 9-5", "'9-5' is not opening hours like 09:00-17:00"),
        ("opening_times", "Mon 17:00-09:00", "closes before it opens"),
        ("opening_times", "Mon 25:00-26:00", "is not opening hours"),
        ("opening_times", "Fri-Mon 09:00-10:00", "does not start with a day"),
        ("step_free_access", "maybe", "'maybe' is not yes or no"),
        ("languages", "Polish; 123", "'123' is not a language name"),
        ("accessibility_note", "x" * 501, "is 501 characters long; the most is 500"),
        ("last_reviewed", "1899-12-31", "1899-12-31 is before 2000"),
    ],
)
def test_bad_new_columns_are_refused_with_the_column_named(geography, column, value, message):
    record, problems = validate(**{column: value})
    assert record is None
    assert any(c == column and message in m for c, m in problems), problems


def test_cost_is_free_charged_or_not_known(geography):
    assert validate(cost="Free")[0].is_free is True
    assert validate(cost="")[0].is_free is None
    charged = validate(cost="£2 a class")[0]
    assert (charged.is_free, charged.cost) == (False, "£2 a class")


# Owning sources and re-imports -------------------------------------------------------------


def test_a_reimport_corrects_a_stray_edit(geography, tmp_path):
    path = write_csv(tmp_path / "list.csv", [service_row(external_id="A1", capacity="open")])
    import_services(path)
    service = Service.objects.get(external_id="A1")
    assert service.source.name == DEFAULT_SOURCE
    actions.update_service(service, capacity=Service.Capacity.CLOSED)  # a stray admin edit
    result = import_services(path)
    assert (result.updated, result.unchanged, result.conflicts) == (1, 0, 0)
    service.refresh_from_db()
    assert service.capacity == Service.Capacity.OPEN
    again = import_services(path)
    assert (again.updated, again.unchanged) == (0, 1)


def test_an_editors_review_decision_stands_and_the_import_reports_the_conflict(geography, tmp_path):
    path = write_csv(tmp_path / "list.csv", [service_row(external_id="A1")])
    import_services(path)
    service = Service.objects.get(external_id="A1")
    actions.update_service(
        service, status=Service.Status.ARCHIVED, editor_decision_at=timezone.now()
    )
    result = import_services(path)
    assert (result.updated, result.conflicts) == (0, 1)
    assert "differs from the file in status; kept as an editor decided" in result.warnings[0]
    service.refresh_from_db()
    assert service.status == Service.Status.ARCHIVED
    run = DataImport.objects.latest("started_at")
    assert run.conflicts == 1 and "kept as an editor decided" in run.notes
    # When the file agrees with the editor, the decision is released.
    write_csv(path, [service_row(external_id="A1", status="archived")])
    agreed = import_services(path)
    assert (agreed.unchanged, agreed.conflicts) == (1, 0)
    service.refresh_from_db()
    assert service.editor_decision_at is None


def test_a_service_claimed_by_two_sources_is_refused(geography, tmp_path):
    path = write_csv(tmp_path / "list.csv", [service_row(external_id="A1")])
    import_services(path, source_name="Sutton core list")
    before = Service.objects.get(external_id="A1").updated_at
    other = write_csv(tmp_path / "other.csv", [service_row(external_id="A1", phone="0")])
    with pytest.raises(ImportFileError, match="already listed by Sutton core list"):
        import_services(other, source_name="Merton list")
    service = Service.objects.get(external_id="A1")
    assert (service.source.name, service.updated_at) == ("Sutton core list", before)
    skipped = import_services(other, source_name="Merton list", skip_invalid=True)
    assert (skipped.rejected, skipped.updated) == (1, 0)


def test_the_editors_own_listing_cannot_be_taken_over_by_a_spreadsheet(geography, tmp_path):
    make_service(external_id="E1")  # made by the editors, as the API or admin would
    path = write_csv(tmp_path / "list.csv", [service_row(external_id="E1", phone="0")])
    with pytest.raises(ImportFileError, match="is the directory editors' own listing"):
        import_services(path)


def test_a_source_name_cannot_be_reused_for_another_kind(geography, tmp_path):
    Source.objects.create(kind=Source.Kind.OPENREFERRAL, name="https://feed.example/")
    path = write_csv(tmp_path / "list.csv", [service_row()])
    with pytest.raises(
        ImportFileError,
        match=r"already the name of another kind of source \(Open Referral UK feed\)",
    ):
        import_services(path, source_name="https://feed.example/")


def test_a_dry_run_checks_and_counts_but_keeps_nothing(geography, tmp_path):
    path = write_csv(tmp_path / "list.csv", [service_row(external_id="A1")])
    revision = DirectoryRevision.current()
    result = import_services(path, dry_run=True)
    assert result.created == 1
    assert not Service.objects.exists()
    assert not DataImport.objects.filter(source="services-spreadsheet").exists()
    assert not Source.objects.exists()
    assert DirectoryRevision.current() == revision


def test_an_import_records_who_and_which_file(geography, tmp_path, editor):
    path = write_csv(tmp_path / "tmp-upload-123.csv", [service_row()])
    import_services(path, name="Sutton list.csv", by=editor)
    run = DataImport.objects.get(source="services-spreadsheet")
    assert (run.file, run.imported_by, run.owner.name, run.created) == (
        "Sutton list.csv",
        editor,
        DEFAULT_SOURCE,
        1,
    )


def test_every_write_moves_the_directory_revision(geography, tmp_path):
    path = write_csv(tmp_path / "list.csv", [service_row(external_id="A1")])
    before = DirectoryRevision.current()
    import_services(path)
    after_import = DirectoryRevision.current()
    assert after_import != before
    import_services(path)  # unchanged: nothing to follow
    assert DirectoryRevision.current() == after_import
    actions.update_service(Service.objects.get(), capacity="closed")
    assert DirectoryRevision.current() != after_import


def test_the_command_names_the_source_and_reports_conflicts(geography, tmp_path, capsys):
    path = write_csv(tmp_path / "list.csv", [service_row(external_id="A1")])
    call_command("import_services", str(path), "--source", "Core list")
    service = Service.objects.get()
    actions.update_service(service, capacity="closed", editor_decision_at=timezone.now())
    call_command("import_services", str(path), "--source", "Core list")
    out = capsys.readouterr()
    assert "1 left as an editor decided" in out.out
    assert "conflict row 2, service:" in out.err


# The admin refuses what the import refuses --------------------------------------------------


def admin_post(client, services, **changes):
    data = {
        "organisation": services[0].organisation.pk,
        "name": "Admin service",
        "needs": [services[0].needs.get().pk],
        "in_person": "on",
        "areas_served": ["E09000029"],
        "eligible_if_lives": "on",
        "eligible_if_gp": "on",
        "referral_route": "both",
        "capacity": "open",
        "status": "published",
        "is_free": "unknown",
        "locations-TOTAL_FORMS": "1",
        "locations-INITIAL_FORMS": "0",
        "locations-MIN_NUM_FORMS": "0",
        "locations-MAX_NUM_FORMS": "1000",
        "locations-0-postcode": "SM1 1AA",
        "schedules-TOTAL_FORMS": "0",
        "schedules-INITIAL_FORMS": "0",
        "schedules-MIN_NUM_FORMS": "0",
        "schedules-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    data = {k: v for k, v in data.items() if v is not None}
    return client.post("/admin/directory/service/add/", data)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"in_person": None}, "delivery_modes: at least one delivery mode is required"),
        ({"last_reviewed": "2099-01-01"}, "2099-01-01 is in the future"),
        ({"min_age": "40", "max_age": "30"}, "30 is below min_age 40"),
        ({"areas_served": None}, "at least one area (or &#x27;national&#x27;) is required"),
        ({"locations-0-postcode": ""}, "is required for a service delivered in person"),
        (
            {
                "schedules-TOTAL_FORMS": "1",
                "schedules-0-weekday": "1",
                "schedules-0-opens_at": "17:00",
                "schedules-0-closes_at": "09:00",
            },
            "17:00 to 09:00 closes before it opens",
        ),
        (
            {"schedules-TOTAL_FORMS": "1", "schedules-0-weekday": "2"},
            "give the day, the opening and the closing time",
        ),
    ],
)
def test_the_admin_refuses_what_the_import_refuses(client, services, editor, changes, message):
    client.force_login(editor)
    revision = DirectoryRevision.current()
    response = admin_post(client, services, **changes)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Service.objects.filter(name="Admin service").exists()
    assert DirectoryRevision.current() == revision


def test_the_admin_saves_schedules_and_access_and_moves_the_revision(client, services, editor):
    client.force_login(editor)
    revision = DirectoryRevision.current()
    response = admin_post(
        client,
        services,
        **{
            "is_free": "false",
            "cost": "£1",
            "languages": "polish; Urdu",
            "step_free_access": "true",
            "schedules-TOTAL_FORMS": "2",
            "schedules-0-weekday": "1",
            "schedules-0-opens_at": "09:00",
            "schedules-0-closes_at": "12:00",
            "schedules-1-by_appointment": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    service = Service.objects.get(name="Admin service")
    assert (service.is_free, service.cost, service.languages) == (False, "£1", ["polish", "Urdu"])
    assert service.step_free_access is True
    assert Schedule.objects.filter(service=service).count() == 2
    assert service.source is None
    assert DirectoryRevision.current() != revision


def test_releasing_a_decision_lets_the_source_update_again(geography, tmp_path, client, editor):
    path = write_csv(tmp_path / "list.csv", [service_row(external_id="A1")])
    import_services(path)
    service = Service.objects.get()
    actions.update_service(service, capacity="closed", editor_decision_at=timezone.now())
    editor.is_superuser = True
    editor.save()
    client.force_login(editor)
    response = client.post(
        "/admin/directory/service/",
        {"action": "release_to_source", "_selected_action": [service.pk]},
    )
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.editor_decision_at is None
    assert import_services(path).updated == 1


def test_an_api_write_keeps_the_owning_source(geography, tmp_path):
    path = write_csv(tmp_path / "list.csv", [service_row(external_id="A1")])
    import_services(path)
    service = Service.objects.get()
    row = service_row(external_id="A1", capacity="closed")
    validator = ServiceValidator()
    validator.prefetch_postcodes([row["postcode"]])
    record, _ = validator.validate(row)
    actions.save_service(record, target=service)
    service.refresh_from_db()
    assert (service.capacity, service.source.name) == ("closed", DEFAULT_SOURCE)
    assert service.fetched_at is not None and service.fetched_at <= timezone.now()
    assert service.last_reviewed == dt.date(2026, 1, 1)
