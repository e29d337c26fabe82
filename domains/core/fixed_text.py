"""Fixed-format text fields (ISO timestamps, hex ids, digit strings) checked and parsed with numpy over
their bytes, instead of a regex match or a strptime call per row.

Fraud's parse spent a third of its time on two `pd.to_datetime` calls and two regex full matches over
500k rows. Every value these fast paths cannot vouch for (another length, a non-digit, month 13, a
leap second) goes to the general parser, so results are the general parser's, only sooner.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
# The two layouts parsed here, as `_matches` templates.
_LAYOUTS = {
    "%Y-%m-%d %H:%M:%S": b"0000-00-00 00:00:00",
    "%Y-%m-%d": b"0000-00-00",
}


def arrow_text(values: pd.Series | pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """A column as Arrow strings (what a source typed, judged by its text), nulls kept, chunks too."""
    if isinstance(values, pd.Series):
        values = pa.array(values.astype("str"), type=pa.string(), from_pandas=True)
    return values.cast(pa.string()) if values.type != pa.string() else values


def _offsets_and_bytes(text: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """A string array's value offsets (one more than its values) and its data buffer, as numpy."""
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()  # one buffer of bytes; a copy only where there were chunks
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int32)[text.offset : text.offset + len(text) + 1]
    data = text.buffers()[2]
    return offsets, np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, dtype=np.uint8)


def fixed_width_rows(
    values: pd.Series | pa.Array | pa.ChunkedArray, width: int
) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the non-null values exactly `width` bytes long, and their bytes as an (n, width)
    uint8 matrix (one row each)."""
    text = arrow_text(values)
    keep = pc.fill_null(pc.equal(pc.binary_length(text), width), False)
    rows = np.flatnonzero(keep.to_numpy(zero_copy_only=False))
    kept = text.filter(keep)  # contiguous bytes from here on, `width` per value
    if not len(kept):
        return rows, np.zeros((0, width), dtype=np.uint8)
    offsets, data = _offsets_and_bytes(kept)
    return rows, data[offsets[0] : offsets[-1]].reshape(len(kept), width)


def last_bytes(values: pd.Series | pa.Array | pa.ChunkedArray, k: int) -> np.ndarray:
    """The last `k` bytes of every value as an (n, k) uint8 matrix, zero where a value is shorter."""
    offsets, data = _offsets_and_bytes(arrow_text(values))
    data = np.concatenate([np.zeros(k, dtype=np.uint8), data])  # reads before the first byte get 0
    ends, length = offsets[1:] + k, np.diff(offsets)
    return np.column_stack([data[ends - i] * (length >= i) for i in range(k, 0, -1)]).astype(np.uint8)


def _matches(matrix: np.ndarray, template: bytes) -> np.ndarray:
    """Row-wise: each byte of an (n, width) uint8 matrix is an ASCII digit where `template` has "0", a
    hexadecimal digit where it has "x", and equal to it elsewhere. Column by column: numpy's row-wise
    all() over an (n, 19) boolean matrix cost 5x as much."""
    ok = np.ones(len(matrix), dtype=bool)
    for i, want in enumerate(template):
        col = matrix[:, i]
        if want == ord("0"):
            ok &= col - np.uint8(48) <= 9  # below "0" wraps around past 9
        elif want == ord("x"):
            ok &= (col - np.uint8(48) <= 9) | ((col | np.uint8(0x20)) - np.uint8(97) <= 5)  # any case
        else:
            ok &= col == want
    return ok


def is_hex(values: pd.Series | pa.Array | pa.ChunkedArray, width: int) -> np.ndarray:
    """True where the value is exactly `width` hexadecimal digits (any case): `^[0-9a-fA-F]{width}$`."""
    rows, matrix = fixed_width_rows(values, width)
    out = np.zeros(len(values), dtype=bool)
    out[rows] = _matches(matrix, b"x" * width)
    return out


def is_digits(values: pd.Series | pa.Array | pa.ChunkedArray, min_len: int, max_len: int) -> np.ndarray:
    """True where the value is `min_len` to `max_len` decimal digits: `^\\d{min_len,max_len}$` as pandas
    matches it (Unicode decimal digits, lengths in characters)."""
    text = arrow_text(values)
    length = pc.utf8_length(text)
    in_range = pc.and_(pc.greater_equal(length, min_len), pc.less_equal(length, max_len))
    return pc.fill_null(pc.and_(pc.utf8_is_decimal(text), in_range), False).to_numpy(zero_copy_only=False)


def _number(digits: np.ndarray, start: int, count: int) -> np.ndarray:
    out = np.zeros(len(digits), dtype=np.int32)
    for i in range(start, start + count):
        out = out * 10 + digits[:, i]
    return out


@functools.cache
def _month_starts() -> np.ndarray:
    """Days from 1970-01-01 to the first of each month of the years 0-9999, index year * 12 + month - 1
    (proleptic Gregorian), plus one entry past the end: a date's day number is one lookup."""
    years = np.arange(10_000)
    leap = (years % 4 == 0) & ((years % 100 != 0) | (years % 400 == 0))
    lengths = np.tile(_DAYS_IN_MONTH, (len(years), 1))
    lengths[:, 1] += leap
    # 719,528 days from 0000-01-01 to 1970-01-01.
    return np.concatenate([[0], np.cumsum(lengths.ravel())]) - 719_528


def to_timestamp(values: pd.Series, fmt: str) -> pd.Series:
    """`pd.to_datetime(values, format=fmt, errors="coerce")` as datetime64[us], with the plain values
    of "%Y-%m-%d %H:%M:%S" and "%Y-%m-%d" parsed from their bytes; any other value, or format, is
    left to pandas."""
    layout = _LAYOUTS.get(fmt)
    if layout is None:
        return pd.to_datetime(values, format=fmt, errors="coerce").astype("datetime64[us]")
    width = len(layout)
    rows, m = fixed_width_rows(values, width)
    ok = _matches(m, layout)
    digits = m - np.uint8(48)
    year, month, day = _number(digits, 0, 4), _number(digits, 5, 2), _number(digits, 8, 2)
    ok &= (year >= 1) & (month >= 1) & (month <= 12)
    month_index = np.where(ok, year * 12 + month - 1, 0)
    starts = _month_starts()
    first = starts[month_index]
    ok &= (day >= 1) & (day <= starts[month_index + 1] - first)
    seconds = (first + day - 1) * 86_400
    if width == 19:
        hour, minute, second = _number(digits, 11, 2), _number(digits, 14, 2), _number(digits, 17, 2)
        ok &= (hour < 24) & (minute < 60) & (second < 60)
        seconds += hour * 3600 + minute * 60 + second
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[us]")
    out[rows[ok]] = (seconds[ok] * 1_000_000).astype("datetime64[us]")
    # The rest: other lengths, digits elsewhere in Unicode, impossible dates, leap seconds, nulls.
    rest = np.ones(len(values), dtype=bool)
    rest[rows[ok]] = False
    rest &= values.notna().to_numpy()
    if rest.any():
        general = pd.to_datetime(values[rest], format=fmt, errors="coerce")
        out[rest] = general.to_numpy().astype("datetime64[us]")
    return pd.Series(out, index=values.index, name=values.name)
