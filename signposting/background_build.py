"""The process a serving process starts to build the matching index in the background:

    python -m signposting.background_build --lock-held FD [--idle]

runs `manage.py build_index` with these arguments. With --idle it first moves itself to the
lowest CPU priority, before Python loads Django: started through manage.py, the second of CPU
that loading takes ran at normal priority, and the server's searches were slower for the two
seconds after every directory edit (docs/benchmarks.md). So this module imports nothing of
Django, or of Signpost, before it has done so.
"""

import os
import sys


def lowest_priority() -> None:
    """Run this process only on CPU that nothing else wants (Linux's SCHED_IDLE, else the
    highest niceness)."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):  # not Linux, or not allowed
        os.nice(19)


def main(argv: list[str]) -> None:
    if "--idle" in argv:
        lowest_priority()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["manage.py", "build_index", *argv])


if __name__ == "__main__":
    main(sys.argv[1:])
