from pathlib import Path

import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from directory.importers.base import ImportFileError
from directory.importers.spreadsheet import import_services
from directory.models import DataImport, Location, Organisation, Service

from .factories import service_row, write_csv

TEMPLATE = Path(__file__).resolve().parent.parent / "docs" / "import-template.csv"


def snapshot():
    return sorted(
        Service.objects.values_list("external_id", "name", "capacity", "status", "updated_at")
    )


def test_the_template_imports(geography):
    result = import_services(TEMPLATE)
    assert (result.created, result.updated, result.unchanged, result.rejected) == (3, 0, 0, 0)
    money = Service.objects.get(external_id="DEMO-0002")
    assert money.organisation.name == "Example Money Advice (demo)"
    assert sorted(money.needs.values_list("slug", flat=True)) == ["benefits", "debt", "financial"]
    assert money.delivery_modes == ["in_person", "phone"]
    assert money.eligible_via == ["lives", "works", "gp"]
    assert money.capacity == Service.Capacity.WAITING_LIST
    assert str(money.last_reviewed) == "2025-09-15"
    location = money.locations.get()
    assert (location.postcode, location.local_authority_id) == ("SM1 1AA", "E09000029")
    assert location.latitude is not None
    befriending = Service.objects.get(external_id="DEMO-0001")
    assert list(befriending.eligible_areas.values_list("code", flat=True)) == ["QWE"]
    assert sorted(befriending.areas_served.values_list("code", flat=True)) == [
        "E09000024",
        "E09000029",
    ]
    assert befriending.locations.count() == 0
    carers = Service.objects.get(external_id="DEMO-0003")
    assert carers.only_for == ["carer"]
    assert carers.min_age == 18
    assert DataImport.objects.filter(source="services-spreadsheet", created=3).exists()


def test_reimporting_the_same_file_changes_nothing(geography):
    import_services(TEMPLATE)
    before = snapshot()
    counts = (Service.objects.count(), Organisation.objects.count(), Location.objects.count())
    result = import_services(TEMPLATE)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert snapshot() == before
    assert (
        Service.objects.count(),
        Organisation.objects.count(),
        Location.objects.count(),
    ) == counts


def test_a_changed_row_updates_its_service_and_leaves_others(geography, tmp_path):
    import_services(TEMPLATE)
    unrelated = Service.objects.get(external_id="DEMO-0003")
    rows = pd.read_csv(TEMPLATE, dtype=str, keep_default_na=False).to_dict("records")
    rows[1]["capacity"] = "closed"
    rows[1]["postcode"] = "SM2 5AA"
    result = import_services(write_csv(tmp_path / "changed.csv", rows[:2]))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    money = Service.objects.get(external_id="DEMO-0002")
    assert money.capacity == Service.Capacity.CLOSED
    assert list(money.locations.values_list("postcode", flat=True)) == ["SM2 5AA"]
    assert Service.objects.filter(pk=unrelated.pk).exists()
    assert Service.objects.count() == 3


def test_a_row_without_external_id_matches_by_organisation_and_name(geography, tmp_path):
    path = write_csv(tmp_path / "a.csv", [service_row(capacity="open")])
    import_services(path)
    write_csv(path, [service_row(capacity="waiting_list")])
    result = import_services(path)
    assert (result.created, result.updated) == (0, 1)
    assert Service.objects.get().capacity == Service.Capacity.WAITING_LIST


def test_an_xlsx_file_imports(geography, tmp_path):
    rows = [service_row(external_id="X1", min_age="18", max_age="64")]
    path = tmp_path / "services.xlsx"
    pd.DataFrame(rows).to_excel(path, index=False)
    result = import_services(path)
    assert result.created == 1
    service = Service.objects.get(external_id="X1")
    assert (service.min_age, service.max_age) == (18, 64)


BAD_VALUES = [
    ("organisation", "", "row 2, organisation: is required"),
    ("service", "", "row 2, service: is required"),
    ("needs", "isolation;unicorns", "row 2, needs: 'unicorns' is not a known need"),
    ("needs", "", "row 2, needs: at least one need is required"),
    ("delivery_modes", "carrier pigeon", "row 2, delivery_modes: 'carrier pigeon' is not one of"),
    ("postcode", "SM1 XYZ", "row 2, postcode: 'SM1 XYZ' is not a valid UK postcode"),
    (
        "postcode",
        "ZZ9 9ZZ",
        "row 2, postcode: 'ZZ9 9ZZ' is not in the ONS postcode data loaded here",
    ),
    ("postcode", "", "row 2, postcode: is required for a service delivered in person"),
    ("areas_served", "Atlantis", "row 2, areas_served: 'Atlantis' is not a known area"),
    ("areas_served", "", "row 2, areas_served: at least one area"),
    ("eligible_areas", "Gotham", "row 2, eligible_areas: 'Gotham' is not a known area"),
    (
        "eligible_via",
        "lives;visits",
        "row 2, eligible_via: 'visits' is not one of lives, works, gp",
    ),
    ("min_age", "eighteen", "row 2, min_age: 'eighteen' is not a whole number of years"),
    ("max_age", "300", "row 2, max_age: 300 is not a plausible age"),
    ("only_for", "wizards", "row 2, only_for: 'wizards' is not one of"),
    ("referral_route", "carrier", "row 2, referral_route: 'carrier' is not one of"),
    ("email", "not-an-email", "row 2, email: 'not-an-email' is not an email address"),
    ("website", "example", "row 2, website: 'example' is not a web address"),
    ("capacity", "full", "row 2, capacity: 'full' is not one of open, waiting_list, closed"),
    ("status", "live", "row 2, status: 'live' is not one of draft, published, archived"),
    ("last_reviewed", "yesterday", "row 2, last_reviewed: 'yesterday' is not a date"),
    ("last_reviewed", "31/02/2025", "row 2, last_reviewed: '31/02/2025' is not a date"),
    ("last_reviewed", "2999-01-01", "row 2, last_reviewed: 2999-01-01 is in the future"),
    ("phone", "0" * 41, "row 2, phone: is 41 characters long; the most is 40"),
]


