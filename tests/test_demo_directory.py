from django.core.management import call_command

from directory.demo import DELIBERATE_GAPS, SOUTH_WEST_LONDON, SURREY, demo_rows
from directory.models import Area, Need, Service
from directory.queries import needs_review, serving_area


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
