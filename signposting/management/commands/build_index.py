import time

from django.core.management.base import BaseCommand, CommandError

from signposting.background_build import lowest_priority
from signposting.index import store


class Command(BaseCommand):
    help = (
        "Build the matching index file for the directory as it is now (a release step, or "
        "before starting the server, so that no request builds it). Waits for a build already "
        "under way."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--lock-held",
            type=int,
            help="the build lock's descriptor, held by the serving process that started this",
        )
        parser.add_argument(
            "--idle",
            action="store_true",
            help="run only on CPU that nothing else wants (Linux's SCHED_IDLE, else niceness "
            "19): a background build beside the server's requests",
        )

    def handle(self, *args, **options):
        if options["idle"]:
            lowest_priority()
        where = store()
        started = time.perf_counter()
        if options["lock_held"] is not None:
            revision = where.build()
        else:
            lock = where.try_lock(blocking=True)
            try:
                revision = where.build()
            finally:
                where.unlock(lock)
        index = where.open(revision)
        if index is None:
            raise CommandError("the index was built but cannot be read back")
        self.stdout.write(
            f"index {index.path}: {index.size} services, revision {revision}, "
            f"{time.perf_counter() - started:.2f} s"
        )
