"""Queries by a list of ids whose SQL the ORM writes once, not for every request.

A search shows fifty services and reads, for those fifty only, their display fields, areas
served, nearest addresses and openings: queries by id. Every page reads the user's permissions,
and a search page the user's team: a query by one id each. Through the ORM, building such a
query (its filter, joins and SQL) cost more than the database took to answer it: 1.8 ms against
0.7 for fifty services' display fields at 200,000 services on SQLite. A `ByIds` has the ORM
write the SQL once per thread and count of ids (rounded up: see bucket(); the list padded by
repeating its first id), then runs that SQL with the ids given, and hands the rows back to the
ORM's compiler to convert as it converts its own (a UUID or JSON on SQLite, say). The queryset
stays the one description of the query: tests require each one's rows from both
(tests/test_by_ids.py).
"""

import operator
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.query import ValuesListIterable
from django.db.models.sql.compiler import SQLCompiler

# Counts of ids share one SQL text: one id its own; then each multiple of BUCKET up to
# BUCKET * 4 (a page of fifty results: four texts); then each power of two (a match API's
# limit of 500: three more).
BUCKET = 16


def bucket(count: int) -> int:
    """Return the count of ids the SQL for `count` ids is written for."""
    if count == 1:
        return 1
    if count <= BUCKET * 4:
        return -(-count // BUCKET) * BUCKET
    return 1 << (count - 1).bit_length()


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    slots: tuple[tuple[int, int], ...]  # (position in params, index in the padded ids)
    compiler: SQLCompiler  # this thread's: it converts with this thread's connection


class ByIds:
    """A values_list query (of tuples) filtered by a list of ids, its SQL written once per
    thread and bucket of counts. `build(ids)` returns the queryset for those ids: each id must
    be a parameter of its own (an `__in` filter makes it one; a union of two such filters uses
    it twice). A query whose SQL or other parameters change with the ids is refused."""

    def __init__(self, build: Callable[[Sequence[int]], QuerySet]):
        self._build = build
        self._local = threading.local()

    def rows(self, ids: Sequence[int]) -> list[tuple]:
        """Return the queryset's rows for these ids, as its values_list would."""
        ids = [operator.index(i) for i in ids]  # numpy's integers too; never text
        if not ids:
            return []
        size = bucket(len(ids))
        compiled = self._compiled(size)
        padded = ids + [ids[0]] * (size - len(ids))
        params = list(compiled.params)
        for position, index in compiled.slots:
            params[position] = padded[index]
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        return list(compiled.compiler.results_iter(results=[rows], tuple_expected=True))

    def _compiled(self, size: int) -> _Compiled:
        cache = getattr(self._local, "cache", None)
        if cache is None:
            cache = self._local.cache = {}
        key = (connections[DEFAULT_DB_ALIAS].vendor, size)
        compiled = cache.get(key)
        if compiled is None:
            compiled = cache[key] = self._compile(size)
        return compiled

    def _compile(self, size: int) -> _Compiled:
        # Negative ids stand in for the real ones (no row has one): each shows where its id
        # goes in the parameters. A second set must change those places and nothing else.
        first, compiler = self._sql([-1 - i for i in range(size)])
        second, _ = self._sql([-1 - size - i for i in range(size)])
        sql, params = first
        slots = tuple(
            (position, -1 - value)
            for position, value in enumerate(params)
            if type(value) is int and -size <= value < 0
        )
        expected = list(params)
        for position, index in slots:
            expected[position] = -1 - size - index
        if (
            {index for _, index in slots} != set(range(size))
            or second[0] != sql
            or list(second[1]) != expected
        ):
            raise ValueError("ByIds needs a query that takes each id as a parameter, and no other")
        return _Compiled(sql, tuple(params), slots, compiler)

    def _sql(self, stand_ins: list[int]) -> tuple[tuple[str, tuple], SQLCompiler]:
        queryset = self._build(stand_ins)
        query = queryset.query
        if queryset._iterable_class is not ValuesListIterable:
            raise ValueError("ByIds takes a values_list of tuples (not flat, named or models)")
        if any(
            q.annotation_select or q.extra_select or q.distinct
            for q in (query, *query.combined_queries)
        ):
            raise ValueError("ByIds takes fields, without annotations or distinct")
        compiler = query.get_compiler(connection=connections[DEFAULT_DB_ALIAS])
        sql, params = compiler.as_sql()
        if compiler.has_extra_select:
            raise ValueError("ByIds takes a query that selects only its fields")
        return (sql, tuple(params)), compiler
