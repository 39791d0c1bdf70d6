"""The matching index: one file per directory revision, shared by processes, never waited for."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings
from geopy.distance import geodesic

from directory.models import DirectoryRevision, Need, Service
from signposting import index as index_module
from signposting.index import current_index, store, wait_for_build
from signposting.matching import MatchQuery, match

from .factories import make_service

ROOT = Path(__file__).resolve().parent.parent


def search(need: str = "isolation"):
    return match(MatchQuery(home_postcode="SM1 1AA", gp_area="E09000029", needs=[need]))


def names(result) -> list[str]:
    return [m.entry.name for m in result.results]


@pytest.fixture
def fresh(settings, tmp_path):
    """This process starts with no index of its own, as a new worker would, on an empty
    folder of index files (other tests' files hold other directories)."""
    settings.INDEX_DIR = tmp_path / "index"
    index_module.forget_current()
    yield
    index_module.forget_current()


def test_a_process_started_during_a_rebuild_answers_from_the_previous_revision(geography, fresh):
    make_service(service="Sutton befriending")
    before = current_index()
    assert names(search()) == ["Sutton befriending"]
    make_service(service="Sutton lunch club", postcode="SM1 1EA")
    moved = DirectoryRevision.current()
    assert moved != before.revision
    where = store()
    lock = where.try_lock()  # another process is building the new revision
    assert lock is not None
    try:
        index_module.forget_current()  # a worker started now
        result = search()
        assert result.revision == before.revision
        assert names(result) == ["Sutton befriending"]
        assert current_index().path == before.path
        assert not where.manifest_path(moved).exists()
    finally:
        where.unlock(lock)
    # The builder is done (here: the lock is free, and this process builds it).
    result = search()
    assert result.revision == moved
    assert sorted(names(result)) == ["Sutton befriending", "Sutton lunch club"]


def test_while_edits_outpace_builds_a_process_moves_to_the_newest_complete_file(geography, fresh):
    make_service(service="Sutton befriending")
    first = current_index()
    make_service(service="Sutton lunch club", postcode="SM1 1EA")
    where = store()
    lock = where.try_lock()
    try:
        second = where.build()  # another process finished this one ...
        make_service(service="Sutton walking group", postcode="SM1 1EA")  # ... and it moved on
        result = search()
    finally:
        where.unlock(lock)
    assert first.revision != second != DirectoryRevision.current()
    assert result.revision == second
    assert sorted(names(result)) == ["Sutton befriending", "Sutton lunch club"]


@pytest.mark.django_db(transaction=True)
@override_settings(INDEX_BUILD="thread")
def test_an_edit_is_matched_on_the_first_request_after_the_background_rebuild(geography, fresh):
    service = make_service(service="Sutton befriending", needs="isolation")
    assert names(search()) == ["Sutton befriending"]  # no file yet: built before answering
    assert names(search("debt")) == []
    make_service(external_id="", service="Sutton befriending", needs="isolation;debt")
    need = Need.objects.get(slug="debt")
    need.synonyms = "rent arrears letters"
    need.save()
    assert set(Service.objects.get(pk=service.pk).needs.values_list("slug", flat=True)) == {
        "isolation",
        "debt",
    }
    revision = DirectoryRevision.current()
    # This request starts the build in a thread and answers from the index it has.
    waiting = search("isolation")
    assert waiting.revision != revision
    wait_for_build(timeout=60)
    assert store().manifest_path(revision).exists()
    first = search("rent arrears letters")
    assert first.revision == revision
    assert names(first) == ["Sutton befriending"]
    assert [first.need_slugs[n] for n in first.results[0].matched_need_ids] == ["debt"]


def test_two_processes_map_the_same_index_file(geography, fresh):
    make_service(service="Sutton befriending")
    built = current_index()
    script = (
        "import json, os, sys\n"
        "from pathlib import Path\n"
        "import django\n"
        "django.setup()\n"
        "from signposting.index import IndexStore\n"
        "index = IndexStore(Path(sys.argv[1])).open(sys.argv[2])\n"
        "lines = [line.split() for line in open('/proc/self/maps')]\n"
        "mapped = [l for l in lines if len(l) > 5 and l[5] == str(index.path)]\n"
        "print(json.dumps({'path': str(index.path), 'inode': int(mapped[0][4]),\n"
        "                  'services': index.size}))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings"}
    workers = [
        subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", script, str(store().folder), built.revision],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    reports = []
    for worker in workers:
        out, _ = worker.communicate(timeout=120)
        assert worker.returncode == 0
        reports.append(json.loads(out.strip().splitlines()[-1]))
    assert reports[0] == reports[1]
    assert reports[0]["path"] == str(built.path)
    assert reports[0]["inode"] == os.stat(built.path).st_ino == built.inode
    assert reports[0]["services"] == 1


@pytest.mark.parametrize("damage", ["flipped", "truncated", "no manifest"])
def test_a_corrupt_or_half_written_index_file_is_ignored_and_rebuilt(
    geography, fresh, caplog, damage
):
    make_service(service="Sutton befriending")
    built = current_index()
    where = store()
    revision = built.revision
    data = bytearray(built.path.read_bytes())
    index_module.forget_current()
    del built
    if damage == "flipped":
        data[len(data) // 2] ^= 0xFF
        where.data_path(revision).write_bytes(bytes(data))
    elif damage == "truncated":
        where.data_path(revision).write_bytes(bytes(data[: len(data) // 2]))
    else:  # the data file written, the process stopped before its manifest
        where.manifest_path(revision).unlink()
    with caplog.at_level(logging.WARNING, logger="signposting.index"):
        assert where.open(revision) is None
        assert names(search()) == ["Sutton befriending"]
    rebuilt = current_index()
    assert rebuilt.revision == revision
    assert where.verify(json.loads(where.manifest_path(revision).read_text())) == rebuilt.path
    assert rebuilt.size == 1
    if damage != "no manifest":
        assert "ignored" in caplog.text


def test_a_file_of_an_earlier_layout_for_the_same_revision_is_rebuilt(geography, fresh, caplog):
    """A release that changes the file's layout finds the previous release's file for the same
    revision on disk: intact by its checksum, but not read; it is built again."""
    make_service(service="Sutton befriending")
    built = current_index()
    where = store()
    revision = built.revision
    manifest_path = where.manifest_path(revision)
    manifest = json.loads(manifest_path.read_text())
    manifest["format"] = index_module.FORMAT - 1
    manifest_path.write_text(json.dumps(manifest))
    index_module.forget_current()
    del built
    with caplog.at_level(logging.WARNING, logger="signposting.index"):
        assert where.open(revision) is None
        assert names(search()) == ["Sutton befriending"]
    assert "this release reads" in caplog.text
    rebuilt = current_index()
    assert rebuilt.revision == revision
    assert json.loads(manifest_path.read_text())["format"] == index_module.FORMAT


def test_criteria_are_decoded_when_a_search_first_needs_them(geography, fresh):
    """Opening a revision decodes no criteria; a search decodes those of its candidates, once."""
    make_service(service="Sutton befriending", min_age="65")
    make_service(service="Sutton debt advice", needs="financial")
    index = current_index()
    assert len(index.criteria) == 2 and index.criteria._decoded == {}
    assert names(search()) == ["Sutton befriending"]
    assert len(index.criteria._decoded) == 1
    decoded = next(iter(index.criteria._decoded.values()))
    assert decoded.min_age == 65 and index.criteria[list(index.criteria._decoded)[0]] is decoded
    with pytest.raises(IndexError):
        index.criteria[len(index.criteria)]


def test_writes_never_touch_the_index(geography, fresh, admin_user):
    from signposting.actions import create_referral
    from signposting.models import Membership, Team

    team = Team.objects.create(name="Sutton link workers")
    Membership.objects.create(user=admin_user, team=team)
    make_service(service="Sutton befriending")
    before = set(store().folder.glob("index-*.json"))
    referral = create_referral(
        referrer=admin_user, source="gp", home_postcode="SM1 1AA", needs=["isolation"]
    )
    assert referral.home_area_id == "E09000029"
    assert index_module._current is None  # nothing read or built the index
    assert set(store().folder.glob("index-*.json")) == before


def test_distances_are_geodesic_as_geopy_gives_them(geography, fresh):
    make_service(service="Cheam befriending", postcode="SM3 8QW")
    make_service(service="Sutton befriending", postcode="SM1 1EA")
    result = search()
    assert len(result.results) == 2
    from directory.postcodes import lookup_postcode

    home = lookup_postcode("SM1 1AA")
    for item in result.results:
        there = lookup_postcode(item.location[1])
        expected = geodesic((home.latitude, home.longitude), (there.latitude, there.longitude))
        expected = round(expected.km, 2)
        assert item.distance_km == pytest.approx(expected, abs=0.011)
    assert [m.distance_km for m in result.results] == sorted(m.distance_km for m in result.results)


def test_the_index_folder_is_this_runs_own(db, index_dir):
    assert store().folder.parent == index_dir
    other = dict(connection.settings_dict, NAME="another database")
    real = connection.settings_dict
    try:
        connection.settings_dict = other
        elsewhere = store().folder
    finally:
        connection.settings_dict = real
    assert elsewhere.parent == index_dir
    assert elsewhere != store().folder


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="Linux's idle scheduling class")
def test_a_background_build_runs_only_on_cpu_nothing_else_wants(settings):
    """The child a serving process starts (signposting.background_build --idle) puts itself in
    SCHED_IDLE before it loads Django, then runs build_index with its arguments."""
    from signposting import background_build

    assert settings.INDEX_BUILD_IDLE
    pid = os.fork()
    if pid == 0:  # the child: report by exit status what build_index would have been run as
        try:
            import django.core.management

            def build_index(argv):
                idle = os.sched_getscheduler(0) == os.SCHED_IDLE
                wanted = ["build_index", "--idle", "--lock-held", "7"]
                os._exit(0 if idle and argv[1:] == wanted else 1)

            django.core.management.execute_from_command_line = build_index
            background_build.main(["--idle", "--lock-held", "7"])
        finally:
            os._exit(2)  # never back into pytest, whatever happened
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert os.sched_getscheduler(0) != os.SCHED_IDLE  # this process is untouched


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="Linux's idle scheduling class")
def test_the_background_build_lowers_its_priority_before_loading_django():
    """Loading Django is a second of CPU: the child must not spend it at normal priority. A
    fresh interpreter notes its scheduling class when Django is first imported."""
    script = (
        "import os, sys\n"
        "seen = []\n"
        "class Watch:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'django' and not seen:\n"
        "            seen.append(os.sched_getscheduler(0))\n"
        "sys.meta_path.insert(0, Watch())\n"
        "from signposting import background_build\n"
        "try:\n"
        "    background_build.main(['--idle', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('idle' if seen == [os.SCHED_IDLE] else f'not idle: {seen}')\n"
    )
    done = subprocess.run(  # noqa: S603 (this interpreter, a fixed script)
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert done.stdout.strip().splitlines()[-1] == "idle"
