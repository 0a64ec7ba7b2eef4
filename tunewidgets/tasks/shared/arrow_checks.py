"""Checks over whole columns, done by Arrow in C rather than by Python row by row.

A million-row split is checked in milliseconds and nothing is copied out of the memory-mapped data;
only the first bad row is looked at in Python, to name it.
"""

from __future__ import annotations


def _column(dataset, column: str):
    """The column as Arrow, in the dataset's row order (a selection or a shuffle applied)."""
    return dataset.with_format("arrow")[column]


def first_blank_text(dataset, column: str) -> int | None:
    """The index of the first row whose ``column`` is null, empty or blank (None when every row has text);
    a column that is not text at all gives 0."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = _column(dataset, column)
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        return 0 if len(values) else None
    bad = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(values), ""), True)
    index = pc.index(bad, True).as_py()
    return None if index < 0 else index


def is_text(dataset, column: str) -> bool:
    """Whether every value of ``column`` is a string (or null): its Arrow type says so."""
    import pyarrow as pa

    kind = dataset.features[column]
    return getattr(kind, "dtype", None) in ("string", "large_string") or (
        pa.types.is_null(_column(dataset, column).type))


def rows_equal(dataset, left: str, right: str) -> bool:
    """Whether two text columns are equal in every row."""
    import pyarrow.compute as pc

    a, b = _column(dataset, left), _column(dataset, right)
    return bool(pc.all(pc.fill_null(pc.equal(a, b), False)).as_py())
