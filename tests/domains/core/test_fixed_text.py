"""The byte-level fast paths give exactly what pandas' parser and regex matching give."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from domains.core.fixed_text import is_digits, is_hex, to_timestamp

EDGES = [
    "2026-11-20 10:00:00",
    "2024-02-29 23:59:59",  # leap day
    "2023-02-29 00:00:00",  # not a leap year
    "1900-02-29 00:00:00",  # century, not leap
    "2000-02-29 12:00:00",  # 400-year leap
    "2024-02-29 23:59:60",  # leap second: pandas rolls it over
    "2019-13-45 25:61:00",  # the generator's impossible timestamp
    "0000-01-01 00:00:00",
    "0001-01-01 00:00:00",
    "9999-12-31 23:59:59",
    "2026-11-20 1:00:00",  # unpadded hour
    " 2026-11-20 10:00:00",
    "2026-11-20T10:00:00",
    "٢٠٢٦-11-20 10:00:00",  # Arabic-Indic digits
    "2026-11-20 10:00:00.5",
    "",
    None,
]


def _fuzz(rng: np.random.Generator, n: int) -> list[str | None]:
    alphabet = list("0123456789-: T+.x٢\t")
    noise = ["".join(rng.choice(alphabet, size=rng.integers(0, 22))) for _ in range(n)]
    fields = rng.integers([0, 0, 0, 0, 0, 0], [2500, 14, 33, 26, 62, 62], size=(n, 6))
    plain = [f"{y:04d}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d}" for y, mo, d, h, mi, s in fields]
    return noise + plain + EDGES


@pytest.mark.parametrize("fmt", ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%d/%m/%Y"])
def test_to_timestamp_equals_pandas(fmt: str) -> None:
    values = _fuzz(np.random.default_rng(7), 5_000)
    if fmt == "%Y-%m-%d":
        values = [v[:10] if v else v for v in values] + ["1980-1-5", "1980-01-05 "]
    series = pd.Series(values, dtype="str", index=np.arange(len(values)) * 3, name="ts")
    expected = pd.to_datetime(series, format=fmt, errors="coerce").astype("datetime64[us]")
    got = to_timestamp(series, fmt)
    pd.testing.assert_series_equal(got, expected)
    if fmt != "%d/%m/%Y":
        assert got.notna().sum() > 1_000 and got.isna().sum() > 1_000  # both paths were exercised


def test_hex_and_digit_checks_equal_the_regexes() -> None:
    rng = np.random.default_rng(3)
    ids = [
        "".join(rng.choice(list("0123456789abcdefABCDEFg -"), size=rng.integers(30, 34)))
        for _ in range(5_000)
    ]
    ids += ["0" * 32, "F" * 32, "TX-000-BAD", "", None]
    hex_ids = pd.Series(ids, dtype="str")
    expected = hex_ids.str.fullmatch(r"^[0-9a-fA-F]{32}$").fillna(False).to_numpy(bool)
    assert (is_hex(hex_ids, 32) == expected).all() and expected.sum() > 10

    cards = ["".join(rng.choice(list("0123456789 -x٢"), size=rng.integers(10, 21))) for _ in range(5_000)]
    cards += ["4111-XXXX-1111", "0" * 11, "0" * 12, "1" * 19, "1" * 20, " 4000123412341234", "", None]
    numbers = pd.Series(cards, dtype="str")
    expected = numbers.str.fullmatch(r"^\d{12,19}$").fillna(False).to_numpy(bool)
    assert (is_digits(numbers, 12, 19) == expected).all() and expected.sum() > 10
