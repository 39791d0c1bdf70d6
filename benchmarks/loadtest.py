"""The load test: the production server under link workers' traffic while an editor changes
the directory. `make loadtest` runs it; figures go to docs/benchmarks.md (a section it rewrites).

Steps:
  1. The database: DATABASE_URL when set (PostgreSQL), else loadtest.sqlite3 beside this
     project (WAL journal, so that readers and the writer do not block each other). Migrated,
     with areas, needs, every UK postcode and a 200,000-service synthetic directory, each step
     skipped when already done; the load test's own users (random passwords, API tokens).
  2. The server: gunicorn, four processes of four threads each (THREADS; --preload: the code is
     loaded once, before the workers fork, and its pages are shared), on 127.0.0.1 only,
     DEBUG off, a random SECRET_KEY, secure cookies, behind the documented proxy header
     (SECURE_PROXY_SSL_HEADER), static files collected. The index file is built first
     (manage.py build_index), as a release step would.
  3. The load: Locust, headless, 20 users thinking 1 to 3 s, for LOADTEST_SECONDS (120 s by
     default), through benchmarks/locustfile.py's mix; meanwhile manage.py loadtest_editor
     changes one service every 30 s (the directory revision moves, the index is rebuilt).
  4. The figures: requests per second, p50/p95/p99 per kind, errors, PSS per gunicorn process
     (read from /proc/<pid>/smaps_rollup every 2 s: the last and the highest), and the index's
     lag behind each edit: from the edit to the first search answered from the new revision,
     and to the last search still answered from an older one.
"""

import csv
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from config.env import env_int

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench-results" / "loadtest"
DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- loadtest:start -->", "<!-- loadtest:end -->"
SERVICES = 200_000
USERS = 20
WORKERS = 4
# Threads a process, as the server reads them (gunicorn.conf.py): a slow report page then holds
# up one thread, not every request of its process. THREADS=1 make loadtest tries one.
THREADS = env_int("THREADS", 4)
EDIT_EVERY = 30
SECONDS = int(os.environ.get("LOADTEST_SECONDS", "120"))
PROXY_HEADER = "HTTP_X_FORWARDED_PROTO,https"


def environment() -> dict:
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'loadtest.sqlite3'}")
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(40),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_PROXY_SSL_HEADER=PROXY_HEADER,
        LOG_LEVEL="WARNING",
        # As docs/deploy.md advises for a steady load: each thread keeps its connection.
        CONN_MAX_AGE="60",
    )
    if env["DATABASE_URL"].startswith("sqlite"):
        env["SQLITE_IMMEDIATE"] = "true"
    return env


def manage(env: dict, *args: str, capture: bool = False) -> str:
    print("+ manage.py", " ".join(args), flush=True)
    done = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        text=True,
        capture_output=capture,
    )
    return done.stdout if capture else ""


def query(env: dict, code: str) -> str:
    return manage(env, "shell", "-c", code, capture=True).strip().splitlines()[-1]


def prepare(env: dict) -> None:
    if env["DATABASE_URL"].startswith("sqlite:///"):
        import sqlite3

        path = env["DATABASE_URL"].removeprefix("sqlite:///")
        with sqlite3.connect(path) as db:
            db.execute("PRAGMA journal_mode=WAL")
    manage(env, "migrate", "--no-input", "-v", "0")
    counts = json.loads(
        query(
            env,
            "import json; from directory.models import Area, Need, Postcode, Service; "
            "print(json.dumps([Area.objects.count(), Need.objects.count(), "
            "Postcode.objects.count(), "
            "Service.objects.filter(status='published').count()]))",
        )
    )
    areas, needs, postcodes, services = counts
    if not areas:
        manage(env, "load_areas")
    if not needs:
        manage(env, "load_needs")
    if postcodes < 2_000_000:
        manage(env, "load_postcodes", "--all")
    if services < SERVICES:
        manage(env, "generate_directory", "--services", str(SERVICES))
    manage(env, "load_loadtest_users", "--out", str(OUT / "users.json"))
    manage(env, "collectstatic", "--no-input", "-v", "0")
    manage(env, "build_index")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def pss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def index_pss_mib(pid: int, folder: str) -> float:
    """PSS of the index files this process maps (their pages are shared by every mapper)."""
    total, inside = 0, False
    try:
        for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
            head = line.split(maxsplit=1)[0]
            if "-" in head and not head.endswith(":"):  # a mapping's first line
                inside = folder in line
            elif inside and head == "Pss:":
                total += int(line.split()[1])
    except OSError:
        return 0.0
    return total / 1024


