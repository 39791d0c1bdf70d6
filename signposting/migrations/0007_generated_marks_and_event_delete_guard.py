"""Marks on the teams and users generators make; SQLite refuses to delete an outcome event.

PostgreSQL has refused DELETE on outcome events since 0002 (its flush truncates, which fires
no row trigger). On SQLite the test runner's flush deletes rows, so the trigger refuses unless
`signposting_event_maintenance` holds a row. Only the flush command (signposting's override of
Django's) writes that row, inside the flush's own transaction, and removes it before the
transaction commits; SQLite has one writer at a time, so no other connection ever sees it.
The table is not a model: Django's flush does not list it, and nothing else writes it.

A later migration that rebuilds signposting_outcomeevent on SQLite (as 0004 did) drops its
triggers and must create both again.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

TABLE = "signposting_outcomeevent"
MESSAGE = "outcome events are append-only: record a correction instead"
SQLITE = [
    "CREATE TABLE IF NOT EXISTS signposting_event_maintenance (flushing integer NOT NULL)",
    f"""CREATE TRIGGER outcome_event_no_delete BEFORE DELETE ON {TABLE}
    WHEN NOT EXISTS (SELECT 1 FROM signposting_event_maintenance)
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",  # noqa: S608 - constants only
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS outcome_event_no_delete",
    "DROP TABLE IF EXISTS signposting_event_maintenance",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("signposting", "0006_report_cube_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="GeneratedTeam",
            fields=[
                (
                    "team",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="generator_mark",
                        serialize=False,
                        to="signposting.team",
                    ),
                ),
                ("generator", models.CharField(max_length=40)),
            ],
        ),
        migrations.CreateModel(
            name="GeneratedUser",
            fields=[
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="generator_mark",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                ("generator", models.CharField(max_length=40)),
            ],
        ),
        migrations.RunPython(_run(SQLITE), _run(SQLITE_REVERSE)),
    ]
