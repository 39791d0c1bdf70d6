"""A column index of the published directory, built once per directory revision and shared.

Matching at national scale needs the whole published directory at hand: posting lists per need,
per area served and per eligible area, locations sorted by latitude for a box search, and
columns for the filters (delivery modes, open days, free). These are numpy arrays only, no
Python object per service, written once per directory revision to one file under
settings.INDEX_DIR (a folder per database) and mapped read-only by every process on the host,
so the pages are shared: the memory a process adds is the little it decodes (needs, the
distinct eligibility criteria, the posting keys). Display fields (names, organisation, contact
details, addresses) are not in it: matching reads them from the database for the rows it
returns.

A request never waits for a rebuild. When the directory revision moves, a process keeps
answering from the index it has (or, freshly started, from the newest complete file on disk)
while one process, the one that takes the build lock (fcntl.flock, non-blocking), builds the new
file in a background thread; every process switches at its first request after the file is
complete (the build runs in a child process, so its memory is returned when it exits).
Files are written under a temporary name, synced and renamed; a manifest beside each
names its revision, size and SHA-256, and is written last, so a file without a manifest, or
whose bytes do not match it, is ignored (and rebuilt). The only wait is in a process that finds
no complete file at all (a fresh host): it builds, or waits for the process building, once.

Writes (recording a referral, editing the directory) never read the index.
"""

import datetime as dt
import fcntl
import hashlib
import json
import logging
import math
import mmap
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import nullcontext
from itertools import chain, repeat
from operator import itemgetter
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import CharField, ExpressionWrapper, F, IntegerField, Value
from django.db.models.functions import Cast, Coalesce

from directory.listing import day_bit
from directory.models import (
    Area,
    DirectoryRevision,
    Location,
    Need,
    Schedule,
    Service,
    Source,
)
from eligibility.engine import AreaRef, Criteria

log = logging.getLogger(__name__)

CAPACITY_CLOSED = Service.Capacity.CLOSED.value
CAPACITIES = list(Service.Capacity.values)
MODE_BITS = {"in_person": 1, "phone": 2, "online": 4, "home_visit": 8}
# A service's flags, read as the bits of one number (the delivery modes' bits are MODE_BITS).
FLAG_BITS = {
    "in_person": MODE_BITS["in_person"], "by_phone": MODE_BITS["phone"],
    "online": MODE_BITS["online"], "home_visit": MODE_BITS["home_visit"],
    "eligible_if_lives": 16, "eligible_if_works": 32, "eligible_if_gp": 64,
    "serves_nationally": 128, "is_free": 256, "eligibility_published": 512,
}  # fmt: skip
MODE_MASK = 15
VIA_SHIFT = 4
# How a patient may be connected to an eligible area: the flags' bits shifted by VIA_SHIFT.
VIA_BITS = (("lives", 1), ("works", 2), ("gp", 4))
EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()  # numpy counts days from 1970-01-01

MAGIC = b"SIGNIDX1"
# The file's layout, in its manifest: a file of another layout (left by an earlier release for
# the same revision) is rebuilt, never read. 2: criteria in their own arrays, decoded when used.
FORMAT = 2
ALIGN = 64
KEEP_FILES = 3  # complete files kept per database: the newest few, for processes still on them


class Postings(Mapping):
    """Posting lists (sorted service positions) by key, over two shared arrays (CSR)."""

    def __init__(self, keys: list, offsets: np.ndarray, values: np.ndarray):
        self._at = {key: i for i, key in enumerate(keys)}
        self._offsets = offsets
        self._values = values

    def __getitem__(self, key) -> np.ndarray:
        i = self._at[key]
        return self._values[self._offsets[i] : self._offsets[i + 1]]

    def __iter__(self) -> Iterator:
        return iter(self._at)

    def __len__(self) -> int:
        return len(self._at)