class Sampler(threading.Thread):
    """PSS of the gunicorn master and each worker, every 5 s (smaps_rollup: cheap); the index
    file's share of each (the whole smaps, read and parsed here: about 0.1 s of CPU a process)
    only at the start and the end, so that the sampler takes little of the CPU it measures."""

    def __init__(self, master: int, index_dir: str):
        super().__init__(daemon=True)
        self.master = master
        self.index_dir = index_dir
        self.index: dict[int, float] = {}
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.peak: dict[int, float] = {}
        self.stop = threading.Event()

    def sample(self, index: bool = True) -> None:
        for pid in [self.master, *children(self.master)]:
            value = pss_mib(pid)
            if value is not None:
                self.first.setdefault(pid, value)
                self.last[pid] = value
                self.peak[pid] = max(self.peak.get(pid, 0.0), value)
                if index:
                    self.index[pid] = index_pss_mib(pid, self.index_dir)

    def run(self):
        while not self.stop.wait(5.0):
            self.sample(index=False)


def wait_until_up(port: int, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the server did not start")


def lag(edits: list[dict], observed: list[tuple[float, str]]) -> list[dict]:
    """For each edit: seconds from it to the first search answered from its revision or a
    later one, and to the last search still answered from an earlier one."""
    rows = []
    for i, edit in enumerate(edits):
        current = {e["revision"] for e in edits[i:]}
        after = [(t, r) for t, r in observed if t >= edit["at"]]
        new = [t for t, r in after if r in current]
        old = [t for t, r in after if r not in current]
        rows.append(
            {
                "first_new": round(min(new) - edit["at"], 1) if new else None,
                "last_old": round(max(old) - edit["at"], 1) if old else 0.0,
            }
        )
    return rows


def run() -> dict:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*"):
        old.unlink()
    env = environment()
    prepare(env)
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable, "-m", "gunicorn", "config.wsgi:application",
            "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}", "--timeout", "60",
            "--preload", "--worker-class", "gthread", "--threads", str(THREADS),
            # A connection a request, as a proxy in front (nginx's default to its upstreams)
            # would send them: each request goes to a process that is free to take it. Kept
            # connections tie each user to the process that took its first request, and those
            # processes' loads then differ by ten times (measured: 1,288 requests against 112).
            # The server says "Connection: close", so the client never reuses a closed one.
            "--keep-alive", "0",
            "--error-logfile", str(OUT / "gunicorn.log"),
        ],
        cwd=ROOT, env=env,
    )  # fmt: skip
    sampler = Sampler(server.pid, env.get("INDEX_DIR", str(ROOT / "var" / "index")))
    try:
        wait_until_up(port)
        time.sleep(2)  # every worker forked, before any request: each one's starting PSS
        sampler.sample()
        sampler.start()
        editor = subprocess.Popen(  # noqa: S603
            [
                sys.executable, "manage.py", "loadtest_editor", "--every", str(EDIT_EVERY),
                "--seconds", str(SECONDS), "--log", str(OUT / "edits.jsonl"),
            ],
            cwd=ROOT, env=env,
        )  # fmt: skip
        locust_env = {
            **env,
            "LOADTEST_USERS": str(OUT / "users.json"),
            "LOADTEST_OBSERVED": str(OUT / "observed.json"),
        }
        subprocess.run(  # noqa: S603
            [
                sys.executable, "-m", "locust", "-f", str(ROOT / "benchmarks" / "locustfile.py"),
                # The figures start once every user has arrived (2 s at 10 a second): twenty
                # users starting at once on processes just forked is the start of a day, not
                # its load (each process's first report page fills its caches, for one).
                "--headless", "--users", str(USERS), "--spawn-rate", "10", "--reset-stats",
                "--run-time", f"{SECONDS}s", "--host", host, "--csv", str(OUT / "locust"),
                "--only-summary", "--stop-timeout", "10", "--loglevel", "WARNING",
            ],
            cwd=ROOT, env=locust_env, check=False,
        )  # fmt: skip
        editor.wait(timeout=SECONDS + 60)
    finally:
        sampler.stop.set()
        sampler.join()
        sampler.sample()  # the end, with each process's share of the index file
        workers = children(server.pid)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    edits = [json.loads(line) for line in (OUT / "edits.jsonl").read_text().splitlines()]
    observed = json.loads((OUT / "observed.json").read_text())
    with open(OUT / "locust_stats.csv") as handle:
        stats = list(csv.DictReader(handle))
    failures = []
    if (OUT / "locust_failures.csv").exists():
        with open(OUT / "locust_failures.csv") as handle:
            failures = list(csv.DictReader(handle))
    return {
        "database": "PostgreSQL" if env["DATABASE_URL"].startswith("postgres") else "SQLite",
        "seconds": SECONDS,
        "stats": stats,
        "failures": failures,
        "pss": {
            "master": round(sampler.last.get(server.pid, 0), 1),
            "workers": [
                (
                    round(sampler.last.get(p, 0), 1),
                    round(sampler.peak.get(p, 0), 1),
                    round(sampler.first.get(p, 0), 1),
                    round(sampler.index.get(p, 0), 1),
                )
                for p in workers
            ],
        },
        "edits": edits,
        "lag": lag(edits, observed),
        "searches_seen": len(observed),
    }


