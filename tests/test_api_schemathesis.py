"""schemathesis, in-process, over the whole /api/v1/ for each role: no server error, and every
answer, errors included, is as the schema documents it (status, content type, body, headers),
with all of schemathesis's default checks.

A few examples per operation and mode (MAX_EXAMPLES), so the run stays within a minute or two.
"""

import pytest
import schemathesis
from django.contrib.auth.models import Group
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.auths import AuthStorage
from schemathesis.config import SchemathesisConfig

from config.wsgi import application
from directory.models import Area
from signposting.actions import create_referral

from .factories import make_service

MAX_EXAMPLES = 6
ROLES = ["link worker", "clinician", "lead", "editor", "admin"]


def credentials(user) -> dict[str, str]:
    """The headers that sign user in to the API: the one place that knows how tokens work."""
    from knox.models import AuthToken

    _, token = AuthToken.objects.create(user=user)
    return {"Authorization": f"Token {token}"}


@pytest.fixture
def users(personas, editor, django_user_model):
    editor.groups.add(Group.objects.get(name="Directory editor"))
    admin = django_user_model.objects.create_superuser("admin", password="admin-pass-123")
    admin.groups.add(Group.objects.get(name="Administrator"))
    return {
        "link worker": personas["lw"],
        "clinician": personas["clinician"],
        "lead": personas["lead"],
        "editor": editor,
        "admin": admin,
    }


@pytest.fixture
def existing(personas):
    """Real things for the path parameters, so that the positive examples reach the writes."""
    make_service(service="Sutton befriending", needs="isolation", postcode="SM1 1AA")
    referral = create_referral(
        referrer=personas["lw"], source="gp", home_postcode="SM2 6AA", needs=["isolation"]
    )
    return {
        "id": referral.pk,
        "referral_pk": referral.pk,
        "need": "isolation",
        "code": Area.objects.filter(code="E09000029").values_list("code", flat=True).first(),
        "slug": "isolation",
        "postcode": "SM1 1AA",
    }


# schemathesis's defaults, but one: a request can fit the schema and still be refused for what
# it says (a postcode that does not exist, an area code that is not one, a service that does not
# cover the need), a 400 the schema documents, not a fault.
CONFIG = {
    "checks": {
        "positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401", "403", "404"]}
    }
}


def operations():
    config = SchemathesisConfig.from_dict(CONFIG)
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=config)
    return [result.ok() for result in schema.get_all_operations()]


def signed_in(headers: dict[str, str]) -> AuthStorage:
    """schemathesis's own auth hook, so its checks know these credentials are real and can
    try the same request without them (ignored_auth)."""
    storage = AuthStorage()

    @storage.auth(refresh_interval=None)
    class Credentials:
        def get(self, case, context):
            return headers

        def set(self, case, data, context):
            case.headers = {**(case.headers or {}), **data}

    return storage


def run(operation, mode: GenerationMode, auth: AuthStorage, path_parameters: dict) -> None:
    known = {p.name for p in operation.path_parameters}
    fixed = {k: v for k, v in path_parameters.items() if k in known}
    strategy = operation.as_strategy(
        generation_mode=mode,
        auth_storage=auth,
        path_parameters=fixed if mode is GenerationMode.POSITIVE and fixed else None,
    )

    @given(case=strategy)
    @hypothesis_settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        case.call_and_validate()

    check()


@pytest.fixture
def connection_kept_open():
    """The test's database connection, open across requests as Django's test client keeps it
    (schemathesis calls the WSGI app, whose request_finished would close it: on PostgreSQL that
    ends the test's transaction)."""
    signal_pairs = [
        (request_started, close_old_connections),
        (request_finished, close_old_connections),
    ]
    for signal, receiver in signal_pairs:
        signal.disconnect(receiver)
    yield
    for signal, receiver in signal_pairs:
        signal.connect(receiver)


@pytest.mark.parametrize("role", ROLES)
def test_the_api_answers_each_role_as_its_schema_says(
    role, users, existing, settings, connection_kept_open
):
    settings.ALLOWED_HOSTS = ["*"]
    auth = signed_in(credentials(users[role]))
    failures = []
    for operation in operations():
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                run(operation, mode, auth, existing)
            except Unsatisfiable:
                continue  # no invalid value exists (any string is a valid path parameter)
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - reported together
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert failures == [], "\n\n".join(failures)


def test_every_operation_documents_its_errors_and_who_may_call_it(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operations = [
        (method.upper(), path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]
    assert len(operations) > 20
    for method, path, operation in operations:
        for status in ("400", "401", "403", "404", "405", "413", "415"):
            response = operation["responses"].get(status)
            assert response and "application/json" in response["content"], (method, path, status)
    by_label = {f"{m} {p}": o for m, p, o in operations}
    assert {} in by_label["GET /api/v1/services/"]["security"]  # anyone may read the directory
    assert {} not in by_label["POST /api/v1/services/"]["security"]
    assert {} not in by_label["GET /api/v1/referrals/"]["security"]
    assert "PATCH /api/v1/services/{id}/" not in by_label  # a service is sent whole, with PUT


def test_an_unknown_api_path_answers_json(client):
    response = client.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
