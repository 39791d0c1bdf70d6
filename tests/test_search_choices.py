"""The search form's needs and GP boroughs are read once a directory revision, and a need or
area changed is offered on the next form (directory.queries.search_choices)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from directory.models import Area, Need
from signposting.forms import SearchForm


def _needs(form):
    return dict(form.fields["needs"].choices)


def _boroughs(form):
    return dict(form.fields["gp_area"].choices)


def test_a_second_form_reads_only_the_revision(geography):
    first = SearchForm()
    with CaptureQueriesContext(connection) as queries:
        second = SearchForm()
    assert len(queries.captured_queries) == 1
    assert "directoryrevision" in queries.captured_queries[0]["sql"].lower()
    assert _needs(second) == _needs(first)
    assert _needs(second)["isolation"] == "Loneliness and isolation"
    assert list(_needs(second)) == list(
        Need.objects.order_by("name").values_list("slug", flat=True)
    )
    assert _boroughs(second) == _boroughs(first)
    assert _boroughs(second)["E09000029"] == "Sutton"
    assert _boroughs(second)[""] == "Not known"


def test_a_need_added_renamed_or_removed_is_offered_on_the_next_form(geography):
    before = _needs(SearchForm())
    need = Need.objects.create(slug="gardening", name="Gardening")
    assert _needs(SearchForm()) == {**before, "gardening": "Gardening"}
    need.name = "Allotments and gardening"
    need.save()
    offered = list(_needs(SearchForm()).items())
    assert ("gardening", "Allotments and gardening") in offered
    assert offered == sorted(offered, key=lambda pair: pair[1])  # by name, as renamed
    need.delete()
    assert _needs(SearchForm()) == before


def test_a_borough_given_an_icb_is_offered_and_one_taken_out_is_not(geography):
    manchester = Area.objects.get(code="E08000003")  # in none of the fixture's ICBs
    assert manchester.icb_id is None
    assert "E08000003" not in _boroughs(SearchForm())
    sutton = Area.objects.get(code="E09000029")
    manchester.icb_id = sutton.icb_id
    manchester.save()
    assert _boroughs(SearchForm())["E08000003"] == "Manchester"
    sutton.icb_id = None
    sutton.save()
    assert "E09000029" not in _boroughs(SearchForm())


def test_a_posted_need_added_since_the_last_form_is_valid(geography):
    SearchForm()
    Need.objects.create(slug="gardening", name="Gardening")
    form = SearchForm({"home_postcode": "SM1 1AA", "needs": ["gardening"]})
    assert form.is_valid(), form.errors


def test_a_need_or_borough_not_offered_is_refused(geography):
    form = SearchForm({"home_postcode": "SM1 1AA", "needs": ["no-such-need"], "gp_area": "E0"})
    assert not form.is_valid()
    assert "no-such-need is not one of the available choices" in str(form.errors["needs"])
    assert "E0 is not one of the available choices" in str(form.errors["gp_area"])
    assert SearchForm({"home_postcode": "SM1 1AA", "needs": ["isolation"]}).is_valid()
