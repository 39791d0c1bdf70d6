import random
import resource
import statistics
import time

from django.core.management.base import BaseCommand, CommandError

from directory.models import Area, Need, Postcode
from signposting.index import current_index
from signposting.matching import MatchQuery, match


class Command(BaseCommand):
    help = "Benchmark: match random patients with two needs; print p50, p95 and peak memory."

    def add_arguments(self, parser):
        parser.add_argument("--queries", type=int, default=500)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **options):
        rng = random.Random(options["seed"])
        postcodes = list(
            Postcode.objects.filter(latitude__isnull=False, local_authority__isnull=False)
            .order_by("?")
            .values_list("postcode", "local_authority_id")[: options["queries"] * 2]
        )
        if not postcodes:
            raise CommandError("Load postcodes first.")
        boroughs = list(
            Area.objects.filter(kind=Area.Kind.LOCAL_AUTHORITY).values_list("code", flat=True)
        )
        needs = list(Need.objects.values_list("slug", flat=True))
        started = time.perf_counter()
        index = current_index()
        build = time.perf_counter() - started
        timings, results = [], []
        for i in range(options["queries"]):
            postcode, la = postcodes[i]
            query = MatchQuery(
                home_postcode=postcode,
                gp_area=la if rng.random() < 0.8 else rng.choice(boroughs),
                age=rng.randint(18, 90) if rng.random() < 0.7 else None,
                needs=rng.sample(needs, 2),
            )
            began = time.perf_counter()
            result = match(query)
            timings.append((time.perf_counter() - began) * 1000)
            results.append(result.total)
        timings.sort()
        p50 = statistics.median(timings)
        p95 = timings[int(len(timings) * 0.95) - 1]
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(
            f"index: {index.size} services, built in {build:.1f} s\n"
            f"match over {len(timings)} random patients with two needs: "
            f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {timings[-1]:.1f} ms; "
            f"candidates per query: median {statistics.median(results):.0f}; "
            f"peak memory {peak:.0f} MiB"
        )
