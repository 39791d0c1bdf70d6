import json
import random
import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from directory.actions import update_service
from directory.models import DirectoryRevision, Service


class Command(BaseCommand):
    help = (
        "The load test's directory editor: every --every seconds for --seconds, change one "
        "published service through directory.actions (which moves the directory revision) "
        "and write the time and the new revision to --log, one JSON line an edit."
    )

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=30.0)
        parser.add_argument("--seconds", type=float, default=120.0)
        parser.add_argument("--first-after", type=float, default=10.0)
        parser.add_argument("--log", required=True)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **options):
        rng = random.Random(options["seed"])
        ids = list(
            Service.objects.filter(status=Service.Status.PUBLISHED).values_list("id", flat=True)
        )
        started = time.time()
        next_at = started + options["first_after"]
        with open(options["log"], "w") as log:
            while next_at < started + options["seconds"]:
                time.sleep(max(0.0, next_at - time.time()))
                service = Service.objects.get(pk=rng.choice(ids))
                capacity = (
                    Service.Capacity.WAITING_LIST
                    if service.capacity == Service.Capacity.OPEN
                    else Service.Capacity.OPEN
                )
                began = time.time()
                update_service(service, capacity=capacity, last_reviewed=timezone.localdate())
                done = time.time()
                line = {
                    "at": done,
                    "took": round(done - began, 3),
                    "service": service.pk,
                    "revision": DirectoryRevision.current(),
                }
                log.write(json.dumps(line) + "\n")
                log.flush()
                next_at += options["every"]
