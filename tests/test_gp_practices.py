from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from directory.importers.base import ImportFileError
from directory.importers.gp_practices import import_gp_practices
from directory.models import GPPractice

DEMO = Path(__file__).resolve().parent.parent / "fixtures" / "gp_practices_demo.csv"


def epraccur_line(code, name, postcode, status="A"):
    cells = [code, name, "Y56", "QWE", "1 ROAD", "", "TOWN", "", "", postcode, "20200101", ""]
    return ",".join([*cells, status, "B", "", "", "", "01632 960000", "", "", "", "0", "", "", "4"])


def write(tmp_path, *lines, name="epraccur.csv"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_it_imports_the_demo_practices_with_their_boroughs(geography):
    result = import_gp_practices(DEMO)
    assert result.created == 30
    practice = GPPractice.objects.get(code="Z00013")
    assert practice.local_authority.name == "Sutton"
    assert GPPractice.objects.filter(local_authority__icb__code="QXU").count() >= 3


def test_reimporting_changes_nothing_and_an_edited_line_updates(geography, tmp_path):
    import_gp_practices(DEMO)
    again = import_gp_practices(DEMO)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 30)
    edited = write(tmp_path, epraccur_line("Z00013", "RENAMED SURGERY (DEMO)", "SM1 1AA"))
    result = import_gp_practices(edited)
    assert (result.created, result.updated) == (0, 1)
    assert GPPractice.objects.get(code="Z00013").name == "RENAMED SURGERY (DEMO)"


def test_a_broken_file_names_the_line_and_loads_nothing(geography, tmp_path):
    import_gp_practices(DEMO)
    before = list(GPPractice.objects.order_by("code").values_list("code", "name"))
    broken = write(
        tmp_path,
        epraccur_line("Z90001", "NEW SURGERY", "SM1 1AA"),
        epraccur_line("Z90002", "BAD POSTCODE SURGERY", "SM1 XYZ"),
        "Z90003,TOO FEW COLUMNS,Y56",
    )
    with pytest.raises(ImportFileError) as error:
        import_gp_practices(broken)
    message = str(error.value)
    assert "line 2: postcode: 'SM1 XYZ' is not a valid UK postcode" in message
    assert "line 3: expected at least 10 columns, found 3" in message
    assert list(GPPractice.objects.order_by("code").values_list("code", "name")) == before


def test_a_practice_in_a_postcode_not_loaded_has_no_borough(geography, tmp_path):
    path = write(tmp_path, epraccur_line("Z90004", "FAR AWAY SURGERY", "EH1 1AA"))
    result = import_gp_practices(path)
    assert result.without_known_postcode == ["Z90004"]
    assert GPPractice.objects.get(code="Z90004").local_authority is None


def test_the_command_reports_a_missing_or_empty_file(geography, tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_gp_practices", str(tmp_path / "missing.csv"))
    empty = write(tmp_path, "")
    with pytest.raises(CommandError, match="holds no practices"):
        call_command("import_gp_practices", str(empty))
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x01garbage")
    with pytest.raises(CommandError, match="not a UTF-8 text file"):
        call_command("import_gp_practices", str(binary))
