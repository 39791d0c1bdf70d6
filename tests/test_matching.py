import datetime as dt
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from geopy.distance import geodesic

from directory.actions import update_service
from directory.importers.gp_practices import import_gp_practices
from directory.models import Need, Postcode, Schedule, Service, Source
from directory.needs import load_needs
from signposting.index import current_index
from signposting.matching import MatchError, MatchQuery, match

from .factories import make_service

DEMO_PRACTICES = Path(__file__).resolve().parent.parent / "fixtures" / "gp_practices_demo.csv"


@pytest.fixture
def directory(geography):
    import_gp_practices(DEMO_PRACTICES)  # Z00013 is in Sutton, Z00019 in Epsom and Ewell
    return {
        "sutton": make_service(
            service="Sutton befriending", needs="isolation", postcode="SM1 1AA",
            eligible_areas="Sutton", eligible_via="lives;gp",
        ),
        "swl_gp": make_service(
            service="SWL pain course", needs="pain-self-management;isolation", postcode="SM2 5AA",
            areas_served="QWE", eligible_areas="QWE", eligible_via="gp",
        ),
        "surrey": make_service(
            service="Surrey befriending", needs="isolation", postcode="KT17 1AA",
            areas_served="Epsom and Ewell", eligible_areas="QXU", eligible_via="lives;gp",
        ),
        "older": make_service(
            service="Sutton lunch club", needs="isolation", postcode="SM1 2AA",
            eligible_areas="Sutton", min_age="65",
        ),
        "carers": make_service(
            service="Sutton carers group", needs="carers;isolation", postcode="SM1 1AA",
            eligible_areas="Sutton", only_for="carer",
        ),
        "closed": make_service(
            service="Sutton closed befriending", needs="isolation", postcode="SM1 1AA",
            eligible_areas="Sutton", capacity="closed",
        ),
        "national": make_service(
            service="National helpline", needs="isolation;bereavement", postcode="",
            delivery_modes="phone", areas_served="national", eligible_areas="",
        ),
    }  # fmt: skip


def by_name(result):
    return {m.entry.name: m for m in result.results}


def verdicts(result):
    return {m.entry.name: m.decision.verdict.value for m in result.results}


def test_a_sutton_resident_can_use_sutton_services(directory):
    result = match(
        MatchQuery(home_postcode="sm1 1aa", gp_practice="Z00013", age=70, needs=["isolation"])
    )
    assert verdicts(result) == {
        "Sutton befriending": "eligible",
        "SWL pain course": "eligible",
        "Surrey befriending": "not_eligible",
        "Sutton lunch club": "eligible",
        "Sutton carers group": "check",
        "Sutton closed befriending": "check",
        "National helpline": "eligible",
    }
    assert result.patient.home_area.name == "Sutton"
    assert [icb.code for icb in result.patient.icbs] == ["QWE"]


def test_an_epsom_resident_with_a_sutton_gp_can_use_gp_registered_services(directory):
    result = match(MatchQuery(home_postcode="KT17 1AA", gp_practice="Z00013", needs=["isolation"]))
    found = by_name(result)
    assert found["SWL pain course"].decision.verdict == "eligible"
    assert [r.text for r in found["SWL pain course"].decision.reasons] == [
        "Registered with a GP in Sutton (South West London ICB)"
    ]
    assert found["Sutton befriending"].decision.verdict == "eligible"
    assert found["Surrey befriending"].decision.verdict == "eligible"


def test_an_epsom_resident_with_an_epsom_gp_is_told_why_not_and_shown_surrey(directory):
    result = match(MatchQuery(home_postcode="KT17 1AA", gp_practice="Z00019", needs=["isolation"]))
    found = by_name(result)
    assert found["Surrey befriending"].decision.verdict == "eligible"
    assert found["Surrey befriending"].decision.reasons[0].text == (
        "Lives in Epsom and Ewell (Surrey Heartlands ICB)"
    )
    swl = found["SWL pain course"]
    assert swl.decision.verdict == "not_eligible"
    assert swl.decision.reasons[0].text == (
        "Only for people who are registered with a GP in South West London ICB; "
        "the patient is registered with a GP in Epsom and Ewell"
    )
    assert found["Sutton befriending"].decision.reasons[0].text == (
        "Only for people who live in or are registered with a GP in Sutton; "
        "the patient lives in Epsom and Ewell and is registered with a GP in Epsom and Ewell"
    )
    order = [m.decision.verdict for m in result.results]
    assert order == sorted(order, key=["eligible", "check", "not_eligible"].index)


