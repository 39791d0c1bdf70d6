"""One rule for "open to a borough's residents": the gap report counts what a search shows."""

import datetime as dt

from django.core.management import call_command

from directory.models import Area, Need, Postcode
from eligibility.engine import Verdict
from signposting.index import current_index
from signposting.matching import MAX_LIMIT, MatchQuery, match, services_open_to_residents
from signposting.reports import Scope, gaps_report

from .conftest import TEST_LOCAL_AUTHORITIES
from .factories import make_service

TODAY = dt.date(2026, 6, 1)
SUTTON = "E09000029"


def open_to(result) -> set[int]:
    """The services a search shows as "can use", or "check" for age or group alone."""
    shown = set()
    for item in result.results:
        doubts = {r.criterion for r in item.decision.reasons if r.verdict != Verdict.ELIGIBLE}
        if item.decision.verdict == Verdict.ELIGIBLE or (
            item.decision.verdict == Verdict.CHECK and doubts <= {"age", "group"}
        ):
            shown.add(item.entry.id)
    return shown


def services_open(borough: Area) -> dict[str, int]:
    """The gap report's services_open column for a borough, by need name."""
    gaps = gaps_report(Scope(TODAY - dt.timedelta(days=365), TODAY, area=borough))
    return dict(zip(gaps["need"], gaps["services_open"], strict=True))


def resident_search(borough: Area, postcode: str, need: str):
    return match(
        MatchQuery(home_postcode=postcode, gp_area=borough.code, needs=[need], limit=MAX_LIMIT)
    )


def test_the_gap_report_counts_what_a_residents_search_shows(geography):
    call_command("load_demo_directory", "--seed", "1")
    index = current_index()
    needs = list(Need.objects.order_by("slug"))
    non_zero = 0
    for code in TEST_LOCAL_AUTHORITIES:
        borough = Area.objects.select_related("icb").get(code=code)
        home = (
            Postcode.objects.filter(local_authority=borough, latitude__isnull=False)
            .order_by("postcode")
            .first()
        )
        report = services_open(borough)
        for need in needs:
            positions = services_open_to_residents(index, borough, need.pk)
            expected = {int(i) for i in index.ids[positions]}
            result = resident_search(borough, home.postcode, need.slug)
            assert result.total == len(result.results)  # nothing cut off by the limit
            assert open_to(result) == expected, (borough.name, need.slug)
            assert report[need.name] == len(expected), (borough.name, need.slug)
            non_zero += bool(expected)
    assert non_zero >= len(TEST_LOCAL_AUTHORITIES) * len(needs) // 2


def test_a_closed_service_is_check_and_not_counted(geography):
    closed = make_service(service="Closed befriending", postcode="SM1 1AA", capacity="closed")
    found = {m.entry.id: m for m in resident_search(sutton(), "SM1 1AA", "isolation").results}
    assert found[closed.pk].decision.verdict == Verdict.CHECK
    assert [(r.criterion, r.verdict, r.text) for r in found[closed.pk].decision.reasons] == [
        ("area", Verdict.ELIGIBLE, "Lives in Sutton (South West London ICB)"),
        ("capacity", Verdict.CHECK, "Closed to new referrals at the moment"),
    ]
    assert services_open(sutton())["Loneliness and isolation"] == 0


def test_a_nearby_service_listed_for_the_next_borough_is_check(geography):
    merton = make_service(
        service="Merton befriending", postcode="SM4 4LF", areas_served="Merton",
        eligible_areas="", eligible_via="",
    )  # fmt: skip
    result = resident_search(sutton(), "SM1 1AA", "isolation")
    item = result.results[0]
    assert item.entry.id == merton.pk
    assert item.distance_km < 10
    assert item.decision.verdict == Verdict.CHECK
    assert [(r.criterion, r.verdict, r.text) for r in item.decision.reasons] == [
        ("area", Verdict.ELIGIBLE, "Open to people from any area"),
        (
            "reach",
            Verdict.CHECK,
            "Listed as serving Merton, not Sutton: check they take patients from there",
        ),
    ]
    assert result.unmet_need_ids == [Need.objects.get(slug="isolation").pk]
    assert services_open(sutton())["Loneliness and isolation"] == 0
    # For a Merton resident it is listed for their borough, so they can use it.
    merton_result = resident_search(
        Area.objects.get(code="E09000024"), "SM4 4LF", "isolation"
    ).results
    assert [m.decision.verdict for m in merton_result] == [Verdict.ELIGIBLE]


def test_a_far_service_open_to_sutton_residents_is_found_and_counted(geography):
    far = make_service(
        service="Dorking befriending for Sutton", postcode="RH4 1EW",
        areas_served="Mole Valley", eligible_areas="Sutton",
    )  # fmt: skip
    result = resident_search(sutton(), "SM1 1AA", "isolation")
    assert [m.entry.id for m in result.results] == [far.pk]
    assert result.results[0].distance_km > 15
    assert result.results[0].decision.verdict == Verdict.ELIGIBLE
    assert result.unmet_need_ids == []
    assert services_open(sutton())["Loneliness and isolation"] == 1


def test_a_gp_only_service_counts_for_residents_with_a_gp_there(geography):
    gp_only = make_service(service="Sutton GP befriending", postcode="SM1 1AA", eligible_via="gp")
    index = current_index()
    isolation = Need.objects.get(slug="isolation")
    assert index.ids[services_open_to_residents(index, sutton(), isolation.pk)].tolist() == [
        gp_only.pk
    ]
    assert services_open(sutton())["Loneliness and isolation"] == 1
    found = resident_search(sutton(), "SM1 1AA", "isolation").results
    assert [(m.entry.id, m.decision.verdict) for m in found] == [(gp_only.pk, Verdict.ELIGIBLE)]


def sutton() -> Area:
    return Area.objects.select_related("icb").get(code=SUTTON)
