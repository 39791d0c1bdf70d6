import resource
import statistics
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.test import RequestFactory, override_settings

from directory.models import Area
from signposting.dashboard import dashboard
from signposting.generated import NotABenchmarkDatabase, mark_generated, refuse_real_records
from signposting.index import current_index
from signposting.models import Referral
from signposting.reports import REPORTS, Scope, build_report, default_scope

LEAD = "bench.lead"


class Command(BaseCommand):
    help = (
        "Benchmark: each report over the last twelve whole months, as a network lead sees it "
        "(rounded), nationally and for one ICB; then the whole dashboard page (server time)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--area", default="QWE")
        parser.add_argument(
            "--dashboard-only", action="store_true", help="time the dashboard page only"
        )
        parser.add_argument("--repeat", type=int, default=3, help="dashboard runs (median)")

    def handle(self, *args, **options):
        try:
            refuse_real_records("bench_reports")  # it adds a network lead of its own
        except NotABenchmarkDatabase as exc:
            raise CommandError(str(exc)) from None
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
        if not options["dashboard_only"]:
            for label, scope in scopes:
                for name in REPORTS:
                    started = time.perf_counter()
                    frame = build_report(name, scope)
                    seconds = time.perf_counter() - started
                    worst = max(worst, seconds)
                    self.stdout.write(
                        f"  {name:<17} {label:<22} {seconds:6.2f} s  {len(frame):>6} rows"
                    )
            self.stdout.write(f"slowest report {worst:.2f} s")
        self.time_dashboard(area, year, options["repeat"])
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(f"peak memory {peak:.0f} MiB")

    def time_dashboard(self, area, year, repeat: int) -> None:
        """The dashboard view as a network lead, every report and chart, rendered to HTML:
        worked out on every request (the page's once-a-minute cache is off here)."""
        user, _ = get_user_model().objects.get_or_create(username=LEAD)
        mark_generated(generator="bench_reports", users=[user])
        user.groups.add(Group.objects.get(name="Network lead"))
        user = get_user_model().objects.get(pk=user.pk)  # fresh permission cache
        for label, params in [
            (area.short_name if area else "no area", {"area": area.code} if area else {}),
            ("all areas", {}),
        ]:
            params = {"from": year.start.isoformat(), "to": year.end.isoformat(), **params}
            times, size = [], 0
            for _ in range(repeat):
                request = RequestFactory().get("/reports/", params)
                request.user = user
                started = time.perf_counter()
                with override_settings(REPORTS_PAGE_SECONDS=0):
                    response = dashboard(request)
                times.append(time.perf_counter() - started)
                assert response.status_code == 200, response.status_code
                size = len(response.content)
            self.stdout.write(
                f"BENCH dashboard {label}: {1000 * statistics.median(times):.0f} ms median of "
                f"{repeat} (first {1000 * times[0]:.0f} ms), {size / 1024:.0f} KB of HTML"
            )