@pytest.mark.parametrize(("column", "value", "message"), BAD_VALUES)
def test_every_column_rejects_bad_values_and_nothing_is_imported(
    geography, tmp_path, column, value, message
):
    import_services(TEMPLATE)
    before = snapshot()
    path = write_csv(
        tmp_path / "bad.csv", [service_row(**{column: value}), service_row(service="Ok")]
    )
    with pytest.raises(ImportFileError) as error:
        import_services(path)
    assert message in str(error.value)
    assert snapshot() == before


def test_ages_in_the_wrong_order_are_rejected(geography, tmp_path):
    path = write_csv(tmp_path / "ages.csv", [service_row(min_age="65", max_age="18")])
    with pytest.raises(ImportFileError, match="row 2, max_age: 18 is below min_age 65"):
        import_services(path)


def test_skip_invalid_imports_the_valid_rows_and_reports_the_rest(geography, tmp_path):
    rows = [
        service_row(service="Good one"),
        service_row(service="Bad one", postcode="SM1 XYZ"),
        service_row(service="Good two", needs="lonely"),
    ]
    result = import_services(write_csv(tmp_path / "mixed.csv", rows), skip_invalid=True)
    assert (result.created, result.rejected) == (2, 1)
    assert result.errors == ["row 3, postcode: 'SM1 XYZ' is not a valid UK postcode"]
    assert sorted(Service.objects.values_list("name", flat=True)) == ["Good one", "Good two"]
    # "lonely" is a synonym of isolation
    assert Service.objects.get(name="Good two").needs.get().slug == "isolation"


def test_a_repeated_row_is_reported(geography, tmp_path):
    rows = [service_row(external_id="A"), service_row(external_id="A", service="Other")]
    with pytest.raises(ImportFileError, match="row 3, external_id: repeats row 2"):
        import_services(write_csv(tmp_path / "dup.csv", rows))


def test_a_wrong_header_is_refused(geography, tmp_path):
    columns = [c for c in service_row() if c != "needs"] + ["colour"]
    path = write_csv(tmp_path / "header.csv", [service_row()], columns=columns)
    with pytest.raises(ImportFileError) as error:
        import_services(path)
    assert "missing column(s): needs" in str(error.value)
    assert "unknown column(s): colour" in str(error.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty: it has no header row"),
        (",".join(service_row()).encode() + b"\n", "has a header but no services"),
        (b"\xff\xfe\x00garbage\x00\x01", "is not a readable CSV file"),
    ],
)
def test_empty_and_unreadable_files_are_refused(geography, tmp_path, content, message):
    path = tmp_path / "file.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match=message):
        import_services(path)


def test_a_broken_xlsx_and_an_unknown_extension_are_refused(geography, tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"this is not a zip file")
    with pytest.raises(ImportFileError, match="is not a readable Excel"):
        import_services(broken)
    odt = tmp_path / "services.ods"
    odt.write_bytes(b"x")
    with pytest.raises(ImportFileError, match="only .csv and .xlsx"):
        import_services(odt)


def test_the_command_reports_errors_and_counts(geography, tmp_path, capsys):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_services", str(tmp_path / "none.csv"))
    bad = write_csv(tmp_path / "bad.csv", [service_row(), service_row(service="X", needs="nope")])
    with pytest.raises(CommandError, match="row 3, needs: 'nope' is not a known need"):
        call_command("import_services", str(bad))
    assert Service.objects.count() == 0
    call_command("import_services", str(bad), "--skip-invalid")
    out = capsys.readouterr()
    assert "1 created, 0 updated, 0 unchanged, 1 rejected" in out.out
    assert "skipped row 3, needs" in out.err


def test_a_ten_thousand_row_file_imports_and_reimports(geography, tmp_path):
    postcodes = ["SM1 1AA", "KT17 1AA", "CR0 0LU", "SM2 5AA"]
    rows = [
        service_row(
            external_id=f"BIG-{i:05d}",
            organisation=f"Org {i % 700}",
            service=f"Service {i}",
            postcode=postcodes[i % 4],
            needs="isolation;debt" if i % 2 else "bereavement",
        )
        for i in range(10_000)
    ]
    path = write_csv(tmp_path / "big.csv", rows)
    result = import_services(path)
    assert (result.created, result.rejected) == (10_000, 0)
    assert Service.objects.count() == 10_000
    assert Location.objects.count() == 10_000
    assert Organisation.objects.count() == 700
    again = import_services(path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 10_000)