class CriteriaTable(Sequence):
    """The distinct eligibility criteria, by key: each stored as its own JSON in the file and
    decoded when a search first needs it. Opening a new revision then costs a few
    milliseconds instead of decoding thousands of criteria that most processes never use."""

    def __init__(self, data: np.ndarray, offsets: np.ndarray):
        self._data = data
        self._offsets = offsets
        self._decoded: dict[int, Criteria] = {}

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, key):
        if isinstance(key, slice):
            return [self[i] for i in range(*key.indices(len(self)))]
        key = int(key)
        found = self._decoded.get(key)
        if found is None:
            if not 0 <= key < len(self):
                raise IndexError(key)
            start, end = int(self._offsets[key]), int(self._offsets[key + 1])
            c = json.loads(self._data[start:end].tobytes())
            found = Criteria(
                areas=tuple(AreaRef(code, name) for code, name in c["areas"]),
                via=frozenset(c["via"]),
                min_age=c["min_age"],
                max_age=c["max_age"],
                only_for=tuple(c["only_for"]),
                areas_published=c["published"],
                source_name=c["source"],
            )
            self._decoded[key] = found  # two threads may decode one key: the same value
        return found


class DirectoryIndex:
    """One revision's index, mapped read-only from its file."""

    def __init__(self, path: Path, manifest: dict):
        self.path = path
        self.revision = manifest["revision"]
        self.build_seconds = manifest.get("build_seconds")
        self.built_at = float(manifest.get("built_at", 0))
        with open(path, "rb") as handle:
            self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            self.inode = os.fstat(handle.fileno()).st_ino
        buffer = self._map
        if buffer[:8] != MAGIC:
            raise IndexFileError(f"{path.name}: not an index file")
        header_size = int.from_bytes(buffer[8:16], "little")
        meta = json.loads(bytes(buffer[16 : 16 + header_size]))
        for name, (dtype, count, offset) in meta["arrays"].items():
            array = np.frombuffer(buffer, dtype=np.dtype(dtype), count=count, offset=offset)
            setattr(self, name, array)
        self.size = int(meta["size"])
        self.need_names = {need_id: name for need_id, _, name, _ in meta["needs"]}
        self.need_slugs = {need_id: slug for need_id, slug, _, _ in meta["needs"]}
        self.need_aliases = {}
        for need_id, _, _, aliases in meta["needs"]:
            for alias in aliases:
                self.need_aliases.setdefault(alias, need_id)
        self.criteria = CriteriaTable(self.criteria_json, self.criteria_offsets)
        self.need_postings = Postings(meta["need_keys"], self.need_offsets, self.need_values)
        self.area_postings = Postings(meta["area_keys"], self.area_offsets, self.area_values)
        self.eligible_postings = Postings(
            meta["eligible_keys"], self.eligible_offsets, self.eligible_values
        )

    def __len__(self) -> int:
        return self.size

    def __repr__(self) -> str:
        return f"<DirectoryIndex {self.revision} {self.size} services {self.path.name}>"

    def positions_near(self, lat: float, lon: float, box) -> np.ndarray:
        """Location rows inside the (min_lat, max_lat, min_lon, max_lon) box."""
        min_lat, max_lat, min_lon, max_lon = box
        lo, hi = np.searchsorted(self.lat_sorted, [min_lat, max_lat], side="left")
        rows = self.lat_order[lo:hi]
        lons = self.loc_lon[rows]
        return rows[(lons >= min_lon) & (lons <= max_lon)]

    def position_of(self, service_id: int) -> int | None:
        at = int(np.searchsorted(self.ids, service_id))
        return at if at < self.size and int(self.ids[at]) == service_id else None


class IndexFileError(ValueError):
    """An index file that is missing, half-written or does not match its manifest."""


# Building ------------------------------------------------------------------------------------


