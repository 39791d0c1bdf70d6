import csv
import re
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command

from directory.demo import DELIBERATE_GAPS, SOUTH_WEST_LONDON, SURREY, demo_rows
from directory.importers.gp_practices import import_gp_practices
from directory.models import Area, GPPractice, Location, Need, Postcode, Service
from directory.queries import needs_review, serving_area

from .conftest import TEST_LOCAL_AUTHORITIES

DEMO_PRACTICES = Path(__file__).resolve().parent.parent / "fixtures" / "gp_practices_demo.csv"

# The words that name a need in a service's name, as a link worker reads them. Written here, not
# taken from the demo's own list of kinds, so that the test can disagree with the demo.
NEED_WORDS = {
    "isolation": r"befriending|friendship|loneliness|lonely|isolation",
    "social-support": r"peer support|social support",
    "financial": r"money|cost of living|budgeting|financial",
    "debt": r"debts?",
    "benefits": r"benefits?",
    "housing": r"housing|tenancy|homeless(ness)?",
    "bereavement": r"bereavement|bereaved|grief",
    "mental-wellbeing": r"wellbeing|mental health|anxiety|low mood|stress",
    "physical-activity": r"walk(ing)?|exercise|fitness|movement",
    "healthy-eating": r"cooking|healthy eating|nutrition",
    "sleep": r"sleep(ing)?",
    "relaxation": r"relaxation|mindfulness|breathing|meditation",
    "meaningful-activity": r"arts|crafts|volunteering|gardening|hobbies",
    "structure-routine": r"routine|goal setting|pacing",
    "carers": r"carers?",
    "employment": r"work|jobs?|employment|training",
    "digital-inclusion": r"digital|get online|getting online|computers?|internet",
    "pain-self-management": r"pain",
}


def needs_named(text: str) -> set[str]:
    """The needs a name names."""
    return {
        need
        for need, words in NEED_WORDS.items()
        if re.search(rf"\b({words})\b", text, re.IGNORECASE)
    }


def boroughs_named(text: str) -> set[str]:
    """The test boroughs a text names, by their full name or the part before "upon Thames"."""
    named = set()
    for area in Area.objects.filter(code__in=TEST_LOCAL_AUTHORITIES):
        names = {area.name, area.name.split(" upon ")[0]}
        if any(re.search(rf"\b{re.escape(n)}\b", text, re.IGNORECASE) for n in names):
            named.add(area.code)
    return named


def district_share(postcode: str) -> float:
    """The share of the loaded postcodes of this postcode's district in this postcode's borough."""
    district = postcode.split(" ")[0]
    areas = Counter(
        Postcode.objects.filter(postcode__startswith=f"{district} ").values_list(
            "local_authority_id", flat=True
        )
    )
    mine = Postcode.objects.get(postcode=postcode).local_authority_id
    return areas[mine] / sum(areas.values())


def test_the_vocabulary_reads_names_as_a_link_worker_would():
    assert needs_named("Kingston money advice") == {"financial"}
    assert needs_named("Sutton money and debt advice") == {"financial", "debt"}
    assert needs_named("Debt casework") == {"debt"}  # "casework" is not "work"
    assert needs_named("Carers wellbeing group") == {"carers", "mental-wellbeing"}
    assert needs_named("Sleep well course") == {"sleep"}
    assert needs_named("Befriending service for people in National.") == {"isolation"}


def test_the_demo_directory_is_reproducible_for_a_seed(geography):
    assert demo_rows(seed=1) == demo_rows(seed=1)
    assert demo_rows(seed=1) != demo_rows(seed=2)


def test_loading_it_twice_duplicates_nothing(geography, capsys):
    call_command("load_demo_directory", "--seed", "1")
    count = Service.objects.count()
    assert 180 <= count <= 220
    call_command("load_demo_directory", "--seed", "1")
    assert Service.objects.count() == count
    assert f"0 created, 0 updated, {count} unchanged" in capsys.readouterr().out


def test_it_covers_every_need_and_has_realistic_variety(geography):
    call_command("load_demo_directory")
    published = Service.objects.filter(status=Service.Status.PUBLISHED)
    covered = set(published.values_list("needs__slug", flat=True))
    assert covered == set(Need.objects.values_list("slug", flat=True))
    assert published.filter(capacity=Service.Capacity.WAITING_LIST).exists()
    assert published.filter(capacity=Service.Capacity.CLOSED).exists()
    assert needs_review(Service.objects.all()).count() >= 10
    assert published.filter(serves_nationally=True).count() >= 10
    assert published.filter(eligible_if_lives=False, eligible_if_gp=True).exists()  # GP-only
    assert published.filter(eligible_areas__code="QWE").exists()  # ICB-wide
    assert published.filter(min_age__isnull=False).exists()  # age-limited
    assert any("carer" in s.only_for for s in published)  # carers-only
    assert Service.objects.exclude(status=Service.Status.PUBLISHED).exists()
    boroughs = set(published.values_list("locations__local_authority_id", flat=True))
    assert set(SOUTH_WEST_LONDON) | set(SURREY) <= boroughs


