"""Transactions, the day's largest entity, parsed, checked and shaped in Arrow: every rule is a vector
kernel over the column (no Python objects per row), so 100,000s of rows cost well under a second."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from domains.banking import aml, fx, validators
from domains.banking.schema import CHANNELS, DIRECTIONS, RAW_COLUMNS, REQUIRED, TRANSACTIONS
from domains.core.quality import NUMBER_PATTERN
from domains.core.sources import RAW_LINE_COLUMN

LATE_DAYS = 3  # transactions up to three days late are accepted (weekend clearing), older ones are stale
_TYPED = ("transaction_id", "account_id", "ts", "amount", "currency", "direction", "channel",
          "counterparty_sort_code", "counterparty_iban", "counterparty_country", "merchant_category",
          "description")  # fmt: skip


def _strings(values: object) -> pa.Array:
    return pa.array(list(values), type=pa.string())


_CURRENCIES_WITH_RATE = _strings(fx.GBP_PER_UNIT)
_RATES = pa.array(list(fx.GBP_PER_UNIT.values()), type=pa.float64())
_DIRECTIONS, _CHANNELS = _strings(DIRECTIONS), _strings(CHANNELS)


def _column(raw: pa.Table, name: str) -> pa.Array:
    """A raw column trimmed; one the source lacks is all null (and fails its rules)."""
    if name not in raw.column_names:
        return pa.nulls(raw.num_rows, pa.string())
    return pc.utf8_trim_whitespace(raw.column(name).combine_chunks().cast(pa.string()))


def _np(mask: pa.Array) -> np.ndarray:
    return pc.fill_null(mask, False).to_numpy(zero_copy_only=False)


def _present(a: pa.Array) -> np.ndarray:
    return _np(pc.not_equal(a, ""))


def _matches(a: pa.Array, regex: str) -> np.ndarray:
    return _np(pc.match_substring_regex(a, regex))


def _in(a: pa.Array, values: pa.Array) -> np.ndarray:
    return _np(pc.is_in(a, value_set=values))


def _number(a: pa.Array) -> pa.Array:
    """Text to float64, null where it is not a number (the same grammar as core.quality.to_number)."""
    ok = pc.fill_null(pc.match_substring_regex(a, NUMBER_PATTERN), False)
    return pc.if_else(ok, pc.cast(pc.if_else(ok, a, "0"), pa.float64()), None)


def _repeats(keys: pa.Array, failures: dict[str, np.ndarray]) -> np.ndarray:
    """Rows repeating the key of an earlier row that broke no rule so far (a re-send; the first is kept)."""
    ok = np.flatnonzero(~np.logical_or.reduce(list(failures.values())))
    codes = pc.dictionary_encode(keys.take(pa.array(ok))).indices.to_numpy(zero_copy_only=False)
    first = np.zeros(len(ok), dtype=bool)
    first[np.unique(codes, return_index=True)[1]] = True
    out = np.zeros(len(keys), dtype=bool)
    out[ok[~first]] = True
    return out


def check(raw: pa.Table, ds: str, accounts: pa.Array) -> tuple[pa.Table, dict[str, np.ndarray]]:
    """Typed columns and, per rule in priority order, the rows breaking it. `accounts`: every known id."""
    col = {c: _column(raw, c) for c in RAW_COLUMNS["transactions"]}
    ts = pc.strptime(col["timestamp"], format="%Y-%m-%d %H:%M:%S", unit="s", error_is_null=True)
    day = pa.scalar(pd.Timestamp(ds).to_pydatetime(), pa.timestamp("s"))
    amount = _number(col["amount"])
    iban = pc.utf8_upper(pc.replace_substring(col["counterparty_iban"], " ", ""))
    sort = col["counterparty_sort_code"]
    has_sort, has_iban = _present(sort), _present(iban)
    iso = validators.currency_valid(col["currency"])
    country = pc.utf8_upper(col["counterparty_country"])
    gb = _np(pc.starts_with(iban, "GB"))
    same_sort = _np(pc.equal(pc.utf8_slice_codeunits(iban, 8, 14), pc.replace_substring(sort, "-", "")))
    unparseable = (
        raw.column(RAW_LINE_COLUMN).is_valid().to_numpy(zero_copy_only=False)
        if RAW_LINE_COLUMN in raw.column_names
        else np.zeros(raw.num_rows, dtype=bool)
    )
    failures = {
        "unparseable_row": unparseable,
        "missing_required_field": np.logical_or.reduce([~_present(col[c]) for c in REQUIRED["transactions"]]),
        "invalid_timestamp": ~ts.is_valid().to_numpy(zero_copy_only=False),
        "future_timestamp": _np(pc.greater_equal(ts, pc.add(day, pa.scalar(timedelta(days=1))))),
        "stale_timestamp": _np(pc.less(ts, pc.subtract(day, pa.scalar(timedelta(days=LATE_DAYS))))),
        "amount_not_numeric": ~amount.is_valid().to_numpy(zero_copy_only=False),
        "amount_out_of_range": ~_np(
            pc.and_(pc.greater_equal(amount, 0.01), pc.less_equal(amount, 5_000_000))
        ),
        "unknown_currency": ~iso,
        "no_reference_rate": iso & ~_in(col["currency"], _CURRENCIES_WITH_RATE),
        "invalid_direction": ~_in(col["direction"], _DIRECTIONS),
        "unknown_channel": ~_in(col["channel"], _CHANNELS),
        "invalid_counterparty_sort_code": has_sort & ~_matches(sort, r"^\d{2}-\d{2}-\d{2}$"),
        "invalid_counterparty_iban": has_iban & ~validators.iban_checksum_valid(iban),
        "counterparty_iban_mismatch": has_sort & has_iban & gb & ~same_sort,
        "invalid_country": _present(country) & ~_matches(country, r"^[A-Z]{2}$"),
        "unknown_account": ~_in(col["account_id"], accounts),
    }
    failures["duplicate_transaction_id"] = _repeats(col["transaction_id"], failures)
    typed = pa.table(
        {
            **{c: col[c] for c in _TYPED if c in col},
            "ts": ts,
            "amount": amount,
            "counterparty_iban": iban,
            "counterparty_country": country,
        }
    ).select(list(_TYPED))
    return typed, failures


def build(
    typed: pa.Table,
    valid: np.ndarray,
    owner: pd.Series,
    history: pd.DataFrame,
    th: aml.Thresholds,
    ds: str,
    checksum: str,
) -> tuple[pa.Table, dict[str, np.ndarray]]:
    """Clean transactions with owner, sterling value, AML features and rules fired (Arrow, in silver's
    column order), and which rules each row fires (for `aml.alerts`).

    Arrow, not pandas, so staging can COPY it at once while the rest of transform converts it.
    Rows come out in customer order: the customer_id index (the API's lookup) then fills page by page
    at COPY time instead of at random, which halves the load.
    """
    rows = pa.array(np.flatnonzero(valid), type=pa.int64())
    owner_codes, customers = pd.factorize(owner.to_numpy(dtype=object), sort=True)
    known = pa.array(owner.index.to_numpy(dtype=object), type=pa.string())
    account = typed.column("account_id").take(rows)
    code = owner_codes[pc.index_in(account, value_set=known).to_numpy(zero_copy_only=False)]
    ts = typed.column("ts").take(rows).cast(pa.int64()).to_numpy()
    order = np.lexsort((ts, code))
    t = typed.take(rows.take(pa.array(order)))  # filter and sort every column in one pass
    ts, code = ts[order], code[order]
    customer = pa.array(np.asarray(customers, dtype=object), type=pa.string()).take(pa.array(code))
    rate = _RATES.take(pc.index_in(t.column("currency"), value_set=_CURRENCIES_WITH_RATE))
    gbp = np.round(pc.multiply(t.column("amount"), rate).to_numpy(), 2)
    country_risk = pc.is_in(t.column("counterparty_country"), value_set=_strings(th.high_risk))
    iban_risk = pc.is_in(
        pc.utf8_slice_codeunits(t.column("counterparty_iban"), 0, 2), value_set=_strings(th.high_risk)
    )
    debit = _np(pc.equal(t.column("direction"), "debit"))
    cash = _np(pc.equal(t.column("channel"), "cash"))
    hist = {
        c: pa.array(history[c], type=pa.string(), from_pandas=True)
        for c in ("account_id", "direction", "channel")
    }
    hist = {c: a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a for c, a in hist.items()}
    hist_debit = _np(pc.equal(hist["direction"], "debit"))
    # Account codes shared by yesterday's and today's rows, in one hash pass.
    accounts = pa.concat_arrays([hist["account_id"], t.column("account_id").combine_chunks()])
    rolling = aml.window_features(
        pc.dictionary_encode(accounts).indices.to_numpy(zero_copy_only=False).astype(np.int64),
        np.concatenate([history["ts"].to_numpy().astype("datetime64[s]").astype(np.int64), ts]),
        np.concatenate([history["amount_gbp"].to_numpy(dtype=float), gbp]),
        np.concatenate([hist_debit, debit]),
        np.concatenate([_np(pc.equal(hist["channel"], "cash")) & ~hist_debit, cash & ~debit]),
        len(history),
        th,
    )
    high_risk = _np(pc.or_(country_risk, iban_risk))
    # The rules read only numbers and two text columns: no need to turn the whole table into pandas.
    hits = aml.rule_hits(
        pd.DataFrame(
            {
                "amount": t.column("amount").to_numpy(),
                "amount_gbp": gbp,
                "direction": t.column("direction").to_numpy(),
                "channel": t.column("channel").to_numpy(),
                "high_risk_country": high_risk,
                **rolling,
            }
        ),
        th,
    )
    n = t.num_rows
    derived = {
        "ds": pa.repeat(pa.scalar(ds, pa.string()), n),
        "customer_id": customer,
        "amount_gbp": pa.array(gbp, type=pa.float64()),
        "high_risk_country": pa.array(high_risk, type=pa.bool_()),
        "source_checksum": pa.repeat(pa.scalar(checksum, pa.string()), n),
        "aml_rules": pa.array(aml.rules_fired(hits), type=pa.string()),
        **{name: pa.array(values) for name, values in rolling.items()},
    }
    columns = {c: derived[c] if c in derived else t.column(c) for c in TRANSACTIONS.columns}
    columns["ts"] = pc.cast(columns["ts"], pa.timestamp("us"))
    return pa.table(columns), hits
