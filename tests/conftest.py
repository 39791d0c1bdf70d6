"""Shared fixtures: real ONS geography for a handful of boroughs, personas, the browser."""

import pytest

from directory.importers.geography import load_areas, load_postcodes
from directory.models import Need, Postcode
from directory.needs import load_needs

# Both sides of the South West London / Surrey Heartlands boundary.
TEST_LOCAL_AUTHORITIES = [
    "E09000029",  # Sutton (South West London)
    "E09000024",  # Merton (South West London)
    "E09000008",  # Croydon (South West London)
    "E07000208",  # Epsom and Ewell (Surrey Heartlands)
    "E07000211",  # Reigate and Banstead (Surrey Heartlands)
    # The rest of the demo directory's boroughs.
    "E09000021",  # Kingston upon Thames
    "E09000027",  # Richmond upon Thames
    "E09000032",  # Wandsworth
    "E07000210",  # Mole Valley
    "E07000207",  # Elmbridge
]


def ensure_geography() -> None:
    """Load the test boroughs' areas and postcodes unless they are already there."""
    if not Postcode.objects.filter(local_authority_id=TEST_LOCAL_AUTHORITIES[0]).exists():
        load_areas()
        load_postcodes(local_authorities=TEST_LOCAL_AUTHORITIES)
    if not Need.objects.exists():
        load_needs()


@pytest.fixture(scope="session", autouse=True)
def index_dir(tmp_path_factory):
    """The matching index's files go to this run's own temporary folder: parallel runs and CI
    clones never share one."""
    from django.conf import settings

    from signposting import index

    folder = tmp_path_factory.mktemp("index")
    settings.INDEX_DIR = folder
    index.forget_current()
    return folder


@pytest.fixture(scope="session", autouse=True)
def reports_page_worked_out_on_every_request():
    """Tests read the reports page after recording: it is not cached between requests here
    (tests/test_report_reading.py checks the cache itself)."""
    from django.conf import settings

    settings.REPORTS_PAGE_SECONDS = 0


@pytest.fixture(autouse=True)
def search_choices_read_afresh():
    """Each test reads the search form's needs and boroughs afresh. The process keeps them for
    a directory revision (directory.queries.search_choices), and a test may change a need
    without a new revision (an update() in a transaction rolled back at its end) that the next
    test's form must not offer. tests/test_search_choices.py checks the cache itself."""
    from directory import queries

    queries._search_choices = None


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        ensure_geography()


@pytest.fixture
def geography(db):
    """Real ONS postcodes for the test boroughs (reloaded after a transactional test)."""
    ensure_geography()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


def pytest_report_header(config):
    from django.conf import settings

    return f"database: {settings.DATABASES['default']['ENGINE']}"


@pytest.fixture
def editor(db):
    """A directory editor: may change services, nothing else."""
    from django.contrib.auth.models import Permission, User

    user = User.objects.create_user("eddie.editor", password="editor-pass-123")
    user.is_staff = True
    user.save()
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="directory",
            codename__in=[
                "add_service",
                "change_service",
                "view_service",
                "add_location",
                "change_location",
                "delete_location",
                "view_location",
                "add_schedule",
                "change_schedule",
                "delete_schedule",
                "view_schedule",
                "view_organisation",
                "view_area",
                "view_need",
            ],
        )
    )
    return user


@pytest.fixture
def personas(db, django_user_model):
    """A link worker, a teammate, a worker in another team, a clinician, a network lead."""
    from django.contrib.auth.models import Group

    from signposting.models import Membership, Team

    ensure_geography()
    epsom = Team.objects.create(name="Epsom and St Helier pain clinic", funding_area_id="QWE")
    sutton = Team.objects.create(name="Sutton PCN social prescribing", funding_area_id="E09000029")
    people = {}
    for username, role, team in [
        ("lw", "Link worker", epsom),
        ("teammate", "Link worker", epsom),
        ("clinician", "Clinician", epsom),
        ("outsider", "Link worker", sutton),
        ("lead", "Network lead", None),
    ]:
        user = django_user_model.objects.create_user(username, password=f"{username}-pass-123")
        user.groups.add(Group.objects.get(name=role))
        if team:
            Membership.objects.create(user=user, team=team)
        people[username] = user
    return people
