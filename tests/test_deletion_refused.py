"""Deleting a service, need, team or user that recorded work refers to is refused with the
reason and what to do instead: 409 in the API, a message in the admin; never a 500 or a list
of every protected row. Without recorded work, deleting still works."""

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from directory.models import Need, Service
from signposting.actions import create_referral, record_intake_outcome, record_path_event
from signposting.models import OutcomeEvent, Team

from .factories import make_service


@pytest.fixture
def recorded(personas, geography):
    """A service with two outcomes recorded against it, by the link worker's team."""
    service = make_service(service="Sutton befriending", needs="isolation;debt", postcode="SM1 1AA")
    referral = create_referral(
        referrer=personas["lw"], source="ward", home_postcode="SM2 6AA", needs=["isolation"],
        gp_area="E09000029", age=70,
    )  # fmt: skip
    record_intake_outcome(referral=referral, recorded_by=personas["lw"], kind="accepted")
    isolation = Need.objects.get(slug="isolation")
    for kind in ("referred", "accepted"):
        record_path_event(
            referral=referral, recorded_by=personas["lw"], need=isolation, kind=kind,
            service=service,
        )  # fmt: skip
    return service


def api_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_refuses_to_delete_a_service_with_outcomes(recorded, admin_user):
    response = api_for(admin_user).delete(f"/api/v1/services/{recorded.pk}/")
    assert response.status_code == 409
    assert response.json() == {
        "detail": "This service has 2 outcome events recorded, so it cannot be deleted: "
        "archive it instead."
    }
    assert Service.objects.filter(pk=recorded.pk).exists()
    assert OutcomeEvent.objects.count() == 3


def test_the_api_deletes_a_service_nothing_refers_to(recorded, admin_user):
    spare = make_service(service="Unused listing", external_id="X-1")
    assert api_for(admin_user).delete(f"/api/v1/services/{spare.pk}/").status_code == 204
    assert not Service.objects.filter(pk=spare.pk).exists()


def test_an_editor_without_the_delete_permission_still_gets_403(recorded, editor):
    assert api_for(editor).delete(f"/api/v1/services/{recorded.pk}/").status_code == 403


@pytest.mark.parametrize(
    ("url", "target", "message"),
    [
        (
            "/admin/directory/service/{pk}/delete/",
            lambda personas, service: service,
            "This service has 2 outcome events recorded, so it cannot be deleted: archive it "
            "instead.",
        ),
        (
            "/admin/directory/need/{pk}/delete/",
            lambda personas, service: Need.objects.get(slug="isolation"),
            "This need has 1 referral need and 2 outcome events recorded, so it cannot be "
            "deleted: keep it, and change its name or description if they are out of date.",
        ),
        (
            "/admin/signposting/team/{pk}/delete/",
            lambda personas, service: personas["lw"].membership.team,
            "This team has 3 memberships, 1 referral and 1 referral need recorded, so it cannot "
            "be deleted: rename it, or move its members to another team, instead.",
        ),
        (
            "/admin/auth/user/{pk}/delete/",
            lambda personas, service: personas["lw"],
            "This user has 1 referral and 3 outcome events recorded, so it cannot be deleted: "
            "make the account inactive instead (untick 'Active').",
        ),
    ],
)
def test_the_admin_refuses_with_the_reason(recorded, personas, admin_client, url, target, message):
    obj = target(personas, recorded)
    for method in (admin_client.get, admin_client.post):
        response = method(url.format(pk=obj.pk), {"post": "yes"}, follow=True)
        assert response.status_code == 200
        assert [str(m) for m in response.context["messages"]] == [message]
        assert response.redirect_chain[-1][0].endswith(f"/{obj.pk}/change/")
    assert type(obj)._base_manager.filter(pk=obj.pk).exists()
    assert OutcomeEvent.objects.count() == 3


def test_delete_selected_refuses_with_one_sentence(recorded, admin_client):
    spare = make_service(service="Unused listing", external_id="X-1")
    response = admin_client.post(
        "/admin/directory/service/",
        {"action": "delete_selected", "_selected_action": [recorded.pk, spare.pk], "post": "yes"},
    )
    assert response.status_code == 200
    assert response.context["protected"] == [
        "These services have 2 outcome events recorded, so they cannot be deleted: archive "
        "them instead."
    ]
    assert Service.objects.filter(pk__in=[recorded.pk, spare.pk]).count() == 2


def test_the_admin_still_deletes_a_team_and_a_user_nothing_refers_to(recorded, admin_client):
    team = Team.objects.create(name="Never used")
    user = User.objects.create_user("never.used")
    for url in (
        f"/admin/signposting/team/{team.pk}/delete/",
        f"/admin/auth/user/{user.pk}/delete/",
    ):
        assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not Team.objects.filter(pk=team.pk).exists()
    assert not User.objects.filter(pk=user.pk).exists()
