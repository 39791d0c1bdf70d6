"""The search form's GP practice: a name or an ODS code, with the choices when a name matches
several practices. Works without JavaScript (the type-ahead is a datalist on the same input)."""

from pathlib import Path

import pytest

from directory.importers.gp_practices import import_gp_practices
from directory.queries import MAX_PRACTICE_CHOICES, find_gp_practices
from signposting.forms import SearchForm

DEMO = Path(__file__).resolve().parent.parent / "fixtures" / "gp_practices_demo.csv"


@pytest.fixture
def practices(geography):
    import_gp_practices(DEMO)


def form(**data) -> SearchForm:
    return SearchForm({"home_postcode": "SM1 1AA", "needs": ["isolation"], **data})


def test_a_practice_is_found_by_its_code_in_any_case(practices):
    bound = form(gp_practice=" z00013 ")
    assert bound.is_valid(), bound.errors
    assert bound.cleaned_data["gp_practice"] == "Z00013"


def test_a_practice_is_found_by_a_name_only_it_has(practices):
    bound = form(gp_practice="hawthorn")
    assert bound.is_valid(), bound.errors
    assert bound.cleaned_data["gp_practice"] == "Z00013"
    assert form(gp_practice="Hawthorn  Surgery,  Sutton (demo)").is_valid()


def test_the_type_aheads_name_and_code_is_the_practice_with_that_code(practices):
    # Two practices share this name: the code in brackets says which one.
    bound = form(gp_practice="MEADOW LANE SURGERY, MOLE VALLEY (DEMO) (Z00025)")
    assert bound.is_valid(), bound.errors
    assert bound.cleaned_data["gp_practice"] == "Z00025"


def test_a_name_several_practices_share_offers_them(practices):
    bound = form(gp_practice="meadow lane")
    assert not bound.is_valid()
    assert bound.errors["gp_practice"] == ["2 practices match 'meadow lane': choose one below"]
    assert [p.code for p in bound.gp_choices] == ["Z00001", "Z00025"]
    chosen = form(gp_practice="meadow lane", gp_pick="Z00025")
    assert chosen.is_valid(), chosen.errors
    assert chosen.cleaned_data["gp_practice"] == "Z00025"


def test_a_choice_that_is_not_one_offered_is_not_taken(practices):
    bound = form(gp_practice="meadow lane", gp_pick="Z00013")
    assert not bound.is_valid()
    assert "choose one below" in bound.errors["gp_practice"][0]


def test_a_name_too_many_practices_share_asks_for_more(practices):
    bound = form(gp_practice="surgery")
    assert not bound.is_valid()
    assert bound.errors["gp_practice"] == [
        "30 practices match 'surgery': choose one below, or type more of its name or its code"
    ]
    assert len(bound.gp_choices) == MAX_PRACTICE_CHOICES


def test_an_unknown_name_or_code_is_explained(practices):
    bound = form(gp_practice="Nowhere Medical Centre")
    assert not bound.is_valid()
    assert bound.errors["gp_practice"] == [
        "No GP practice is called 'Nowhere Medical Centre': check the spelling, give its ODS "
        "code, or choose the GP's borough instead"
    ]


def test_a_closed_practice_is_found_by_its_code_only(practices, tmp_path):
    from directory.models import GPPractice

    GPPractice.objects.filter(code="Z00014").update(status="C")  # reference data, not events
    assert find_gp_practices("Z00014").found.code == "Z00014"
    assert find_gp_practices("primrose").count == 0


def test_the_search_page_offers_the_practices_a_name_matches(client, practices, personas):
    client.force_login(personas["lw"])
    data = {"home_postcode": "SM1 1AA", "needs": ["isolation"], "gp_practice": "Meadow Lane"}
    text = client.post("/search/", data, follow=True).content.decode()
    assert "2 practices match &#x27;Meadow Lane&#x27;: choose one below" in text
    assert 'name="gp_pick" type="radio" value="Z00001"' in text
    assert "MEADOW LANE SURGERY, MOLE VALLEY (DEMO), KT22 8HZ (Z00025)" in text
    picked = client.post("/search/", {**data, "gp_pick": "Z00001"}, follow=True).content.decode()
    assert "There is a problem" not in picked
    assert "GP in Croydon" in picked
    # The record step carries the practice's code, not the name that matched two.
    assert '<input type="hidden" name="gp_practice" value="Z00001">' in picked


def test_optional_fields_say_so(client, personas):
    client.force_login(personas["lw"])
    text = client.get("/search/").content.decode()
    for label in (
        "GP practice (optional)",
        "GP&#x27;s borough (optional)",
        "Does the patient work? (optional)",
        "Work postcode (optional)",
        "Age (optional)",
    ):
        assert label in text


def datalist(client) -> str:
    page = client.get("/search/").content.decode()
    return page[page.index('<datalist id="practices">') : page.index("</datalist>")]


def test_the_type_ahead_offers_the_practices_of_the_area_that_funds_the_team(
    client, practices, personas
):
    """Not every practice in England (about 6,300) with every search page: the team's area's.
    Any other is still found by its name or code (the tests above)."""
    client.force_login(personas["lw"])  # a team funded by South West London ICB
    offered = datalist(client)
    assert "HAWTHORN SURGERY, SUTTON (DEMO) (Z00013)" in offered
    assert "(Z00004)" in offered  # Kingston, in the same ICB
    assert "(Z00025)" not in offered  # Mole Valley, Surrey Heartlands
    client.force_login(personas["outsider"])  # a team funded by Sutton
    offered = datalist(client)
    assert "(Z00013)" in offered
    assert "(Z00015)" in offered
    assert "(Z00004)" not in offered
    assert form(gp_practice="Z00025").is_valid()  # typed, any practice


def test_someone_in_no_team_is_offered_no_practices_and_may_type_any(client, practices, admin_user):
    client.force_login(admin_user)
    assert "<option" not in datalist(client)
