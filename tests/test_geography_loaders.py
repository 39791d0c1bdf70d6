from unittest import mock

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pyproj import Transformer

from directory.importers.geography import (
    grid_to_wgs84,
    load_areas,
    load_postcodes,
    read_ons_postcodes,
    store_postcodes,
)
from directory.models import Area, DataImport, Postcode
from directory.postcodes import UnknownPostcode, lookup_postcode

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
    frame = read_ons_postcodes("G")
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
    assert (result.created, result.updated) == (0, 0)
    assert result.unchanged == result.read > 50_000
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


def test_reloading_puts_back_a_postcode_that_drifted_and_counts_it_as_updated(geography):
    right = Postcode.objects.get(postcode="SM1 1AA")
    Postcode.objects.filter(postcode="SM1 1AA").update(latitude=0.0, local_authority=None)
    result = load_postcodes(outward_codes=["SM1"])
    assert (result.created, result.updated) == (0, 1)
    assert result.unchanged == result.read - 1
    again = Postcode.objects.get(postcode="SM1 1AA")
    assert (again.latitude, again.local_authority_id) == (right.latitude, "E09000029")


def test_it_places_a_belfast_postcode_in_belfast_by_the_irish_grid(geography):
    with pytest.raises(UnknownPostcode):
        lookup_postcode("BT1 1AA")  # the test boroughs are all in England
    result = load_postcodes(outward_codes=["BT1"])
    assert result.read == result.created > 100
    belfast = lookup_postcode("bt1 1aa")
    # Belfast city centre (Castle Place), not Chester, where British National Grid would put it.
    assert belfast.latitude == pytest.approx(54.60, abs=0.01)
    assert belfast.longitude == pytest.approx(-5.92, abs=0.01)
    assert belfast.local_authority_id == "N09000003"  # Belfast


def test_an_english_postcode_is_still_converted_by_the_british_national_grid(geography):
    sutton = lookup_postcode("SM1 1AA")
    frame = read_ons_postcodes("S")
    row = frame[frame["postcode"] == "SM1 1AA"].iloc[0]
    assert (sutton.latitude, sutton.longitude) == (row["latitude"], row["longitude"])
    assert sutton.latitude == pytest.approx(51.361, abs=0.01)
    assert sutton.longitude == pytest.approx(-0.194, abs=0.01)


def test_each_grid_reference_is_read_in_its_own_grid():
    # The same grid reference is in Belfast on the Irish Grid and near Chester on the British one.
    easting = np.array([334316.0, 334316.0, np.nan])
    northing = np.array([374675.0, 374675.0, np.nan])
    lat, lon = grid_to_wgs84(np.array(["BT1 1AA", "CH1 1AA", "BT1 1AH"]), easting, northing)
    british = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    chester_lon, chester_lat = british.transform(334316.0, 374675.0)
    assert lat[0] == pytest.approx(54.602, abs=0.001)
    assert lon[0] == pytest.approx(-5.922, abs=0.001)
    assert (lat[1], lon[1]) == (round(chester_lat, 6), round(chester_lon, 6))
    assert np.isnan(lat[2]) and np.isnan(lon[2])


@pytest.mark.parametrize(
    ("postcode", "local_authority", "latitude", "longitude"),
    [
        ("RH10 1AA", "E07000226", 51.11, -0.18),  # Crawley, just over the Surrey border
        ("M1 1AE", "E08000003", 53.48, -2.24),  # Manchester
        ("EH1 1YZ", "S12000036", 55.95, -3.19),  # Edinburgh
        ("BT1 1AA", "N09000003", 54.60, -5.92),  # Belfast
    ],
)
def test_the_loader_knows_postcodes_across_the_uk(
    geography, postcode, local_authority, latitude, longitude
):
    # `make run` loads every UK postcode; here, one outward code of each nation keeps it quick.
    load_postcodes(outward_codes=["RH10", "M1", "EH1", "BT1"])
    found = lookup_postcode(postcode)
    assert found.local_authority_id == local_authority
    assert found.latitude == pytest.approx(latitude, abs=0.02)
    assert found.longitude == pytest.approx(longitude, abs=0.02)


def test_load_postcodes_loads_every_uk_postcode_unless_narrowed(geography):
    with mock.patch("directory.management.commands.load_postcodes.load_postcodes") as load:
        load.return_value = load_postcodes(outward_codes=["EH1"])
        call_command("load_postcodes")
        assert load.call_args == mock.call(local_authorities=None, outward_codes=None)
        call_command("load_postcodes", "--all")
        assert load.call_args == mock.call(local_authorities=None, outward_codes=None)
        call_command("load_postcodes", "--outward-code", "BT1", "--local-authority", "N09000003")
        assert load.call_args == mock.call(local_authorities=["N09000003"], outward_codes=["BT1"])


def test_all_cannot_be_narrowed(geography):
    with pytest.raises(CommandError, match="--all loads every postcode"):
        call_command("load_postcodes", "--all", "--outward-code", "BT1")
