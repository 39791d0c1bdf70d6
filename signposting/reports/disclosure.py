"""Disclosure control: keyed random rounding of base cells (a cell key method, as ONS used for
Census 2021 outputs).

Every referral carries a random key (0-255) fixed when it is created, copied to its needs. A
base cell (cells.py) of count c is published as a multiple of the threshold T: c rounded down,
or up when a number read from the sum of its records' keys is below (c mod T) / T. So:
- the same records always round the same way, in every table and every query: asking twice,
  or for overlapping periods, or for a team and then for all teams, gives no new information;
- rounding is unbiased (up with probability (c mod T) / T), zero stays zero, and a cell
  published as 0 is left out, like an empty one;
- every figure a lead sees is a sum of published cells, never of true ones (additivity), so
  all figures for a scope together say no more than the published cells do; and a published
  cell r means a true count anywhere in [max(0, r - T + 1), r + T - 1]: at least T values.
A team's own reports are exact (the team knows its patients) and do not come through here.
"""

import numpy as np
import pandas as pd
from django.conf import settings

# Knuth's multiplicative hash: spreads a cell's key sum evenly over [0, 1).
_MIX = np.uint64(2654435761)
_MASK = np.uint64(2**32 - 1)


def threshold() -> int:
    return settings.SIGNPOST_DISCLOSURE_THRESHOLD


def uniform(key_sum) -> np.ndarray:
    """A number in [0, 1) for each key sum: the same sum always gives the same number."""
    keys = np.asarray(key_sum, dtype=np.uint64)
    return ((keys * _MIX) & _MASK).astype(np.float64) / 2**32


def rounded(count, key_sum, base: int | None = None) -> np.ndarray:
    """Round each count to a multiple of base, up or down as its key sum says."""
    base = threshold() if base is None else base
    count = np.asarray(count, dtype=np.int64)
    up = uniform(key_sum) < (count % base) / base
    return base * (count // base) + base * up


def publish(cells: pd.DataFrame) -> pd.DataFrame:
    """The cells as a lead may see them: counts rounded, zeros left out, no key sums."""
    published = cells.assign(count=rounded(cells["count"], cells["key_sum"]))
    return published[published["count"] > 0].drop(columns="key_sum").reset_index(drop=True)


def consistent_range(published: int, base: int | None = None) -> tuple[int, int]:
    """The true counts a published cell may stand for (inclusive)."""
    base = threshold() if base is None else base
    return max(0, published - base + 1), published + base - 1


def percent(part, whole) -> np.ndarray:
    """part as a percentage of whole to one decimal place; empty where whole is 0.

    Both are published figures, so a percentage reveals nothing they do not."""
    part = np.asarray(part, dtype=float)
    whole = np.asarray(whole, dtype=float)
    safe = np.where(whole > 0, whole, 1)
    return np.where(whole > 0, np.round(100 * part / safe, 1), np.nan)


def note(exact: bool) -> str:
    """What the reader is told about the figures."""
    if exact:
        return "Your team's own figures: exact."
    return (
        f"To protect patients' anonymity, counts are rounded to a multiple of {threshold()} at "
        "the finest level (team, borough, GP borough, month and category), the same way in "
        "every report and download. Totals are sums of rounded figures, so they can differ "
        "from a team's own exact figure by a few."
    )
