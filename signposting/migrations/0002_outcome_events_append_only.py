"""Database triggers that refuse to change outcome events, whatever path the change takes.

UPDATE is refused on SQLite and PostgreSQL. DELETE is refused on PostgreSQL; on SQLite the ORM
refuses it (a trigger there would also block the test suite's table flush, which deletes rows,
whereas PostgreSQL's flush truncates and row triggers do not fire).
"""

from django.db import migrations

MESSAGE = "outcome events are append-only: record a correction instead"
SQLITE = [
    f"""CREATE TRIGGER outcome_event_no_update BEFORE UPDATE ON signposting_outcomeevent
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION signposting_refuse_outcome_change() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER outcome_event_no_change BEFORE UPDATE OR DELETE ON signposting_outcomeevent
    FOR EACH ROW EXECUTE FUNCTION signposting_refuse_outcome_change()""",
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS outcome_event_no_update"]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS outcome_event_no_change ON signposting_outcomeevent",
    "DROP FUNCTION IF EXISTS signposting_refuse_outcome_change()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("signposting", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        )
    ]