def _raw(queryset) -> list[tuple]:
    """The queryset's rows as the database driver gives them, without Django's per-value
    converters (booleans may be 0/1, dates and JSON text on SQLite): a third of the time."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _column(rows: list[tuple], i: int) -> list:
    """The i-th value of each row: a column (faster, here, than transposing with zip(*rows))."""
    return list(map(itemgetter(i), rows))


def _integers(rows: list[tuple], i: int) -> np.ndarray:
    """The i-th value of each row, integers, as an int64 array."""
    return np.fromiter(map(itemgetter(i), rows), np.int64, len(rows))


def _pairs(rows: list[tuple]) -> np.ndarray:
    """Rows of two integers as an (n, 2) int64 array."""
    return np.fromiter(chain.from_iterable(rows), np.int64, 2 * len(rows)).reshape(-1, 2)


def _csr(positions: np.ndarray, keys: np.ndarray, key_count: int):
    """Posting lists as offsets and values: unique positions per key, sorted."""
    if len(positions):
        stride = int(positions.max()) + 1
        pairs = np.sort(keys.astype(np.int64) * stride + positions.astype(np.int64))
        pairs = pairs[np.concatenate([[True], pairs[1:] != pairs[:-1]])]  # unique, sorted
        keys, positions = pairs // stride, pairs % stride
    counts = np.bincount(keys, minlength=key_count) if len(keys) else np.zeros(key_count, int)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return offsets, positions.astype(np.int32)


def _positions(ids: np.ndarray, service_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index positions of these service ids, and which of them are in the index."""
    if not len(ids) or not len(service_ids):
        return np.zeros(len(service_ids), np.int64), np.zeros(len(service_ids), bool)
    at = np.minimum(np.searchsorted(ids, service_ids), len(ids) - 1)
    return at, ids[at] == service_ids


def _area_pairs(through, ids):
    """A many-to-many table of services and areas: (the area codes, sorted; the index
    position of each pair's service; the number of each pair's area code)."""
    rows = _raw(through.objects.order_by().values_list("service_id", "area_id"))
    sids, codes = _integers(rows, 0), _column(rows, 1)
    del rows
    distinct = sorted(set(codes))
    number = dict(zip(distinct, range(len(distinct)), strict=True))
    keys = np.fromiter(map(number.__getitem__, codes), np.int64, len(codes))
    at, known = _positions(ids, sids)
    return distinct, at[known], keys[known]


def _bits(fields: dict[str, int]):
    """The sum of these boolean fields' bits, a field not known (null) counting as false."""
    terms = [
        Coalesce(Cast(field, IntegerField()), Value(0)) * Value(bit)
        for field, bit in fields.items()
    ]
    return ExpressionWrapper(sum(terms[1:], terms[0]), output_field=IntegerField())


def _ordinals(values) -> np.ndarray:
    """Dates, as ISO text or date objects, as their ordinals (date.toordinal()); 0 for none."""
    days = np.array(values, dtype="datetime64[D]").reshape(-1)
    ordinals = days.astype(np.int64) + EPOCH_ORDINAL
    return np.where(np.isnat(days), 0, ordinals).astype(np.int32)


def _interned(values) -> tuple[list, np.ndarray]:
    """Distinct values in order of first appearance, and each value's number among them."""
    number = dict.fromkeys(values)
    for i, value in enumerate(number):
        number[value] = i
    return list(number), np.fromiter(map(number.__getitem__, values), np.int64, len(values))


def _distinct_rows(columns: list[np.ndarray], n: int):
    """np.unique of the rows these columns of small integers (-1 and up) make: the distinct
    rows, the index of each one's first row, and each row's number among them. The columns
    are packed into one integer a row when they fit in 63 bits, which is ten times faster."""
    if not n:
        empty = np.zeros(0, np.int64)
        return np.zeros((0, len(columns)), np.int64), empty, empty
    table = np.stack(columns).T + 1  # -1 (none) becomes 0
    radices = [int(column.max()) + 1 for column in table.T]
    if math.prod(radices) >= 2**63:
        distinct, first, inverse = np.unique(table, axis=0, return_index=True, return_inverse=True)
        return distinct - 1, first, inverse.reshape(-1)
    packed = np.zeros(n, np.int64)
    for column, radix in zip(table.T, radices, strict=True):
        packed = packed * radix + column
    _, first, inverse = np.unique(packed, return_index=True, return_inverse=True)
    return table[first] - 1, first, inverse.reshape(-1)


