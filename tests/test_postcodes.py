import pytest

from directory.importers.geography import read_ons_postcodes, store_postcodes
from directory.models import Postcode
from directory.postcodes import (
    InvalidPostcode,
    UnknownPostcode,
    locate_postcode_or_sector,
    lookup_postcode,
    normalise_postcode,
    normalise_sector,
    postcode_sector,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("sm11aa", "SM1 1AA"),
        ("  SM1   1AA ", "SM1 1AA"),
        ("sw19 1aa", "SW19 1AA"),
        ("EC1A1BB", "EC1A 1BB"),
        ("w1a 0ax", "W1A 0AX"),
        ("M1 1AE", "M1 1AE"),
        ("gir 0aa", "GIR 0AA"),
    ],
)
def test_it_normalises_any_case_and_spacing(raw, expected):
    assert normalise_postcode(raw) == expected


@pytest.mark.parametrize("raw", ["SM1 XYZ", "", "12345", "SW19 1AAA", "HELLO", "SW1 1A", None])
def test_it_rejects_text_that_is_not_a_postcode(raw):
    with pytest.raises(InvalidPostcode, match="is not a valid UK postcode"):
        normalise_postcode(raw)


def test_it_gives_the_postcode_sector():
    assert postcode_sector("sw191aa") == "SW19 1"


def test_it_finds_a_sutton_postcode_in_south_west_london(geography):
    found = lookup_postcode("sm1 1aa")
    assert found.local_authority.name == "Sutton"
    assert found.local_authority.icb.code == "QWE"
    assert found.latitude == pytest.approx(51.36, abs=0.02)
    assert found.longitude == pytest.approx(-0.19, abs=0.02)


def test_it_finds_an_epsom_postcode_in_surrey_heartlands(geography):
    found = lookup_postcode("KT17 1AA")
    assert found.local_authority.name == "Epsom and Ewell"
    assert found.local_authority.icb.code == "QXU"


def test_it_tells_an_unknown_postcode_from_a_malformed_one(geography):
    with pytest.raises(UnknownPostcode) as unknown:
        lookup_postcode("zz99zz")
    assert str(unknown.value) == (
        "'ZZ9 9ZZ' is not in the ONS postcode data loaded here "
        "(it may be new, or not a real postcode)"
    )
    with pytest.raises(InvalidPostcode, match="'ZZ9 ZZZ' is not a valid UK postcode"):
        lookup_postcode("ZZ9 ZZZ")


def test_it_keeps_postcodes_without_coordinates(geography):
    frame = read_ons_postcodes("B")
    no_grid = frame[frame["latitude"].isna()].head(3)
    assert len(no_grid) == 3
    store_postcodes(no_grid)
    found = lookup_postcode(no_grid.iloc[0]["postcode"])
    assert found.latitude is None
    assert found.longitude is None
    assert not found.has_coordinates


@pytest.mark.parametrize(
    ("raw", "sector"), [("sm1 1", "SM1 1"), ("  SW1A   1 ", "SW1A 1"), ("cr0 2", "CR0 2")]
)
def test_a_sector_is_normalised(raw, sector):
    assert normalise_sector(raw) == sector


@pytest.mark.parametrize("raw", ["SM11", "SM1", "SM1 1A", "SM1 12", "1SM 1", ""])
def test_a_sector_needs_its_space_and_one_digit(raw):
    with pytest.raises(InvalidPostcode, match="not a valid UK postcode or postcode sector"):
        normalise_sector(raw)


def test_a_sector_is_located_at_the_middle_of_its_postcodes(geography):
    place = locate_postcode_or_sector("sm1 1")
    inside = Postcode.objects.filter(postcode__startswith="SM1 1", latitude__isnull=False)
    assert place.is_sector and place.name == "SM1 1"
    assert min(p.latitude for p in inside) < place.latitude < max(p.latitude for p in inside)
    assert min(p.longitude for p in inside) < place.longitude < max(p.longitude for p in inside)
    full = locate_postcode_or_sector("sm11aa")
    assert (full.name, full.is_sector) == ("SM1 1AA", False)
    with pytest.raises(UnknownPostcode, match="'ZZ9 9' is not a postcode sector"):
        locate_postcode_or_sector("zz9 9")
    with pytest.raises(InvalidPostcode, match="'SM1 XYZ' is not a valid UK postcode$"):
        locate_postcode_or_sector("SM1 XYZ")
