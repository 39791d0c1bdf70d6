import csv
import random
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from directory.deletion import deletion_refusal
from directory.importers.spreadsheet import import_services
from directory.models import Postcode, Service
from directory.service_data import COLUMNS
from directory.synthetic import generating

NEEDS = ["isolation", "debt", "bereavement", "sleep", "relaxation", "lonely", "money"]


class Command(BaseCommand):
    help = "Benchmark: write a spreadsheet of N services at real postcodes and import it twice."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **options):
        rng = random.Random(options["seed"])
        postcodes = list(
            Postcode.objects.filter(
                local_authority__icb__isnull=False, latitude__isnull=False
            ).values_list("postcode", flat=True)[:50_000]
        )
        if not postcodes:
            raise CommandError("Load areas and postcodes first.")
        earlier = Service.objects.filter(external_id__startswith="BENCH-")
        try:
            generating.send(sender="bench_import")
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if refusal := deletion_refusal(earlier):
            raise CommandError(f"{refusal} Run the benchmark on a new database (make bench).")
        earlier.delete()
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "bench.csv"
            with open(path, "w", newline="") as fh:
                writer = csv.DictWriter(fh, fieldnames=COLUMNS)
                writer.writeheader()
                for i in range(options["rows"]):
                    writer.writerow(
                        {
                            "external_id": f"BENCH-{i:06d}",
                            "organisation": f"Bench organisation {i % 900}",
                            "service": f"Bench service {i}",
                            "description": "A benchmark service",
                            "needs": ";".join(rng.sample(NEEDS, 2)),
                            "delivery_modes": "in_person;phone",
                            "address": f"{i} Bench Road",
                            "postcode": rng.choice(postcodes),
                            "areas_served": "South West London;Surrey Heartlands",
                            "eligible_areas": "QWE",
                            "eligible_via": "lives;gp",
                            "capacity": "open",
                            "status": "published",
                            "last_reviewed": "2026-01-01",
                        }
                    )
            started = time.perf_counter()
            first = import_services(path)
            middle = time.perf_counter()
            second = import_services(path)
            ended = time.perf_counter()
        self.stdout.write(
            f"first import: {first.created} created in {middle - started:.1f} s; "
            f"re-import: {second.unchanged} unchanged in {ended - middle:.1f} s"
        )
