import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from directory.importers.geography import (
    load_areas,
    load_postcodes,
    read_ons_postcodes,
    store_postcodes,
)
from directory.models import Area, DataImport, Postcode

from .conftest import TEST_LOCAL_AUTHORITIES


def test_it_builds_icbs_from_their_local_authorities(geography):
    swl = Area.objects.get(code="QWE")
    assert swl.kind == Area.Kind.ICB
    assert sorted(swl.members.values_list("name", flat=True)) == [
        "Croydon",
        "Kingston upon Thames",
        "Merton",
        "Richmond upon Thames",
        "Sutton",
        "Wandsworth",
    ]
    assert Area.objects.get(code="E07000208").icb_id == "QXU"
    assert Area.objects.get(code="E07000214").icb_id == "QNQ"  # Surrey Heath is in Frimley


def test_it_labels_a_local_authority_without_an_ons_name_by_its_code(geography):
    # Scottish council areas are not in the England and Wales names package.
    frame = read_ons_postcodes()
    one = frame[frame["la"] == "S12000049"].head(1)
    store_postcodes(one)
    glasgow = Postcode.objects.get(postcode=one.iloc[0]["postcode"]).local_authority
    assert (glasgow.code, glasgow.name) == ("S12000049", "S12000049")


def test_reloading_areas_changes_nothing(geography):
    before = list(Area.objects.values_list("code", "name", "kind", "icb_id"))
    assert load_areas() == (0, 0)
    assert list(Area.objects.values_list("code", "name", "kind", "icb_id")) == before


def test_reloading_postcodes_changes_nothing(geography):
    count = Postcode.objects.count()
    sample = Postcode.objects.get(postcode="SM1 1AA")
    result = load_postcodes(local_authorities=TEST_LOCAL_AUTHORITIES)
    assert result.created == 0
    assert result.updated == result.read
    assert Postcode.objects.count() == count
    again = Postcode.objects.get(postcode="SM1 1AA")
    assert (again.latitude, again.longitude, again.local_authority_id) == (
        sample.latitude,
        sample.longitude,
        sample.local_authority_id,
    )
    assert DataImport.objects.filter(source="ons-postcodes").exists()


@pytest.mark.django_db
def test_loading_postcodes_before_areas_says_what_to_run_first():
    Postcode.objects.all().delete()
    Area.objects.update(icb=None)
    Area.objects.all().delete()
    with pytest.raises(CommandError, match="run `python manage.py load_areas`"):
        call_command("load_postcodes")
    with pytest.raises(CommandError, match="run `python manage.py load_areas`"):
        call_command("load_postcodes", "--all")
    assert Postcode.objects.count() == 0