def test_no_gp_given_means_check_for_gp_only_services(directory):
    result = match(MatchQuery(home_postcode="SM1 1AA", needs=["pain-self-management"]))
    only = result.results[0]
    assert only.entry.name == "SWL pain course"
    assert only.decision.verdict == "check"
    assert "no GP was given" in only.decision.reasons[0].text


def test_age_limits_and_carers_only(directory):
    young = by_name(match(MatchQuery(home_postcode="SM1 1AA", age=40, needs=["isolation"])))
    assert young["Sutton lunch club"].decision.verdict == "not_eligible"
    carer = by_name(
        match(MatchQuery(home_postcode="SM1 1AA", age=70, groups=["carer"], needs=["carers"]))
    )
    assert carer["Sutton carers group"].decision.verdict == "eligible"
    not_carer = by_name(match(MatchQuery(home_postcode="SM1 1AA", groups=[], needs=["carers"])))
    assert not_carer["Sutton carers group"].decision.verdict == "not_eligible"


def test_a_need_nobody_covers_is_unmet(directory):
    housing = Need.objects.get(slug="housing").pk
    result = match(MatchQuery(home_postcode="SM1 1AA", needs=["housing", "isolation"]))
    assert result.results
    assert all(housing not in m.matched_need_ids for m in result.results)
    assert result.unmet_need_ids == [housing]


def test_a_closed_service_is_check_and_comes_after_open_ones(directory):
    result = match(
        MatchQuery(home_postcode="SM1 1AA", gp_practice="Z00013", age=70, needs=["isolation"])
    )
    check = [m for m in result.results if m.decision.verdict == "check"]
    assert [m.entry.name for m in check] == ["Sutton carers group", "Sutton closed befriending"]
    assert check[-1].closed
    assert [r.text for r in check[-1].decision.reasons] == [
        "Lives in Sutton (South West London ICB)",
        "Closed to new referrals at the moment",
    ]


def test_only_a_closed_service_leaves_the_need_unmet(geography):
    make_service(service="Only debt", needs="debt", capacity="closed")
    result = match(MatchQuery(home_postcode="SM1 1AA", needs=["debt"]))
    assert len(result.results) == 1
    assert len(result.unmet_need_ids) == 1


def test_distances_match_an_independent_geodesic(directory):
    result = match(MatchQuery(home_postcode="SM2 5AA", needs=["isolation"]))
    home = Postcode.objects.get(postcode="SM2 5AA")
    for item in result.results:
        if item.location is None:
            assert item.distance_km is None
            continue
        there = Postcode.objects.get(postcode=item.location[1])
        expected = geodesic((home.latitude, home.longitude), (there.latitude, there.longitude)).km
        assert item.distance_km == pytest.approx(expected, abs=0.006)
    assert by_name(result)["SWL pain course"].distance_km == 0.0


def test_more_needs_covered_ranks_higher_then_distance(directory):
    result = match(
        MatchQuery(
            home_postcode="SM1 1AA",
            gp_practice="Z00013",
            needs=["isolation", "pain-self-management"],
        )
    )
    assert result.results[0].entry.name == "SWL pain course"
    assert len(result.results[0].matched_need_ids) == 2


def test_ties_are_broken_the_same_way_every_time(geography):
    first = make_service(
        service="Twin A", needs="debt", postcode="SM1 1AA", last_reviewed="2026-01-01"
    )
    second = make_service(
        service="Twin B", needs="debt", postcode="SM1 1AA", last_reviewed="2026-01-01"
    )
    for _ in range(3):
        result = match(MatchQuery(home_postcode="SM1 1AA", needs=["debt"]))
        assert [m.entry.id for m in result.results] == [first.pk, second.pk]
    newer = make_service(
        service="Twin C", needs="debt", postcode="SM1 1AA", last_reviewed="2026-06-01"
    )
    result = match(MatchQuery(home_postcode="SM1 1AA", needs=["debt"]))
    assert result.results[0].entry.id == newer.pk


