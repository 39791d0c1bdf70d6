from django.apps import AppConfig
from django.db.backends.signals import connection_created


def add_sqlite_functions(sender, connection, **kwargs):
    """Give each SQLite connection the function the audit log's delete trigger asks.

    A connection without it (the sqlite3 shell) cannot delete audit rows at all."""
    if connection.vendor == "sqlite":
        from audit.log import deletable_before

        connection.connection.create_function(
            "signpost_audit_deletable_before", 0, deletable_before
        )


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit log"

    def ready(self):
        connection_created.connect(add_sqlite_functions, dispatch_uid="audit-sqlite-functions")
