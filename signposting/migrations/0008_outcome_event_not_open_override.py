"""Why a referral was recorded to a service that was not open to the patient.

Two columns on outcome events: why the service was not open (as the search said when it was
recorded) and the team's reason for going ahead. Existing events get empty values.

SQLite adds a NOT NULL column by rebuilding the table, and a rebuilt table has no triggers:
the append-only triggers of 0002 (UPDATE) and 0007 (DELETE) are created again after the
columns are added, and again after they are removed on the way back. PostgreSQL adds columns
in place; its trigger stays.
"""

from django.db import migrations, models

TABLE = "signposting_outcomeevent"
MESSAGE = "outcome events are append-only: record a correction instead"
SQLITE_TRIGGERS = [
    "DROP TRIGGER IF EXISTS outcome_event_no_update",
    f"""CREATE TRIGGER outcome_event_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    "DROP TRIGGER IF EXISTS outcome_event_no_delete",
    f"""CREATE TRIGGER outcome_event_no_delete BEFORE DELETE ON {TABLE}
    WHEN NOT EXISTS (SELECT 1 FROM signposting_event_maintenance)
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",  # noqa: S608 - constants only
]


def restore_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_TRIGGERS:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("signposting", "0007_generated_marks_and_event_delete_guard")]

    operations = [
        # Backwards, this runs last: the table rebuilt by removing the columns gets its
        # triggers back.
        migrations.RunPython(migrations.RunPython.noop, restore_sqlite_triggers),
        migrations.AddField(
            model_name="outcomeevent",
            name="not_open",
            field=models.CharField(
                blank=True,
                default="",
                db_default="",
                choices=[
                    ("not_eligible", "Not open to this patient"),
                    ("closed", "Closed to new referrals"),
                ],
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="outcomeevent",
            name="override_reason",
            field=models.CharField(
                blank=True,
                default="",
                db_default="",
                choices=[
                    ("service_agreed", "The service agreed to take the patient"),
                    ("meets_criteria", "The patient meets the service's criteria after all"),
                    ("waiting_list", "To join the service's waiting list"),
                    ("no_alternative", "No open service meets this need"),
                    ("patient_choice", "The patient chose it, knowing it may not take them"),
                    ("other", "Other (say why in the note)"),
                ],
                max_length=24,
            ),
        ),
        migrations.RunPython(restore_sqlite_triggers, migrations.RunPython.noop),
    ]
