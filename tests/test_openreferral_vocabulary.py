"""Signpost's ORUK vocabulary: stable ids, criteria as attributes and back, service areas."""

import uuid

import pytest

from directory.openreferral import vocabulary as vocab


def criteria(**overrides) -> dict:
    service = {
        "uuid": "7f0c2b1e-8a44-4f5e-9d7e-0a1b2c3d4e5f",
        "eligible_areas": [{"code": "E09000029", "name": "Sutton"}, "QWE"],
        "eligible_if_lives": True,
        "eligible_if_works": False,
        "eligible_if_gp": True,
        "only_for": ["carer", "veterans"],
        "eligibility_published": True,
    }
    service.update(overrides)
    return service


FIELDS = [
    "eligible_areas",
    "eligible_if_lives",
    "eligible_if_works",
    "eligible_if_gp",
    "only_for",
    "eligibility_published",
]


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"eligible_areas": [], "only_for": []},
        {"eligible_if_lives": False, "eligible_if_gp": False},  # no connection ticked at all
        {"eligible_if_works": True, "eligibility_published": False},
        {"eligible_areas": ["W06000015", "S12000036", "N09000003", "QKK"]},
    ],
)
def test_criteria_survive_the_round_trip(overrides):
    service = criteria(**overrides)
    attributes = vocab.criteria_attributes(service)
    back = vocab.criteria_from_attributes(attributes)
    expected = {name: service[name] for name in FIELDS}
    expected["eligible_areas"] = [
        a["code"] if isinstance(a, dict) else a for a in service["eligible_areas"]
    ]
    assert back == expected


def test_attributes_carry_stable_ids_and_whole_terms():
    first = vocab.criteria_attributes(criteria())
    again = vocab.criteria_attributes(criteria())
    assert first == again
    for attribute in first:
        uuid.UUID(attribute["id"])
        term = attribute["taxonomy_term"]
        assert (
            attribute["taxonomy_term_id"] == term["id"] == vocab.eligibility_term_id(term["code"])
        )
        assert term["taxonomy"] == "signpost-eligibility"
        assert term["name"] and term["description"]
    sutton = next(a for a in first if a["taxonomy_term"]["code"] == "area:E09000029")
    assert sutton["taxonomy_term"]["name"] == "Sutton"
    assert sutton["taxonomy_term"]["term_uri"].endswith("/E09000029")
    other = vocab.criteria_attributes(criteria(uuid="11111111-2222-4333-8444-555555555555"))
    assert {a["id"] for a in other}.isdisjoint({a["id"] for a in first})


def test_terms_are_recognised_without_their_code():
    # An importer may meet a feed that dropped HSDS 3.0's "code": ids and term_uri suffice.
    attributes = vocab.criteria_attributes(criteria())
    for attribute in attributes:
        del attribute["taxonomy_term"]["code"]
    assert vocab.criteria_from_attributes(attributes)["eligible_areas"] == ["E09000029", "QWE"]
    assert vocab.criteria_from_attributes(attributes)["only_for"] == ["carer", "veterans"]


def test_attributes_of_other_taxonomies_carry_no_criteria():
    assert vocab.criteria_from_attributes([]) is None
    foreign = {
        "id": str(uuid.uuid4()),
        "taxonomy_term": {"id": str(uuid.uuid4()), "name": "Debt", "taxonomy": "LGA"},
    }
    assert vocab.criteria_from_attributes([foreign]) is None
    needs = vocab.need_attributes(
        "7f0c2b1e-8a44-4f5e-9d7e-0a1b2c3d4e5f",
        [{"uuid": uuid.uuid4(), "slug": "debt", "name": "Debt", "description": ""}],
    )
    assert vocab.criteria_from_attributes(needs) is None
    assert needs[0]["taxonomy_term"]["code"] == "debt"
    mixed = vocab.criteria_from_attributes([foreign, *vocab.criteria_attributes(criteria())])
    assert mixed["eligible_areas"] == ["E09000029", "QWE"]


def test_an_unknown_group_is_refused():
    with pytest.raises(ValueError, match="'astronauts' is not a patient group"):
        vocab.criteria_attributes(criteria(only_for=["astronauts"]))


@pytest.mark.parametrize(
    ("service_area", "code"),
    [
        ({"uri": "http://statistics.data.gov.uk/id/statistical-geography/E09000029"}, "E09000029"),
        ({"uri": "https://directory.spineservices.nhs.uk/ORD/2-0-0/organisations/QWE"}, "QWE"),
        ({"name": "Cardiff (W06000015)"}, "W06000015"),
        ({"name": "NHS South West London ICB", "uri": "https://example.org/icb/QWE"}, "QWE"),
        ({"name": "Sutton", "service_area": "London Borough of Sutton E09000029"}, "E09000029"),
        # A GSS code wins over an ODS code wherever each is.
        ({"name": "QWE", "uri": "https://example.org/E09000029"}, "E09000029"),
        ({"name": "Sutton"}, None),
        ({"name": "E0900002"}, None),  # seven digits
        ({"name": "XE090000291"}, None),  # inside a longer word
        ({"name": "Quality assured"}, None),
        ({"uri": "http://statistics.data.gov.uk/id/statistical-geography/K02000001"}, None),
        ({}, None),
    ],
)
def test_it_finds_an_area_code_in_a_service_area(service_area, code):
    assert vocab.area_code_from_service_area(service_area) == code


def test_service_areas_carry_codes_and_a_national_service_is_the_uk():
    service = {
        "uuid": "7f0c2b1e-8a44-4f5e-9d7e-0a1b2c3d4e5f",
        "serves_nationally": False,
        "areas_served": [
            {"code": "E09000029", "name": "Sutton"},
            {"code": "QWE", "name": "NHS South West London Integrated Care Board"},
        ],
    }
    areas = vocab.service_areas(service)
    assert [vocab.area_code_from_service_area(a) for a in areas] == ["E09000029", "QWE"]
    assert [a["name"] for a in areas] == ["Sutton", "NHS South West London Integrated Care Board"]
    assert not any(vocab.is_national_service_area(a) for a in areas)
    [national] = vocab.service_areas({**service, "serves_nationally": True})
    assert national["name"] == "United Kingdom"
    assert vocab.is_national_service_area(national)
    assert vocab.area_code_from_service_area(national) is None
    assert vocab.is_national_service_area({"name": "National"})
    assert vocab.is_national_service_area({"name": "England"})


def test_accessibility_round_trips_and_leaves_out_what_is_unknown():
    service = {
        "step_free_access": False,
        "hearing_loop": None,
        "accessible_toilet": True,
        "accessibility_note": "Lift to all floors",
    }
    items = vocab.accessibility_items(service, "0b7e4a52-8f7c-4d63-9a55-5d5f0b6f1c11")
    assert [i["description"] for i in items] == [
        "No step-free access",
        "Accessible toilet",
        "Lift to all floors",
    ]
    assert vocab.accessibility_from_items(items) == service


def test_taxonomy_and_term_ids_never_change():
    # These ids are published: a change would orphan every consumer's copy.
    assert vocab.taxonomy_id("signpost-needs") == "0ae4956c-7526-5476-af0b-abb4f0b04482"
    assert vocab.eligibility_term_id("via:gp") == vocab.stable_uuid(
        "signpost-eligibility", "via:gp"
    )
    codes = [t["code"] for t in vocab.eligibility_terms(["E09000029"])]
    assert len(codes) == len(set(codes))
    assert {"area", "via", "only-for", "published", "area:E09000029"} <= set(codes)