def test_delivery_mode_and_distance_filters(directory):
    phone = match(
        MatchQuery(home_postcode="SM1 1AA", needs=["isolation"], delivery_modes=["phone"])
    )
    assert "National helpline" in by_name(phone)
    near = match(MatchQuery(home_postcode="SM1 1AA", needs=["isolation"], max_distance_km=2))
    names = set(by_name(near))
    assert "Surrey befriending" not in names  # about 7 km away
    assert "Sutton befriending" in names
    assert "National helpline" in names  # remote services have no distance to exceed


def test_the_index_sees_a_new_service_at_once(directory):
    match(MatchQuery(home_postcode="SM1 1AA", needs=["bereavement"]))
    make_service(service="New grief cafe", needs="bereavement", postcode="SM1 1AA")
    assert "New grief cafe" in by_name(match(MatchQuery(home_postcode="SM1 1AA", needs=["grief"])))


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        (dict(home_postcode="SM1 XYZ"), "home_postcode", "'SM1 XYZ' is not a valid UK postcode"),
        (
            dict(home_postcode="ZZ9 9ZZ"),
            "home_postcode",
            "'ZZ9 9ZZ' is not in the ONS postcode data loaded here",
        ),
        (dict(needs=["unicorns"]), "needs", "'unicorns' is not a known need"),
        (dict(needs=[]), "needs", "give at least one need"),
        (dict(gp_practice="NOPE1"), "gp_practice", "'NOPE1' is not a known GP practice code"),
        (dict(gp_area="QWE"), "gp_area", "a local authority code"),
        (dict(gp_area="E00000000"), "gp_area", "is not a known area code"),
        (dict(work_postcode="nope"), "work_postcode", "is not a valid UK postcode"),
        (dict(age=300), "age", "from 0 to 120"),
        (dict(groups=["wizards"]), "for", "'wizards' is not one of"),
        (dict(delivery_modes=["pigeon"]), "delivery_modes", "'pigeon' is not one of"),
        (dict(max_distance_km=0), "max_distance_km", "above 0"),
        (
            dict(open_on="Funday"),
            "open_on",
            "'Funday' is not a day of the week: give one of monday, tuesday, wednesday",
        ),
    ],
)
def test_bad_input_names_the_field(directory, query, field, message):
    base = {"home_postcode": "SM1 1AA", "needs": ["isolation"]}
    with pytest.raises(MatchError) as error:
        match(MatchQuery(**{**base, **query}))
    assert message in " ".join(error.value.errors[field])


def opens(service, weekday, opens="09:00", closes="12:00"):
    return Schedule.objects.create(
        service=service,
        weekday=weekday,
        opens_at=dt.time.fromisoformat(opens),
        closes_at=dt.time.fromisoformat(closes),
    )


def sutton_resident(**filters):
    return match(
        MatchQuery(home_postcode="SM1 1AA", gp_practice="Z00013", age=70, needs=["isolation"],
                   **filters)
    )  # fmt: skip


def test_open_on_a_day_keeps_the_services_whose_schedule_opens_that_day(directory):
    opens(directory["sutton"], Schedule.Weekday.MONDAY)
    opens(directory["sutton"], Schedule.Weekday.MONDAY, "13:00", "17:00")
    opens(directory["sutton"], Schedule.Weekday.WEDNESDAY)
    opens(directory["older"], Schedule.Weekday.WEDNESDAY, "11:00", "14:00")
    # By appointment opens on no day, whatever the day asked for.
    Schedule.objects.create(service=directory["national"], by_appointment=True)
    assert set(by_name(sutton_resident(open_on="monday"))) == {"Sutton befriending"}
    assert set(by_name(sutton_resident(open_on="Wednesday"))) == {
        "Sutton befriending",
        "Sutton lunch club",
    }
    assert sutton_resident(open_on="sunday").results == []
    assert len(sutton_resident().results) == 7  # no day asked: every day


def test_the_index_sees_a_new_schedule_at_once(directory):
    assert sutton_resident(open_on="friday").results == []
    opens(directory["closed"], Schedule.Weekday.FRIDAY)
    assert set(by_name(sutton_resident(open_on="friday"))) == {"Sutton closed befriending"}


def charges(service, is_free, cost=""):
    service.is_free, service.cost = is_free, cost
    service.save()


def test_free_only_keeps_the_services_recorded_as_free(directory):
    charges(directory["sutton"], True)
    charges(directory["national"], True)
    charges(directory["older"], False, "£3 for lunch")
    # The rest are not known, which is not free.
    assert set(by_name(sutton_resident(free_only=True))) == {
        "Sutton befriending",
        "National helpline",
    }
    assert set(by_name(sutton_resident(free_only=True, open_on="tuesday"))) == set()