def _intern_criteria(n, *, eligible, via, min_ages, max_ages, only_fors, published, source_ids,
                     area_names) -> tuple[list[dict], np.ndarray]:  # fmt: skip
    """The distinct eligibility criteria, and each service's number among them.

    Services share few distinct criteria. Each service's raw values become a row of small
    integers, numpy finds the distinct rows, and only those are turned into criteria and
    merged by what they mean (a JSON null and an empty list of groups, say), numbered in
    order of first appearance."""
    codes, at, keys = eligible
    # Each service's eligible areas as one number: 0 for none, 1 + the code's number for
    # one area, and past those a number per distinct set of two or more.
    pairs = np.lexsort((keys, at))
    at, keys = at[pairs], keys[pairs]
    counts = np.bincount(at, minlength=n)
    area_set = np.zeros(n, np.int64)
    single = counts[at] == 1
    area_set[at[single]] = keys[single] + 1
    sets: list[tuple[str, ...]] = [(), *((code,) for code in codes)]
    several = np.flatnonzero(counts > 1)
    if len(several):
        starts = np.concatenate([[0], np.cumsum(counts)])
        set_number: dict[bytes, int] = {}
        for position in several.tolist():
            members = keys[starts[position] : starts[position + 1]]
            number = set_number.get(key := members.tobytes())
            if number is None:
                number = set_number[key] = len(sets)
                sets.append(tuple(codes[k] for k in members.tolist()))
            area_set[position] = number
    try:  # JSON text (Django reads jsonb as text on PostgreSQL too)
        groups, group_key = _interned(only_fors)
    except TypeError:  # lists, should a driver decode the JSON: as text, equal lists one value
        groups, group_key = _interned([v if v is None else json.dumps(v) for v in only_fors])
    sources, source_key = _interned(source_ids)
    # Ages not given (None, as NaN) become -1.
    ages = [np.nan_to_num(np.array(column, np.float64), nan=-1).astype(np.int64)
            for column in (min_ages, max_ages)]  # fmt: skip
    distinct, first, inverse = _distinct_rows(
        [area_set, via.astype(np.int64), *ages, group_key, published.astype(np.int64),
         source_key],
        n,
    )  # fmt: skip
    order = np.argsort(first, kind="stable")  # in order of first appearance
    source_names = dict(Source.objects.filter(pk__in=sources).values_list("pk", "name"))
    criteria: list[dict] = []
    meaning_number: dict[tuple, int] = {}
    number_of_row = np.zeros(len(distinct), np.int32)
    for row in order.tolist():
        area_number, via_bits, min_age, max_age, group, public, source = distinct[row].tolist()
        areas = sets[area_number]
        via_names = tuple(name for name, bit in VIA_BITS if via_bits & bit)
        group_text = groups[group]
        group_list = tuple((json.loads(group_text) if group_text else None) or ())
        # Who did not publish the eligibility matters only when it is not published.
        unpublished_by = None if public else source_names.get(sources[source], "")
        min_age = None if min_age < 0 else min_age
        max_age = None if max_age < 0 else max_age
        meaning = (areas, via_names, min_age, max_age, group_list, unpublished_by)
        number = meaning_number.get(meaning)
        if number is None:
            number = meaning_number[meaning] = len(criteria)
            criteria.append(
                {
                    "areas": [[code, area_names.get(code, code)] for code in areas],
                    "via": list(via_names),
                    "min_age": min_age,
                    "max_age": max_age,
                    "only_for": list(group_list),
                    "published": bool(public),
                    "source": unpublished_by or None,
                }
            )
        number_of_row[row] = number
    return criteria, number_of_row[inverse]


