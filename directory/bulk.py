"""Insert many rows fast: COPY on PostgreSQL, the driver's executemany on SQLite."""

from django.db import connection

CHUNK = 20_000


def insert_rows(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert the rows in the current transaction, without building model instances."""
    if not rows:
        return
    names = ", ".join(columns)
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(
                f"COPY {table} ({names}) FROM STDIN"  # noqa: S608 - table and columns are ours
            ) as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['?'] * len(columns))})"  # noqa: S608
    connection.ensure_connection()
    for start in range(0, len(rows), CHUNK):
        connection.connection.executemany(sql, rows[start : start + CHUNK])


def reset_sequence(model) -> None:
    """After inserting explicit ids, move PostgreSQL's id sequence past them."""
    statements = connection.ops.sequence_reset_sql(_NoStyle(), [model])
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


class _NoStyle:
    def __getattr__(self, name):
        return lambda text: text
