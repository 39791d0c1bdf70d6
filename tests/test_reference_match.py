"""The index answers exactly as the naive reference does: every service's rules one by one,
every distance from geopy."""

from django.core.management import call_command

from directory.models import Need, Postcode
from signposting.index import current_index
from signposting.matching import MAX_LIMIT, MatchQuery, match, resolve_patient
from signposting.reference import load_listings, naive_match, ranked

from .conftest import TEST_LOCAL_AUTHORITIES

FILTERS = [{}, {"max_distance_km": 5.0, "delivery_modes": ["in_person", "home_visit"]}]


def test_the_index_ranks_as_the_naive_reference_on_the_demo_directory(geography):
    call_command("load_demo_directory", "--seed", "1")
    listings = load_listings()
    needs = list(Need.objects.order_by("slug").values_list("slug", flat=True))
    compared = [0, 0]
    for i, code in enumerate(TEST_LOCAL_AUTHORITIES * 2):
        filters = FILTERS[i % 2]
        home = Postcode.objects.filter(local_authority_id=code, latitude__isnull=False).order_by(
            "postcode"
        )[5 * i]
        query = MatchQuery(
            home_postcode=home.postcode,
            gp_area=TEST_LOCAL_AUTHORITIES[(i + 1) % len(TEST_LOCAL_AUTHORITIES)],
            age=20 + 3 * i if i % 3 else None,
            needs=[needs[i % len(needs)], needs[(3 * i + 1) % len(needs)]],
            limit=MAX_LIMIT,
            **filters,
        )
        result = match(query)
        reference = naive_match(listings, resolve_patient(query, current_index()), query)
        assert ranked(result) == reference.ranked
        assert result.total == reference.total
        assert result.unmet_need_ids == reference.unmet_need_ids
        compared[i % 2] += len(reference.ranked)
    assert min(compared) > 10
