import json
import os
import secrets
import time
from importlib import import_module
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from knox.models import AuthToken

from accounts.sessions import SIGNED_IN_AT
from directory.models import Area, Need, Postcode, Service
from directory.postcodes import PostcodeError, normalise_postcode
from signposting.models import Membership, Team

TEAM = "Load test link workers"


def signed_in_session(user) -> str:
    """A new server-side session signed in as this user, as the sign-in page leaves one (the
    load test's users start the run signed in: a sign-in's password hash, about 0.4 s of CPU by
    design, is not part of a working day's mix)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "accounts.backends.SignpostBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[SIGNED_IN_AT] = int(time.time())
    store.create()
    return store.session_key


def _searchable(postcode: str) -> bool:
    try:
        normalise_postcode(postcode)
    except PostcodeError:
        return False
    return True


class Command(BaseCommand):
    help = (
        "Create the load test's team, link workers (API tokens) and network lead, each with a "
        "new random password on every run, sign them in (a session each), and write their "
        "credentials and session keys with sample postcodes, needs and services to a file only "
        "its owner can read (for benchmarks/locustfile.py)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True)
        parser.add_argument("--link-workers", type=int, default=20)

    def handle(self, *args, **options):
        User = get_user_model()
        # The team and its lead work for one borough (Sutton, as the demo's PCN team): the
        # reports page's gap report then covers one borough, not a whole ICB.
        borough = Area.objects.filter(code="E09000029").first()
        team, _ = Team.objects.update_or_create(name=TEAM, defaults={"funding_area": borough})

        def user(username: str, role: str) -> tuple:
            person, _ = User.objects.get_or_create(username=username)
            password = secrets.token_urlsafe(18)
            person.set_password(password)
            person.save()
            person.groups.set([Group.objects.get(name=role)])
            return person, password

        workers = []
        for i in range(options["link_workers"]):
            person, _ = user(f"loadtest.worker{i + 1:02d}", "Link worker")
            Membership.objects.update_or_create(user=person, defaults={"team": team})
            # A knox token (hashed at rest; only this run's file holds the key). The earlier
            # runs' tokens go: each run makes new ones, as it makes new passwords.
            AuthToken.objects.filter(user=person).delete()
            _, key = AuthToken.objects.create(user=person)
            workers.append(
                {"username": person.username, "token": key, "session": signed_in_session(person)}
            )
        lead, lead_password = user("loadtest.lead", "Network lead")
        Membership.objects.update_or_create(user=lead, defaults={"team": team})
        for worker in workers:  # each simulated user also opens the reports as the lead
            worker["lead_session"] = signed_in_session(lead)
        postcodes = [
            (postcode, borough)
            for postcode, borough in Postcode.objects.filter(
                latitude__isnull=False, local_authority__isnull=False
            )
            .order_by("?")
            .values_list("postcode", "local_authority_id")[:2500]
            if _searchable(postcode)  # not the non-geographic ones (e.g. NPT 9BR)
        ][:2000]
        # The search page offers the boroughs of an ICB (England) as the GP's borough.
        with_icb = set(Area.objects.filter(icb__isnull=False).values_list("code", flat=True))
        postcodes = [(p, la if la in with_icb else None) for p, la in postcodes]
        services = list(
            Service.objects.filter(status=Service.Status.PUBLISHED)
            .order_by("?")
            .values_list("id", flat=True)[:2000]
        )
        data = {
            "link_workers": workers,
            "lead": {"username": lead.username, "password": lead_password},
            "postcodes": postcodes,
            "needs": list(Need.objects.order_by("slug").values_list("slug", flat=True)),
            "services": services,
        }
        out = Path(options["out"])
        out.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump(data, handle)
        self.stdout.write(
            f"{len(workers)} link workers and a lead in '{TEAM}'; credentials in {out}"
        )
