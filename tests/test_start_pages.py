"""Each role starts where its work is: after signing in, and at the home page."""

import pytest
from django.contrib.auth.models import Group

from signposting.roles import start_page


@pytest.fixture
def people(personas, editor, django_user_model):
    admin = django_user_model.objects.create_user("admin", password="admin-pass-123")
    admin.is_staff = True
    admin.save()
    admin.groups.add(Group.objects.get(name="Administrator"))
    superuser = django_user_model.objects.create_superuser("root", password="root-pass-123")
    nobody = django_user_model.objects.create_user("nobody", password="nobody-pass-123")
    return {**personas, "editor": editor, "admin": admin, "root": superuser, "nobody": nobody}


STARTS = {
    "lw": "/search/",
    "clinician": "/search/",
    "lead": "/reports/",
    "editor": "/directory/review/",
    "admin": "/admin/",
    "root": "/admin/",
}


@pytest.mark.parametrize(("who", "where"), STARTS.items())
def test_signing_in_lands_each_role_where_its_work_is(client, people, who, where):
    password = "editor-pass-123" if who == "editor" else f"{who}-pass-123"
    username = people[who].username
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302
    landed = client.get(response["Location"])
    assert landed.status_code == 302
    assert landed["Location"] == where


@pytest.mark.parametrize(("who", "where"), STARTS.items())
def test_the_home_page_sends_a_signed_in_user_to_their_start(client, people, who, where):
    client.force_login(people[who])
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == where


def test_a_next_page_asked_for_wins(client, people):
    response = client.post(
        "/accounts/login/?next=/referrals/",
        {"username": "lead", "password": "lead-pass-123", "next": "/referrals/"},
    )
    assert response["Location"] == "/referrals/"


def test_anyone_else_sees_the_public_home_page(client, people):
    anonymous = client.get("/")
    assert anonymous.status_code == 200
    assert b"<h1" in anonymous.content
    client.force_login(people["nobody"])  # signed in, with no role: nowhere better to go
    assert start_page(people["nobody"]) is None
    assert client.get("/").status_code == 200