def build_columns() -> tuple[str, dict, dict[str, np.ndarray]]:
    """Read the published directory in a few bulk queries: (revision, meta, arrays).

    On PostgreSQL in one transaction (a consistent snapshot that blocks no writer). On SQLite
    each query is its own read, since a read transaction held for the whole build would hold
    writers back: a change made during the build then moves the revision again, and the next
    build picks it up."""
    snapshot = transaction.atomic() if connection.vendor == "postgresql" else nullcontext()
    with snapshot:
        revision = DirectoryRevision.current()
        needs = [
            [
                need.pk,
                need.slug,
                need.name,
                [a.strip().lower() for a in [need.slug, need.name, *need.synonym_list]],
            ]
            for need in Need.objects.order_by("pk")
        ]
        area_names = {
            code: Area(name=name, kind=kind).short_name
            for code, name, kind in Area.objects.values_list("code", "name", "kind")
        }
        rows = _raw(
            Service.objects.filter(status=Service.Status.PUBLISHED)
            .order_by("id")
            .annotate(
                # On SQLite the date as text, which SQLite's driver would otherwise parse in
                # Python (numpy does). PostgreSQL's driver gives dates, in C; its text would
                # follow the server's DateStyle.
                reviewed_text=Cast("last_reviewed", CharField())
                if connection.vendor == "sqlite"
                else F("last_reviewed"),
                # The ten flags as the bits of one number: a column less costs each row time.
                flags=_bits(FLAG_BITS),
            )
            .values_list(
                "id", "capacity", "flags", "min_age", "max_age", "only_for", "reviewed_text",
                "source_id",
            )
        )  # fmt: skip
        n = len(rows)
        ids, flags = _integers(rows, 0), _integers(rows, 2)
        capacities, min_ages, max_ages, only_fors, reviewed_on, source_ids = (
            _column(rows, i) for i in (1, 3, 4, 5, 6, 7)
        )
        del rows
        eligible_codes, eligible_at, eligible_keys = _area_pairs(
            Service.eligible_areas.through, ids
        )
        capacity_number = {c: i for i, c in enumerate(CAPACITIES)}
        capacity = np.fromiter(map(capacity_number.get, capacities, repeat(0)), np.uint8, n)
        mode_bits = (flags & MODE_MASK).astype(np.uint8)
        reviewed = _ordinals(reviewed_on)
        # Free means recorded as free: a cost not known is not free.
        free = (flags & FLAG_BITS["is_free"]) != 0
        national = (flags & FLAG_BITS["serves_nationally"]) != 0
        criteria, criteria_key = _intern_criteria(
            n,
            eligible=(eligible_codes, eligible_at, eligible_keys),
            via=(flags >> VIA_SHIFT) & 7,
            min_ages=min_ages,
            max_ages=max_ages,
            only_fors=only_fors,
            published=(flags & FLAG_BITS["eligibility_published"]) != 0,
            source_ids=source_ids,
            area_names=area_names,
        )

        need_rows = _pairs(
            _raw(Service.needs.through.objects.order_by().values_list("service_id", "need_id"))
        )
        need_ids = sorted({need[0] for need in needs})
        need_number = np.searchsorted(np.array(need_ids, np.int64), need_rows[:, 1])
        at, known = _positions(ids, need_rows[:, 0])
        known &= need_number < len(need_ids)
        need_offsets, need_values = _csr(at[known], need_number[known], len(need_ids))
        del need_rows

        served_codes, served_at, served_keys = _area_pairs(Service.areas_served.through, ids)
        area_offsets, area_values = _csr(served_at, served_keys, len(served_codes))
        eligible_offsets, eligible_values = _csr(eligible_at, eligible_keys, len(eligible_codes))

        # The weekdays each service opens on, a bit a day (directory.listing.day_bit); a
        # by-appointment schedule opens on no day.
        open_days = np.zeros(n, dtype=np.uint8)
        opening = _pairs(
            _raw(
                Schedule.objects.filter(by_appointment=False)
                .order_by()
                .values_list("service_id", "weekday")
            )
        )
        at, known = _positions(ids, opening[:, 0])
        bits = np.array([0, *(day_bit(day) for day in range(1, 8))], dtype=np.uint8)
        np.bitwise_or.at(open_days, at[known], bits[opening[known, 1]])

        # Locations, grouped by service position (for distances) ...
        located = _raw(
            Location.objects.filter(latitude__isnull=False)
            .order_by()
            .values_list("id", "service_id", "latitude", "longitude")
        )
    # One conversion in C: ids are exact as float64 (below 2**53).
    table = np.fromiter(chain.from_iterable(located), np.float64, 4 * len(located)).reshape(-1, 4)
    del located
    loc_ids, loc_sids = table[:, 0].astype(np.int64), table[:, 1].astype(np.int64)
    loc_coords = table[:, 2:]
    at, known = _positions(ids, loc_sids)
    order = np.lexsort((loc_ids[known], at[known]))
    loc_service = at[known][order].astype(np.int32)
    loc_id = loc_ids[known][order]
    loc_lat = loc_coords[known, 0][order]
    loc_lon = loc_coords[known, 1][order]
    loc_count = np.bincount(loc_service, minlength=n).astype(np.int32)
    loc_start = (np.cumsum(loc_count) - loc_count).astype(np.int64)
    # ... and sorted by latitude (for the box search around a patient).
    lat_order = np.argsort(loc_lat, kind="stable").astype(np.int32)
    criteria_json = [json.dumps(c, separators=(",", ":")).encode() for c in criteria]
    arrays = {
        "ids": ids,
        "capacity": capacity,
        "closed": capacity == CAPACITIES.index(CAPACITY_CLOSED),
        "reviewed": reviewed,
        "criteria_key": criteria_key,
        "mode_bits": mode_bits,
        "free": free,
        "open_days": open_days,
        "national": np.flatnonzero(national).astype(np.int32),
        "need_offsets": need_offsets,
        "need_values": need_values,
        "area_offsets": area_offsets,
        "area_values": area_values,
        "eligible_offsets": eligible_offsets,
        "eligible_values": eligible_values,
        "loc_service": loc_service,
        "loc_id": loc_id,
        "loc_lat": loc_lat,
        "loc_lon": loc_lon,
        "loc_count": loc_count,
        "loc_start": loc_start,
        "lat_order": lat_order,
        "lat_sorted": loc_lat[lat_order],
        "criteria_json": np.frombuffer(b"".join(criteria_json), dtype=np.uint8),
        "criteria_offsets": np.cumsum([0, *map(len, criteria_json)], dtype=np.int64),
    }
    meta = {
        "revision": revision,
        "size": n,
        "needs": needs,
        "criteria_count": len(criteria),
        "need_keys": need_ids,
        "area_keys": served_codes,
        "eligible_keys": eligible_codes,
    }
    return revision, meta, arrays


