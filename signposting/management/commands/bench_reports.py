import resource
import time

from django.core.management.base import BaseCommand

from directory.models import Area
from signposting.index import current_index
from signposting.models import Referral
from signposting.reports import REPORTS, Scope, build_report, default_scope


class Command(BaseCommand):
    help = "Benchmark: time every report over the last year, nationally and for one ICB."

    def add_arguments(self, parser):
        parser.add_argument("--area", default="QWE")

    def handle(self, *args, **options):
        year = default_scope()
        scopes = [("all areas", year)]
        area = Area.objects.filter(code=options["area"]).first()
        if area is not None:
            scopes.append((area.short_name, Scope(year.start, year.end, area=area)))
        self.stdout.write(f"{Referral.objects.count()} referrals in the database")
        started = time.perf_counter()
        index = current_index()  # long-lived per process: built once, not per report
        self.stdout.write(
            f"directory index: {index.size} services, {time.perf_counter() - started:.1f} s"
        )
        worst = 0.0
        for label, scope in scopes:
            for name in REPORTS:
                started = time.perf_counter()
                frame = build_report(name, scope)
                seconds = time.perf_counter() - started
                worst = max(worst, seconds)
                self.stdout.write(
                    f"  {name:<17} {label:<22} {seconds:6.2f} s  {len(frame):>6} rows"
                )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(f"slowest report {worst:.2f} s; peak memory {peak:.0f} MiB")
