"""Downloads that a spreadsheet cannot run: a text cell that begins like a formula (=, +, -, @,
tab or carriage return) is written with a leading apostrophe, as OWASP advises for CSV
injection. Numbers stay numbers. Used by every CSV and XLSX Signpost writes."""

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value):
    """A value safe for a spreadsheet cell: a formula-like text gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text cell (and column name) made safe."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(text_cell)
    safe.columns = [text_cell(str(c)) for c in safe.columns]
    return safe