def report(figures: dict) -> str:
    lines = [
        START,
        "### Load test (`make loadtest`)",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on this 2-core machine (shared with other work), "
        f"{figures['database']}, {SERVICES:,} synthetic services: gunicorn with {WORKERS} "
        f"processes of {THREADS} threads on 127.0.0.1, DEBUG off, secure cookies behind the "
        f"proxy header; Locust headless, {USERS} users thinking 1 to 3 s, "
        f"{figures['seconds']} s; an editor changed a service every {EDIT_EVERY} s "
        "(`loadtest_editor`, through directory.actions).",
        "",
        "| kind | requests | failures | req/s | p50 ms | p95 ms | p99 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in figures["stats"]:
        name = row["Name"] if row["Name"] != "Aggregated" else "**all**"
        lines.append(
            f"| {name} | {row['Request Count']} | {row['Failure Count']} | "
            f"{float(row['Requests/s']):.1f} | {row['50%']} | {row['95%']} | {row['99%']} |"
        )
    lines.append("")
    if figures["failures"]:
        lines.append("Errors:")
        for failure in figures["failures"]:
            lines.append(
                f"- {failure['Method']} {failure['Name']}: {failure['Error']} "
                f"({failure['Occurrences']})"
            )
    else:
        lines.append("Errors: none.")
    workers = ", ".join(
        f"{last:.0f} (at start {first:.0f}, so +{last - first:.0f}; peak {peak:.0f}; of it the "
        f"index file's pages {index:.1f})"
        for last, peak, first, index in figures["pss"]["workers"]
    )
    lines += [
        "",
        f"PSS per gunicorn worker at the end, MiB: {workers}; the master "
        f"{figures['pss']['master']:.0f}. PSS counts each shared page (the index file, the "
        'code loaded before the fork) once, divided among the processes that map it; "at '
        'start" is each worker just after the fork, before any request.',
        "",
        "Index lag behind each edit: seconds from the edit's commit to the first search "
        "answered from its revision (or a later one), and to the last search still answered "
        "from an earlier one. The lag is the build (in a child process, competing with the "
        "four workers for two cores) plus the child's start-up:",
        "",
    ]
    for edit, row in zip(figures["edits"], figures["lag"], strict=True):
        first = "never, in the run" if row["first_new"] is None else f"{row['first_new']} s"
        lines.append(
            f"- service {edit['service']} edited: first answer from the new index after "
            f"{first}, last from an older one {row['last_old']} s after"
        )
    lines += ["", END]
    return "\n".join(lines)


def write_doc(section: str) -> None:
    text = DOC.read_text()
    if START in text and END in text:
        before, rest = text.split(START, 1)
        text = before + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOC.write_text(text)


def main() -> None:
    figures = run()
    (OUT / "figures.json").write_text(json.dumps(figures, indent=2))
    section = report(figures)
    print(section)
    write_doc(section)


if __name__ == "__main__":
    main()
