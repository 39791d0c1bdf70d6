"""accounts.backends.SignpostBackend reads a user's permissions in one query, and they are
exactly Django's ModelBackend's: their own and their groups', all for a superuser, none for an
inactive user."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.backends import SignpostBackend


def _permission(codename):
    return Permission.objects.get(codename=codename)


@pytest.fixture
def users(db, django_user_model):
    leads = Group.objects.create(name="Leads (test)")
    leads.permissions.add(_permission("view_reports"), _permission("view_referral"))
    editors = Group.objects.create(name="Editors (test)")
    editors.permissions.add(_permission("change_service"), _permission("view_referral"))
    make = django_user_model.objects.create_user
    own = make("own")
    own.user_permissions.add(_permission("add_referral"))
    both = make("both")
    both.user_permissions.add(_permission("add_referral"), _permission("view_referral"))
    both.groups.add(leads, editors)
    grouped = make("grouped")
    grouped.groups.add(leads)
    inactive = make("inactive", is_active=False)
    inactive.groups.add(leads)
    return {
        "none": make("none"),
        "own": own,
        "both": both,
        "grouped": grouped,
        "inactive": inactive,
        "superuser": django_user_model.objects.create_superuser("root", password="x-pass-123"),
    }


@pytest.mark.parametrize("name", ["none", "own", "both", "grouped", "inactive", "superuser"])
def test_the_same_permissions_as_djangos_backend_in_one_query(users, django_user_model, name):
    expected = ModelBackend().get_all_permissions(django_user_model.objects.get(pk=users[name].pk))
    user = django_user_model.objects.get(pk=users[name].pk)
    with CaptureQueriesContext(connection) as queries:
        got = SignpostBackend().get_all_permissions(user)
        SignpostBackend().has_perm(user, "signposting.view_reports")  # kept for the request
    assert got == expected
    assert len(queries.captured_queries) == (0 if name == "inactive" else 1)
    if name == "both":
        assert got >= {"signposting.add_referral", "signposting.view_reports"}
        assert "directory.change_service" in got
    if name == "superuser":
        assert len(got) == Permission.objects.count()


def test_a_user_asks_one_query_for_every_check_on_a_page(users, django_user_model):
    user = django_user_model.objects.get(pk=users["both"].pk)
    with CaptureQueriesContext(connection) as queries:
        assert user.has_perm("signposting.view_reports")
        assert user.has_perm("directory.change_service")
        assert not user.has_perm("directory.delete_service")
        assert user.has_module_perms("signposting")
    assert len(queries.captured_queries) == 1


def test_no_permissions_for_an_anonymous_user_or_an_object(users, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    assert SignpostBackend().get_all_permissions(AnonymousUser()) == set()
    user = django_user_model.objects.get(pk=users["both"].pk)
    assert SignpostBackend().get_all_permissions(user, obj=user) == set()
    assert SignpostBackend().get_all_permissions(user) != set()


def test_many_members_of_shared_groups_each_get_their_own(users, django_user_model):
    """Each user's own permissions and their groups' only, however many share the groups."""
    leads = Group.objects.get(name="Leads (test)")
    others = django_user_model.objects.bulk_create(
        [django_user_model(username=f"member{i}") for i in range(40)]
    )
    leads.user_set.add(*others)
    for i, other in enumerate(others[:20]):
        other.user_permissions.add(_permission("delete_service" if i % 2 else "add_service"))
    user = django_user_model.objects.get(pk=users["grouped"].pk)
    assert SignpostBackend().get_all_permissions(user) == ModelBackend().get_all_permissions(
        django_user_model.objects.get(pk=user.pk)
    )
    assert "directory.add_service" not in SignpostBackend().get_all_permissions(user)
    member = django_user_model.objects.get(pk=others[1].pk)
    assert SignpostBackend().get_all_permissions(member) == {
        "directory.delete_service", "signposting.view_reports", "signposting.view_referral",
    }  # fmt: skip
