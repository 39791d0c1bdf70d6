import pytest

from directory.importers.geography import read_ons_postcodes, store_postcodes
from directory.postcodes import (
    InvalidPostcode,
    UnknownPostcode,
    lookup_postcode,
    normalise_postcode,
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
