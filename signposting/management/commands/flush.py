"""Django's flush, which on SQLite lifts the guard on outcome events for the flush only.

Flush empties every table: the test runner calls it after each transactional test, and an
operator may call it to wipe a database before a restore. PostgreSQL's flush truncates, which
fires no row trigger; SQLite's deletes rows, which its append-only trigger refuses unless
signposting_event_maintenance holds a row (migration 0007). The row is written and removed
inside the flush's own transaction, so it is never committed and no other connection sees it.
"""

from django.core.management.commands import flush
from django.db import connections

UNLOCK = "INSERT INTO signposting_event_maintenance (flushing) VALUES (1)"
LOCK = "DELETE FROM signposting_event_maintenance"


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options["database"]]
        if connection.vendor != "sqlite":
            return super().handle(**options)
        execute = connection.ops.execute_sql_flush

        def execute_guarded(sql_list):
            execute([UNLOCK, *sql_list, LOCK] if sql_list else sql_list)

        # Django's flush calls connection.ops.execute_sql_flush (one transaction); wrap it for
        # this call only.
        connection.ops.execute_sql_flush = execute_guarded
        try:
            return super().handle(**options)
        finally:
            del connection.ops.execute_sql_flush
