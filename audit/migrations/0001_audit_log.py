"""The audit log, and database triggers that keep it append-only whatever path a change takes.

UPDATE is always refused. DELETE is refused unless the process has said, for this transaction
(PostgreSQL: the setting signpost.audit_deletable_before) or this connection (SQLite: the
function signpost_audit_deletable_before(), which audit.apps gives every Django connection),
that rows recorded before a moment may go; only audit.log.prune (rows past the retention
period) says so. A SQLite connection without the function, such as the sqlite3 shell, cannot
delete at all.

flush (a whole-database wipe, run by the test runner between transactional tests) must still
work: PostgreSQL's truncates, which row triggers do not see; on SQLite signposting's flush
command holds a row in signposting_event_maintenance for its own transaction (signposting
0007), and that lets this trigger by too.

A later migration that alters this table on SQLite rebuilds it without triggers: it must create
them again (as signposting 0004 does for outcome events).
"""

import django.utils.timezone
from django.db import migrations, models

TABLE = "audit_auditevent"
UPDATE_MESSAGE = "the audit log is append-only: rows cannot be changed"
DELETE_MESSAGE = "the audit log is append-only: old rows go only by prune_audit_log"
SQLITE = [
    f"""CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{UPDATE_MESSAGE}'); END""",
    f"""CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON {TABLE}
    WHEN NOT EXISTS (SELECT 1 FROM signposting_event_maintenance)
    AND (signpost_audit_deletable_before() IS NULL OR OLD.at >= signpost_audit_deletable_before())
    BEGIN SELECT RAISE(ABORT, '{DELETE_MESSAGE}'); END""",  # noqa: S608 - constants only
]
POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'DELETE' AND OLD.at < NULLIF(
          current_setting('signpost.audit_deletable_before', true), '')::timestamptz THEN
        RETURN OLD;
      END IF;
      IF TG_OP = 'DELETE' THEN RAISE EXCEPTION '{DELETE_MESSAGE}'; END IF;
      RAISE EXCEPTION '{UPDATE_MESSAGE}';
    END; $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
]
POSTGRES_REVERSE = [
    f"DROP TRIGGER IF EXISTS audit_event_no_change ON {TABLE}",
    "DROP FUNCTION IF EXISTS audit_refuse_change()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    initial = True

    # The table the SQLite delete trigger asks during a flush.
    dependencies = [("signposting", "0007_generated_marks_and_event_delete_guard")]

    operations = [
        migrations.CreateModel(
            name="AuditEvent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "at",
                    models.DateTimeField(
                        db_index=True, default=django.utils.timezone.now, editable=False
                    ),
                ),
                (
                    "action",
                    models.CharField(
                        choices=[
                            ("signed_in", "Signed in"),
                            ("sign_in_failed", "Sign-in failed"),
                            ("locked_out", "Locked out"),
                            ("signed_out", "Signed out"),
                            ("session_ended", "Session ended (12 hours)"),
                            ("password_changed", "Password changed"),
                            ("token_created", "API token created"),
                            ("token_used", "API token used"),
                            ("token_refused", "API token refused"),
                            ("token_revoked", "API token revoked"),
                            ("searched", "Searched for services"),
                            ("referrals_listed", "Listed referrals"),
                            ("referrals_exported", "Exported referrals"),
                            ("referral_created", "Created a referral"),
                            ("referral_viewed", "Viewed a referral"),
                            ("recorded", "Recorded on a referral"),
                            ("report_exported", "Exported a report"),
                        ],
                        db_index=True,
                        max_length=32,
                    ),
                ),
                ("user_id", models.IntegerField(blank=True, db_index=True, null=True)),
                ("username", models.CharField(blank=True, max_length=150)),
                ("referral_id", models.IntegerField(blank=True, db_index=True, null=True)),
                ("detail", models.CharField(blank=True, max_length=100)),
                ("method", models.CharField(blank=True, max_length=8)),
                ("path", models.CharField(blank=True, max_length=300)),
                ("ip_address", models.GenericIPAddressField(blank=True, null=True)),
            ],
            options={
                "ordering": ["-at", "-id"],
            },
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        ),
    ]
