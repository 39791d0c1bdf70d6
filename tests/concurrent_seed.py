"""A referral, a service and two link workers with API tokens, for the concurrent-writes test.

`python -m tests.concurrent_seed` migrates and seeds the database DATABASE_URL names (a fresh
SQLite file) and prints what it made as JSON; on PostgreSQL the test calls seed() itself."""

import json
import os


def seed() -> dict:
    """Create the team, its two link workers (with tokens), a service and one referral."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from knox.models import AuthToken

    from directory.importers.geography import load_areas, load_postcodes
    from directory.models import Need, Postcode
    from directory.needs import load_needs
    from signposting.actions import create_referral
    from signposting.models import Membership, Team
    from tests.factories import make_service

    if not Postcode.objects.filter(local_authority_id="E09000029").exists():
        load_areas()
        load_postcodes(local_authorities=["E09000029"])
    if not Need.objects.exists():
        load_needs()
    service = make_service(service="Sutton befriending", needs="isolation;debt", postcode="SM1 1AA")
    team = Team.objects.create(name="Sutton PCN social prescribing", funding_area_id="E09000029")
    tokens = []
    for username in ("writer.one", "writer.two"):
        user = get_user_model().objects.create_user(username, password=f"{username}-pass-123")
        user.groups.add(Group.objects.get(name="Link worker"))
        Membership.objects.create(user=user, team=team)
        tokens.append(AuthToken.objects.create(user=user)[1])
    referral = create_referral(
        referrer=user, source="gp", home_postcode="SM2 6AA", needs=["isolation"],
        gp_area="E09000029", age=70,
    )  # fmt: skip
    return {"referral": referral.pk, "service": service.pk, "tokens": tokens}


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    print(json.dumps(seed()))
