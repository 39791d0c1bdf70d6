import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from directory.models import Location, Service
from signposting.matching import MatchQuery, match

from .factories import make_service


def test_it_generates_and_replaces_synthetic_services_only(geography):
    mine = make_service(service="A real service")
    call_command("generate_directory", "--services", "300", "--seed", "3")
    synthetic = Service.objects.filter(external_id__startswith="SYN-")
    assert synthetic.count() == 300
    assert (
        Location.objects.filter(service__in=synthetic).count()
        == synthetic.filter(serves_nationally=False).count()
    )
    assert synthetic.filter(needs__isnull=True).count() == 0
    located = Location.objects.filter(service__in=synthetic)
    assert located.values("uuid").distinct().count() == located.count()
    call_command("generate_directory", "--services", "200", "--seed", "4")
    assert Service.objects.filter(external_id__startswith="SYN-").count() == 200
    assert Service.objects.filter(pk=mine.pk).exists()
    result = match(MatchQuery(home_postcode="SM1 1AA", needs=["isolation", "debt"]))
    assert result.total > 0


def test_it_refuses_nonsense_sizes(geography):
    with pytest.raises(CommandError, match="from 1 to 2,000,000"):
        call_command("generate_directory", "--services", "0")