def _encode(meta: dict, arrays: dict[str, np.ndarray]) -> list[bytes]:
    """The file's bytes: magic, header length, JSON header, then each array 64-byte aligned."""
    placed, offset = {}, 0
    for name, array in arrays.items():
        placed[name] = (offset, array)
        offset += -(-array.nbytes // ALIGN) * ALIGN
    layout = {}
    header = b""
    for _ in range(3):  # the header's length moves the arrays' offsets: settle it
        start = -(-(16 + len(header)) // ALIGN) * ALIGN
        layout = {
            name: [array.dtype.str, int(array.size), start + at]
            for name, (at, array) in placed.items()
        }
        header = json.dumps({**meta, "arrays": layout}, separators=(",", ":")).encode()
    start = -(-(16 + len(header)) // ALIGN) * ALIGN
    parts = [MAGIC, len(header).to_bytes(8, "little"), header, b"\0" * (start - 16 - len(header))]
    for _name, (_at, array) in placed.items():
        data = np.ascontiguousarray(array).tobytes()
        parts.append(data)
        parts.append(b"\0" * (-(-len(data) // ALIGN) * ALIGN - len(data)))
    return parts


# The store: files on disk, the lock, which file is complete ---------------------------------


def _safe(revision: str) -> str:
    return re.sub(r"[^A-Za-z0-9-]", "_", revision) or "none"


class IndexStore:
    """The folder of index files for one database."""

    def __init__(self, folder: Path):
        self.folder = folder

    def data_path(self, revision: str) -> Path:
        return self.folder / f"index-{_safe(revision)}.bin"

    def manifest_path(self, revision: str) -> Path:
        return self.folder / f"index-{_safe(revision)}.json"

    @property
    def lock_path(self) -> Path:
        return self.folder / "build.lock"

    def _ensure(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)

    def read_manifest(self, path: Path) -> dict | None:
        try:
            manifest = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        return manifest if isinstance(manifest, dict) and "revision" in manifest else None

    def verify(self, manifest: dict) -> Path:
        """The data file if its layout is this release's and its size and SHA-256 match the
        manifest; else IndexFileError."""
        path = self.folder / str(manifest.get("file", ""))
        if manifest.get("format", 1) != FORMAT:
            raise IndexFileError(
                f"{path.name}: layout {manifest.get('format', 1)}, this release reads {FORMAT}"
            )
        try:
            stat = path.stat()
        except OSError as exc:
            raise IndexFileError(f"{path.name}: missing") from exc
        if stat.st_size != manifest.get("bytes"):
            raise IndexFileError(
                f"{path.name}: {stat.st_size} bytes, manifest says {manifest.get('bytes')}"
            )
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 22):
                digest.update(chunk)
        if digest.hexdigest() != manifest.get("sha256"):
            raise IndexFileError(f"{path.name}: checksum does not match its manifest")
        return path

    def open(self, revision: str) -> DirectoryIndex | None:
        """This revision's index if a complete, intact file is on disk."""
        manifest = self.read_manifest(self.manifest_path(revision))
        if manifest is None or manifest["revision"] != revision:
            return None
        return self._open(manifest)

    def _open(self, manifest: dict) -> DirectoryIndex | None:
        try:
            return DirectoryIndex(self.verify(manifest), manifest)
        except (IndexFileError, OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("directory index file ignored (it will be rebuilt): %s", exc)
            return None

    def open_newest(self, newer_than: float = 0.0) -> DirectoryIndex | None:
        """The newest complete file on disk, whatever its revision, if built after newer_than:
        while the revision moves faster than builds finish, processes still move on."""
        if not self.folder.is_dir():
            return None
        manifests = []
        for path in self.folder.glob("index-*.json"):
            manifest = self.read_manifest(path)
            if manifest is not None and float(manifest.get("built_at", 0)) > newer_than:
                manifests.append(manifest)
        for manifest in sorted(manifests, key=lambda m: m.get("built_at", 0), reverse=True):
            index = self._open(manifest)
            if index is not None:
                return index
        return None

    def try_lock(self, blocking: bool = False):
        """The build lock's file descriptor, or None when another builder holds it."""
        self._ensure()
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            return None
        return fd

    @staticmethod
    def unlock(fd) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    def build(self) -> str:
        """Build the directory as it is now into its file (call with the lock held)."""
        started = time.perf_counter()
        revision, meta, arrays = build_columns()
        manifest = self.read_manifest(self.manifest_path(revision))
        if manifest is not None and manifest["revision"] == revision:
            try:
                self.verify(manifest)
                return revision  # another process built it while we read
            except IndexFileError:
                pass
        parts = _encode(meta, arrays)
        del arrays
        digest = hashlib.sha256()
        size = 0
        data_path = self.data_path(revision)
        temporary = data_path.with_name(f".{data_path.name}.{os.getpid()}.tmp")
        with open(temporary, "wb") as handle:
            for part in parts:
                handle.write(part)
                digest.update(part)
                size += len(part)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, data_path)
        seconds = round(time.perf_counter() - started, 3)
        manifest = {
            "revision": revision,
            "format": FORMAT,
            "file": data_path.name,
            "bytes": size,
            "sha256": digest.hexdigest(),
            "services": meta["size"],
            "built_at": time.time(),
            "build_seconds": seconds,
        }
        manifest_path = self.manifest_path(revision)
        temporary = manifest_path.with_name(f".{manifest_path.name}.{os.getpid()}.tmp")
        with open(temporary, "w") as handle:
            json.dump(manifest, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, manifest_path)
        directory_fd = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(directory_fd)
        finally:
            os.close(directory_fd)
        self.prune(keep=revision)
        log.info(
            "directory index built: %s services, %s distinct criteria, revision %s, %.2f s, "
            "%.1f MiB",
            meta["size"], meta["criteria_count"], revision, seconds, size / 2**20,
        )  # fmt: skip
        return revision

    def prune(self, keep: str) -> None:
        """Remove all but the newest few files (a process still mapping one keeps its pages)."""
        manifests = []
        for path in self.folder.glob("index-*.json"):
            manifest = self.read_manifest(path)
            if manifest is not None:
                manifests.append((manifest.get("built_at", 0), path, manifest))
        manifests.sort(key=lambda m: m[0], reverse=True)
        for _, path, manifest in manifests[KEEP_FILES:]:
            if manifest["revision"] == keep:
                continue
            path.unlink(missing_ok=True)
            (self.folder / str(manifest.get("file", ""))).unlink(missing_ok=True)
        for stale in self.folder.glob(".index-*.tmp"):
            try:
                if time.time() - stale.stat().st_mtime > 3600:
                    stale.unlink()
            except OSError:
                pass


def store() -> IndexStore:
    """The index folder of this database and file layout: INDEX_DIR/<a digest of both>, so that
    two databases on one host (clones, test runs), or two releases' layouts, never share a file."""
    db = connection.settings_dict
    # The layout is part of it: a release that changes the layout never shares (or rebuilds
    # over) the files the previous release's processes are serving from.
    identity = (
        f"{db['ENGINE']}|{db.get('HOST') or ''}|{db.get('PORT') or ''}|{db['NAME']}|v{FORMAT}"
    )
    digest = hashlib.sha256(identity.encode()).hexdigest()[:16]
    return IndexStore(Path(settings.INDEX_DIR) / digest)


# The process's current index -----------------------------------------------------------------

_lock = threading.Lock()
_current: DirectoryIndex | None = None
_builder: threading.Thread | None = None


def _install(index: DirectoryIndex) -> DirectoryIndex:
    global _current
    with _lock:
        _current = index
    return index


def _build_in_background(where: IndexStore) -> threading.Thread | None:
    """Start a build if no other process (or thread) is building: in a child process
    (INDEX_BUILD "process": its memory goes when it exits) or in a thread ("thread"). A
    thread of this process holds the lock and waits for the child, which inherits it."""
    global _builder
    fd = where.try_lock()
    if fd is None:
        return None
    how = settings.INDEX_BUILD

    def run():
        try:
            if how == "process":
                # Not through manage.py: the child lowers its priority before loading Django.
                done = subprocess.run(  # noqa: S603
                    [sys.executable, "-m", "signposting.background_build",
                     "--lock-held", str(fd),
                     *(["--idle"] if settings.INDEX_BUILD_IDLE else [])],
                    pass_fds=(fd,), cwd=settings.BASE_DIR, check=False,
                )  # fmt: skip
                if done.returncode:
                    log.error("directory index build failed (exit status %s)", done.returncode)
            else:
                where.build()
        except Exception:
            log.exception("directory index build failed")
        finally:
            where.unlock(fd)
            connections.close_all()

    thread = threading.Thread(target=run, name="directory-index-build", daemon=True)
    _builder = thread
    thread.start()
    return thread


def wait_for_build(timeout: float | None = None) -> None:
    """Wait for this process's background build, if one is running (for tests and tools)."""
    thread = _builder
    if thread is not None:
        thread.join(timeout)


def current_index() -> DirectoryIndex:
    """The index to answer from now: this revision's if its file is complete, else the one
    this process has (or the newest on disk) while one process builds the new one."""
    revision = DirectoryRevision.current()
    index = _current
    if index is not None and index.revision == revision:
        return index
    where = store()
    fresh = where.open(revision)
    if fresh is not None:
        return _install(fresh)
    # Meanwhile: the newest complete file on disk if newer than the one this process has.
    newer = where.open_newest(newer_than=index.built_at if index is not None else 0.0)
    serving = newer if newer is not None else index
    if serving is not None:
        if settings.INDEX_BUILD != "inline":
            _build_in_background(where)
        else:
            fd = where.try_lock()
            if fd is not None:
                try:
                    built = where.build()
                finally:
                    where.unlock(fd)
                fresh = where.open(built)
                if fresh is not None:
                    return _install(fresh)
        if serving is not index:
            _install(serving)
        return serving
    # Nothing complete on disk at all (a fresh host): build now, or wait for whoever is.
    fd = where.try_lock(blocking=True)
    try:
        fresh = where.open(revision)
        if fresh is None:
            fresh = where.open(where.build())
    finally:
        where.unlock(fd)
    if fresh is None:
        raise IndexFileError("the directory index was built but cannot be read back")
    return _install(fresh)


def forget_current() -> None:
    """Drop this process's index, as if freshly started (the files stay)."""
    _install(None)  # type: ignore[arg-type]


def last_reviewed(index: DirectoryIndex, position: int) -> dt.date | None:
    ordinal = int(index.reviewed[position])
    return dt.date.fromordinal(ordinal) if ordinal else None
