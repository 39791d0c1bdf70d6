import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test import override_settings

from directory.models import Area, Need, Postcode
from directory.postcodes import PostcodeError, normalise_postcode
from signposting import index as index_module
from signposting.index import current_index
from signposting.matching import MatchQuery, match, resolve_patient
from signposting.reference import load_listings, naive_match, ranked


def pss_mib() -> float:
    """This process's proportional set size (shared pages divided among their mappers)."""
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _valid(postcode: str) -> bool:
    try:
        normalise_postcode(postcode)
    except PostcodeError:
        return False
    return True


class Command(BaseCommand):
    help = (
        "Benchmark: rebuild the index file, match random patients with two needs (p50, p95), "
        "the memory the index adds (PSS), and the speed-up over the naive reference on the "
        "same patients, asserting that both rank alike."
    )

    def add_arguments(self, parser):
        parser.add_argument("--queries", type=int, default=500)
        parser.add_argument("--reference", type=int, default=20, help="patients for the naive")
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
        postcodes = [(p, la) for p, la in postcodes if _valid(p)]  # not the non-geographic
        needs = list(Need.objects.values_list("slug", flat=True))
        queries = []
        for i in range(options["queries"]):
            postcode, la = postcodes[i % len(postcodes)]
            queries.append(
                MatchQuery(
                    home_postcode=postcode,
                    gp_area=la if rng.random() < 0.8 else rng.choice(boroughs),
                    age=rng.randint(18, 90) if rng.random() < 0.7 else None,
                    needs=rng.sample(needs, 2),
                )
            )

        # The build runs in a child, as in production one process builds while the others
        # serve: this process's PSS is then a serving process's. In a folder of its own, so
        # that it builds (a file for this revision built earlier, by other code, would be
        # reused) and leaves the server's files alone; on INDEX_DIR's disk, not /tmp's.
        Path(settings.INDEX_DIR).mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="bench-", dir=settings.INDEX_DIR))
        try:
            with override_settings(INDEX_DIR=folder):
                self.measure(queries, options, folder)
        finally:
            index_module.forget_current()
            shutil.rmtree(folder, ignore_errors=True)

    def measure(self, queries, options, folder):
        started = time.perf_counter()
        built = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "build_index"],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "INDEX_DIR": str(folder)},
        )
        if built.returncode:
            raise CommandError(f"build_index failed: {built.stderr[-2000:]}")
        build = time.perf_counter() - started
        revision = built.stdout.split("revision ")[1].split(",")[0]
        pss_before = pss_mib()
        index_module.forget_current()
        started = time.perf_counter()
        index = current_index()
        opened = time.perf_counter() - started
        if index.revision != revision:
            raise CommandError("the directory changed during the benchmark: run it again")

        timings, totals = [], []
        for query in queries:
            began = time.perf_counter()
            result = match(query)
            timings.append((time.perf_counter() - began) * 1000)
            totals.append(result.total)
        pss_after = pss_mib()
        timings.sort()
        p50 = statistics.median(timings)
        p95 = timings[int(len(timings) * 0.95) - 1]
        self.stdout.write(
            f"index: {index.size} services, file {index.path.stat().st_size / 2**20:.1f} MiB, "
            f"rebuilt in {index.build_seconds:.2f} s (by manage.py build_index: "
            f"{build:.1f} s with start-up), opened and checksum verified in "
            f"{opened * 1000:.0f} ms\n"
            f"match over {len(timings)} random patients with two needs: "
            f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {timings[-1]:.1f} ms; "
            f"candidates per query: median {statistics.median(totals):.0f}\n"
            f"PSS: {pss_before:.0f} MiB before the index, {pss_after:.0f} MiB after "
            f"{len(timings)} matches (+{pss_after - pss_before:.0f} MiB, the whole file counted "
            "since this process is its only mapper)"
        )

        count = min(options["reference"], len(queries))
        if count:
            self.reference(queries[:count], index)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(f"peak memory {peak:.0f} MiB (the naive reference's objects included)")

    def reference(self, queries, index):
        started = time.perf_counter()
        listings = load_listings()
        loaded = time.perf_counter() - started
        fast, slow = [], []
        for query in queries:
            began = time.perf_counter()
            result = match(query)
            fast.append(time.perf_counter() - began)
            resolved = resolve_patient(query, index)
            began = time.perf_counter()
            naive = naive_match(listings, resolved, query)
            slow.append(time.perf_counter() - began)
            assert ranked(result) == naive.ranked, (query, ranked(result)[:5], naive.ranked[:5])
            assert result.total == naive.total, (query, result.total, naive.total)
            assert result.unmet_need_ids == naive.unmet_need_ids
        speed_up = sum(slow) / sum(fast)
        self.stdout.write(
            f"naive reference ({len(listings)} services held as objects, loaded in "
            f"{loaded:.0f} s, not counted): {len(queries)} patients, mean "
            f"{statistics.mean(slow) * 1000:.0f} ms a patient against the index's "
            f"{statistics.mean(fast) * 1000:.1f} ms: {speed_up:.0f} times faster; "
            "the same ranked results (ids, verdicts, distances), totals and unmet needs"
        )
