import os
import time

from django.core.management.base import BaseCommand, CommandError

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
            "--nice",
            type=int,
            default=0,
            choices=range(20),
            metavar="0-19",
            help="lower this process's CPU priority by this much first (a background build)",
        )

    def handle(self, *args, **options):
        if options["nice"]:
            os.nice(options["nice"])
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