def test_a_filter_that_removes_every_service_leaves_the_need_unmet(directory):
    isolation = Need.objects.get(slug="isolation").pk
    charges(directory["closed"], True)  # free, but closed: not one the patient can use
    result = sutton_resident(free_only=True)
    assert [m.entry.name for m in result.results] == ["Sutton closed befriending"]
    assert result.unmet_need_ids == [isolation]
    assert sutton_resident().unmet_need_ids == []


def test_the_index_reads_open_days_and_free_in_one_query_for_schedules(directory):
    for day in (1, 3, 3, 7):
        opens(directory["sutton"], day)
    Schedule.objects.create(service=directory["sutton"], by_appointment=True)
    opens(directory["older"], 2)
    charges(directory["swl_gp"], True)
    with CaptureQueriesContext(connection) as queries:
        index = current_index()
    assert sum("directory_schedule" in q["sql"] for q in queries.captured_queries) == 1
    names = dict(Service.objects.values_list("pk", "name"))
    at = {names[int(pk)]: i for i, pk in enumerate(index.ids)}
    assert index.open_days[at["Sutton befriending"]] == 0b1000101
    assert index.open_days[at["Sutton lunch club"]] == 0b10
    assert index.open_days[at["National helpline"]] == 0
    assert [names[int(pk)] for pk, free in zip(index.ids, index.free, strict=True) if free] == [
        "SWL pain course"
    ]


def test_unpublished_eligibility_is_check_first_naming_its_source(directory):
    service = directory["sutton"]
    source = Source.objects.create(kind=Source.Kind.OPENREFERRAL, name="Sutton Council feed")
    Service.objects.filter(pk=service.pk).update(source=source)
    update_service(service, eligibility_published=False)
    found = by_name(sutton_resident())["Sutton befriending"]
    assert found.decision.verdict == "check"
    assert [r.text for r in found.decision.reasons] == [
        "Eligibility not published by Sutton Council feed"
    ]
    # Renaming the source renames the reason.
    source.name = "Sutton ORUK feed"
    source.save()
    found = by_name(sutton_resident())["Sutton befriending"]
    assert found.decision.reasons[0].text == "Eligibility not published by Sutton ORUK feed"
    # An editor sets the criteria: the listing is usable again.
    update_service(service, eligibility_published=True)
    assert by_name(sutton_resident())["Sutton befriending"].decision.verdict == "eligible"


def test_unpublished_eligibility_without_a_source_says_by_its_source(geography):
    only = make_service(service="Only debt advice", needs="debt")
    update_service(only, eligibility_published=False)
    result = match(MatchQuery(home_postcode="SM1 1AA", gp_area="E09000029", needs=["debt"]))
    assert [(m.decision.verdict, m.decision.reasons[0].text) for m in result.results] == [
        ("check", "Eligibility not published by its source")
    ]
    assert result.unmet_need_ids == [Need.objects.get(slug="debt").pk]  # not "can use"


def test_a_new_or_renamed_need_is_known_on_the_first_request_after(directory):
    match(MatchQuery(home_postcode="SM1 1AA", needs=["isolation"]))  # the index is built
    knitting = Need.objects.create(slug="knitting", name="Knitting circles")
    result = match(MatchQuery(home_postcode="SM1 1AA", needs=["knitting"]))
    assert (result.results, result.unmet_need_ids) == ([], [knitting.pk])
    knitting.name = "Yarn crafts"
    knitting.synonyms = "crochet"
    knitting.save()
    result = match(MatchQuery(home_postcode="SM1 1AA", needs=["Yarn crafts", "crochet"]))
    assert result.unmet_need_ids == [knitting.pk]


def test_load_needs_makes_a_new_need_known_at_once(directory, tmp_path):
    match(MatchQuery(home_postcode="SM1 1AA", needs=["isolation"]))  # the index is built
    needs = tmp_path / "needs.csv"
    needs.write_text(
        "slug,name,description,synonyms\nallotments,Allotments,Growing food,gardening\n",
        encoding="utf-8",
    )
    assert load_needs(needs) == (1, 0)
    result = match(MatchQuery(home_postcode="SM1 1AA", needs=["gardening"]))
    assert result.unmet_need_ids == [Need.objects.get(slug="allotments").pk]