def test_its_deliberate_gaps_are_real_gaps(geography):
    call_command("load_demo_directory")
    for borough, need in DELIBERATE_GAPS:
        serving = serving_area(Service.objects.all(), Area.objects.get(code=borough))
        assert not serving.filter(needs__slug=need).exists(), (borough, need)


@pytest.fixture
def demo_directory(geography):
    call_command("load_demo_directory", "--seed", "1")
    return Service.objects.prefetch_related("needs", "locations", "schedules")


def test_every_service_is_named_for_exactly_the_needs_it_meets(demo_directory):
    wrong = []
    for service in demo_directory:
        needs = {n.slug for n in service.needs.all()}
        if needs_named(service.name) != needs:
            wrong.append((service.name, sorted(needs)))
    assert not wrong
    multi = [s for s in demo_directory if s.needs.count() > 1]
    assert len(multi) >= 10  # some honest multi-need names ("Money and debt advice")


def test_every_location_is_in_the_borough_its_service_and_address_name(demo_directory):
    locations = Location.objects.filter(service__in=demo_directory).select_related("service")
    assert locations.count() >= 150
    for location in locations:
        borough = Postcode.objects.get(postcode=location.postcode).local_authority_id
        assert location.local_authority_id == borough
        in_address = boroughs_named(location.address)
        assert in_address == {borough}, (location.address, location.postcode, borough)
        in_name = boroughs_named(location.service.name)
        assert in_name <= {borough}, (location.service.name, location.postcode, borough)
        # Its postcode district is mostly the borough's: "Sutton" at a KT17 postcode would be
        # read as Epsom, whatever the ONS table says.
        assert district_share(location.postcode) >= 0.8, (location.postcode, borough)
    named = [s for s in demo_directory if boroughs_named(s.name)]
    assert len(named) >= 150


def test_national_services_are_named_and_described_as_national(demo_directory):
    national = [s for s in demo_directory if s.serves_nationally]
    assert len(national) >= 10
    for service in national:
        assert not boroughs_named(service.name) and not service.locations.exists()
        assert "National" not in service.name
        assert "anyone in the UK" in service.description, service.description


def test_about_a_quarter_say_when_they_open_what_they_cost_and_how_accessible_they_are(
    demo_directory,
):
    total = demo_directory.count()
    with_schedule = demo_directory.filter(schedules__isnull=False).distinct().count()
    with_cost = demo_directory.filter(is_free__isnull=False).count()
    in_person = demo_directory.filter(in_person=True)
    with_access = in_person.filter(step_free_access__isnull=False).count()
    assert 0.15 * total <= with_schedule <= 0.45 * total
    assert 0.15 * total <= with_cost <= 0.45 * total
    assert 0.15 * in_person.count() <= with_access <= 0.45 * in_person.count()
    assert demo_directory.filter(schedules__by_appointment=True).exists()
    assert demo_directory.filter(schedules__by_appointment=False).exists()
    assert demo_directory.filter(is_free=True, cost="").exists()
    charged = demo_directory.filter(is_free=False)
    assert charged.exists() and not charged.filter(cost="").exists()
    assert in_person.filter(step_free_access=True).exists()
    assert in_person.filter(hearing_loop=True).exists()
    assert in_person.filter(accessible_toilet=True).exists()
    assert [s for s in demo_directory if s.languages]
    # Only premises have step-free access, a hearing loop or toilets.
    assert not demo_directory.filter(in_person=False, step_free_access__isnull=False).exists()


def test_every_demo_practice_is_in_the_borough_its_name_and_town_name(geography):
    import_gp_practices(DEMO_PRACTICES)
    towns = {row[0]: row[6] for row in csv.reader(DEMO_PRACTICES.open(encoding="utf-8"))}
    practices = list(GPPractice.objects.filter(code__in=towns))
    assert len(practices) == len(towns) == 30
    for practice in practices:
        borough = Postcode.objects.get(postcode=practice.postcode).local_authority_id
        assert practice.local_authority_id == borough
        assert boroughs_named(practice.name) == {borough}, (practice.name, practice.postcode)
        assert boroughs_named(towns[practice.code]) == {borough}, practice.code
        assert district_share(practice.postcode) >= 0.8, (practice.name, practice.postcode)
    # Every demo borough has practices, so every demo referral's GP borough has one.
    assert {p.local_authority_id for p in practices} == set(SOUTH_WEST_LONDON) | set(SURREY)
