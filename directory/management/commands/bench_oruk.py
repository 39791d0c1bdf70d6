import random
import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.test import Client, override_settings

from directory.models import DirectoryRevision, Need, Service

KINDS = ("first", "middle", "last")


class Command(BaseCommand):
    help = (
        "Benchmark: time GET /openreferral/services pages (first, middle, last; without and "
        "with a filter) through the test client; print p50 and p95 per kind."
    )

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=60)
        parser.add_argument("--per-page", type=int, default=50)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **options):
        total = Service.objects.filter(status=Service.Status.PUBLISHED).count()
        if not total:
            raise CommandError("No published services: run generate_directory first.")
        rng = random.Random(options["seed"])
        per_page = options["per_page"]
        needs = [str(u) for u in Need.objects.values_list("uuid", flat=True)]
        with override_settings(ALLOWED_HOSTS=["testserver"]):
            client = Client()
            self.stdout.write(f"{total:,} published services, per_page {per_page}")
            # The first read after a directory change builds that filter's id array.
            DirectoryRevision.bump()
            for label, query in [
                ("no filter", ""),
                ("need", f"taxonomy_term_id={needs[0]}&"),
                ("search", "search=synthetic+service+1234&"),
            ]:
                ms, body = self._get(client, f"/openreferral/services?{query}per_page={per_page}")
                self.stdout.write(
                    f"  first read after a change, {label}: {ms:.1f} ms "
                    f"({body['total_items']:,} items)"
                )
            for need in needs:  # warm each need's array, as a busy feed's would be
                self._get(client, f"/openreferral/services?taxonomy_term_id={need}")
            for label, filters in [("no filter", lambda: ""), ("need", lambda: rng.choice(needs))]:
                for kind in KINDS:
                    timings = []
                    for _ in range(options["repeat"]):
                        need = filters()
                        query = f"taxonomy_term_id={need}&" if need else ""
                        pages = self._pages(client, query, per_page)
                        page = {"first": 1, "middle": max(1, pages // 2), "last": pages}[kind]
                        ms, body = self._get(
                            client, f"/openreferral/services?{query}per_page={per_page}&page={page}"
                        )
                        assert body["size"] > 0 and body["page_number"] == page
                        timings.append(ms)
                    timings.sort()
                    p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
                    self.stdout.write(
                        f"  {label:<9} {kind:<6} page: p50 {statistics.median(timings):.1f} ms, "
                        f"p95 {p95:.1f} ms, max {timings[-1]:.1f} ms"
                    )

    def _pages(self, client, query, per_page) -> int:
        _, body = self._get(client, f"/openreferral/services?{query}per_page={per_page}")
        return body["total_pages"]

    @staticmethod
    def _get(client, url) -> tuple[float, dict]:
        started = time.perf_counter()
        response = client.get(url)
        body = response.json()
        ms = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise CommandError(f"{url}: {response.status_code} {body}")
        return ms, body
