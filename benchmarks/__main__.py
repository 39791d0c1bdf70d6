"""Run the benchmarks against their own database and print the figures.

Usage: python -m benchmarks [step ...]
  steps: dashboard, postcodes, import, match, oruk, reports; default all.
  dashboard: the reports page (server time, every report and chart) on the demo history of
    2,000 referrals, in its own database (bench-dashboard.sqlite3, rebuilt each run).
  reports: 1,000,000 synthetic referrals with their sessions, outcome measures and feedback
    (about 4 minutes to generate on SQLite), then each report (sessions, measures and feedback
    among them) and the whole page for one ICB and for all areas.
  oruk: GET /openreferral/services pages (first, middle, last; without and with a need filter)
    at 200,000 synthetic services (generated here unless the match step just did), p50 and p95.
The database is bench.sqlite3 unless BENCH_DATABASE_URL names another (e.g. PostgreSQL).
Each run builds bench.sqlite3 anew, after `check_benchmark_database` has shown that it holds
nothing people made (generators never delete outcome events, so they cannot empty it
themselves); a PostgreSQL database must be new and empty for each run. Steps run from an empty
database, with what they need loaded first (untimed): postcodes for import, match and reports,
and the 200,000-service directory for reports.
Each step runs as a child process so that its wall time and peak memory are its own.
"""

import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench-results"


DASHBOARD_DB = ROOT / "bench-dashboard.sqlite3"
BENCH_SECRET_KEY = secrets.token_urlsafe(50)


def environment(database: str | None = None, debug: bool = False) -> dict:
    env = dict(os.environ)
    env["DATABASE_URL"] = database or os.environ.get(
        "BENCH_DATABASE_URL", f"sqlite:///{ROOT / 'bench.sqlite3'}"
    )
    # DEBUG off needs a strong key (config/security.py): a new random one for each run.
    env.setdefault("SECRET_KEY", BENCH_SECRET_KEY)
    # The benchmarks talk plain HTTP to the test client.
    env.setdefault("SECURE_SSL_REDIRECT", "false")
    # DEBUG keeps every query in memory and would skew the figures (demo data needs it on).
    env["DEBUG"] = "true" if debug else "false"
    env["LOG_LEVEL"] = "WARNING"
    return env


BENCH_DB = ROOT / "bench.sqlite3"


def fresh_bench_database() -> None:
    """Remove bench.sqlite3 (not BENCH_DATABASE_URL's database) if it is a benchmark database."""
    if os.environ.get("BENCH_DATABASE_URL") or not BENCH_DB.exists():
        return
    checked = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check_benchmark_database"],
        cwd=ROOT, env=environment(), capture_output=True, text=True,
    )  # fmt: skip
    if checked.returncode != 0:
        raise SystemExit(
            f"bench.sqlite3 was kept: {checked.stderr.strip()}\nMove it away if it is yours, "
            "or delete it if it is an old benchmark database (made before generators marked "
            "their teams and users)."
        )
    for path in (
        BENCH_DB,
        BENCH_DB.with_name("bench.sqlite3-wal"),
        BENCH_DB.with_name("bench.sqlite3-shm"),
    ):
        path.unlink(missing_ok=True)


def run(label: str, *args: str, database: str | None = None, debug: bool = False) -> dict:
    """Run manage.py with args as a child; return its wall time and peak memory."""
    started = time.perf_counter()
    child = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment(database, debug)
    )
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if child.returncode != 0:
        raise SystemExit(f"benchmark step failed: manage.py {' '.join(args)}")
    figure = {
        "step": label,
        "seconds": round(seconds, 2),
        "peak_mib": round(usage.ru_maxrss / 1024),
    }
    print(f"BENCH {label}: {figure['seconds']} s, peak {figure['peak_mib']} MiB", flush=True)
    return figure


def dashboard_step() -> dict:
    """The demo history (2,000 referrals over 12 months, three teams) in a fresh database."""
    DASHBOARD_DB.unlink(missing_ok=True)
    database = f"sqlite:///{DASHBOARD_DB}"
    for args in [
        ("migrate", "--no-input", "-v", "0"),
        ("load_areas",),
        ("load_needs",),
        ("load_postcodes",),
        ("load_demo_directory", "--seed", "1"),
    ]:
        run(args[0], *args, database=database)
    run("load_demo_users", "load_demo_users", database=database, debug=True)
    run("load_demo_referrals", "load_demo_referrals", database=database, debug=True)
    return run(
        "dashboard, 2,000 referrals (whole process)",
        "bench_reports", "--dashboard-only", "--repeat", "5",
        database=database,
    )  # fmt: skip


def main(steps: list[str]) -> None:
    steps = steps or ["dashboard", "postcodes", "import", "match", "oruk", "reports"]
    figures = []
    if "dashboard" in steps:
        figures.append(dashboard_step())
    if set(steps) - {"dashboard"}:
        fresh_bench_database()
        run("migrate", "migrate", "--no-input", "-v", "0")
        run("load_areas", "load_areas")
        run("load_needs", "load_needs")
    if "postcodes" in steps:
        figures.append(run("load_postcodes --all", "load_postcodes", "--all"))
        figures.append(run("load_postcodes --all (again)", "load_postcodes", "--all"))
    elif set(steps) & {"import", "match", "reports"}:
        run("load_postcodes --all (setup)", "load_postcodes", "--all")
    if "reports" in steps and "match" not in steps:
        run("generate_directory 200,000 (setup)", "generate_directory", "--services", "200000")
    if "import" in steps:
        figures.append(run("import 10,000-row spreadsheet", "bench_import", "--rows", "10000"))
    if "match" in steps:
        figures.append(
            run("generate_directory 200,000", "generate_directory", "--services", "200000")
        )
        figures.append(run("match (500 patients)", "bench_match", "--queries", "500"))
    if "oruk" in steps:
        if "match" not in steps:
            figures.append(
                run("generate_directory 200,000", "generate_directory", "--services", "200000")
            )
        figures.append(run("ORUK /services pages", "bench_oruk", "--repeat", "60"))
        figures.append(
            run("ORUK import, 10,000-service feed", "bench_oruk_import", "--services", "10000")
        )
    if "reports" in steps:
        figures.append(
            run("generate_referrals 1,000,000", "generate_referrals", "--referrals", "1000000")
        )
        figures.append(run("reports and dashboard (two scopes)", "bench_reports", "--repeat", "2"))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(figures, indent=2))
    print("\nSummary")
    for figure in figures:
        print(f"  {figure['step']:<40} {figure['seconds']:>8} s {figure['peak_mib']:>7} MiB")


if __name__ == "__main__":
    main(sys.argv[1:])
