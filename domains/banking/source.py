"""Banking's raw sources: a user's exports (BANKING_SOURCE folder), or a deterministic synthetic UK
building society: a customer book that grows day by day, their accounts, 100,000+ transactions a day
with planted money-laundering patterns, and matured loan applications with their outcome."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from domains.banking.schema import (
    CHANNELS,
    EMPLOYMENT_LENGTHS,
    HOME_OWNERSHIP,
    PRODUCTS,
    PURPOSES,
    RAW_COLUMNS,
)
from domains.banking.validators import gb_ibans, make_ibans
from domains.core import people, sources
from domains.core.bronze import checksum_table
from domains.core.sources import RawExtract, SourceError

GENERATOR_VERSION = "banking-synth-1"
BOOK_START, BOOK_END = date(2012, 1, 2), date(2030, 12, 31)
SORT_CODES = tuple(f"60-95-{n:02d}" for n in (11, 14, 23, 31, 38, 42, 57, 63, 71, 86))
_OUTWARD = ("SW1A", "EC1V", "M1", "M14", "B15", "LS6", "BS8", "CF10", "EH3", "G12", "NE1", "L17", "NG7")
_ROADS = ("Road", "Street", "Lane", "Avenue", "Close", "Gardens")
_TOWNS = ("London", "Manchester", "Birmingham", "Leeds", "Bristol", "Cardiff", "Edinburgh", "Glasgow")
_MERCHANTS = {  # merchant category code -> names and a typical spend
    "5411": (("TESCO STORES", "SAINSBURYS", "ASDA", "ALDI", "CO-OP FOOD"), 32.0),
    "5812": (("PRET A MANGER", "NANDOS", "PIZZA EXPRESS", "LOCAL CAFE"), 18.0),
    "5541": (("SHELL", "BP", "ESSO"), 55.0),
    "4111": (("TFL TRAVEL", "TRAINLINE"), 12.0),
    "5999": (("AMAZON MKTPLACE", "ARGOS", "JOHN LEWIS"), 45.0),
    "5912": (("BOOTS", "SUPERDRUG"), 14.0),
    "7011": (("PREMIER INN", "TRAVELODGE"), 95.0),
    "4900": (("OCTOPUS ENERGY", "THAMES WATER", "BT GROUP"), 70.0),
}
_MCC = tuple(_MERCHANTS)
_FOREIGN = (("DE", "EUR"), ("FR", "EUR"), ("ES", "EUR"), ("IE", "EUR"), ("NL", "EUR"), ("CH", "CHF"))
_HIGH_RISK = (("IR", "IRR"), ("KP", "KPW"), ("MM", "MMK"))
_CHANNEL_P = np.array([0.55, 0.14, 0.05, 0.005, 0.09, 0.05, 0.04, 0.075])


@dataclass(frozen=True)
class Book:
    """Every customer and account the synthetic society will ever have, with the day each appears."""

    customers: pd.DataFrame
    accounts: pd.DataFrame


def _seed(*parts: object) -> int:
    return int(hashlib.sha256("|".join(map(str, (GENERATOR_VERSION, *parts))).encode()).hexdigest()[:16], 16)


def _days(lo: date, hi: date, n: int, rng: np.random.Generator) -> np.ndarray:
    return np.datetime64(lo) + rng.integers(0, (hi - lo).days + 1, n).astype("timedelta64[D]")


@lru_cache(maxsize=4)
def book(customers: int, dirty_share: float, bank_code: str) -> Book:
    """The whole book, fixed by its size: customers join uniformly from 2012 to 2030."""
    rng = np.random.default_rng(_seed("book", customers))
    n = customers
    first = rng.choice(people.FIRST_NAMES, n)
    last = rng.choice(people.LAST_NAMES, n)
    created = np.sort(_days(BOOK_START, BOOK_END, n, rng))
    dob = created - rng.integers(18 * 365, 80 * 365, n).astype("timedelta64[D]")
    outward = rng.choice(_OUTWARD, n)
    inward = [
        f"{d}{a}{b}"
        for d, a, b in zip(
            rng.integers(1, 10, n),
            rng.choice(list("ABDEFGHJLNPQRSTUWXYZ"), n),
            rng.choice(list("ABDEFGHJLNPQRSTUWXYZ"), n),
            strict=True,
        )
    ]
    cust = pd.DataFrame(
        {
            "customer_id": [f"C{i:07d}" for i in range(1, n + 1)],
            "full_name": np.char.add(np.char.add(first, " "), last),
            "date_of_birth": pd.to_datetime(dob).strftime("%Y-%m-%d"),
            "address": [
                f"{h} {s} {r}, {t}"
                for h, s, r, t in zip(
                    rng.integers(1, 240, n),
                    rng.choice(people.STREET_NAMES, n),
                    rng.choice(_ROADS, n),
                    rng.choice(_TOWNS, n),
                    strict=True,
                )
            ],
            "postcode": [f"{o} {i}" for o, i in zip(outward, inward, strict=True)],
            "email": [
                f"{f.lower()}.{la.lower()}{i}@example.co.uk"
                for i, (f, la) in enumerate(zip(first, last, strict=True))
            ],
            "phone": [f"07{x:09d}" for x in rng.integers(0, 10**9, n)],
            "created_on": pd.to_datetime(created).strftime("%Y-%m-%d"),
        }
    )
    per = rng.choice([1, 2, 3], n, p=[0.55, 0.35, 0.10])
    owner = np.repeat(np.arange(n), per)
    m = len(owner)
    opened = created[owner] + rng.integers(0, 400, m).astype("timedelta64[D]")
    sort_code = rng.choice(SORT_CODES, m)
    draws = rng.integers(10**7, 10**8, 2 * m)
    _, first_seen = np.unique(draws, return_index=True)
    number = draws[np.sort(first_seen)[:m]]  # unique eight-digit numbers, in draw order
    acct = pd.DataFrame(
        {
            "account_id": [f"A{i:08d}" for i in range(1, m + 1)],
            "customer_id": cust["customer_id"].to_numpy()[owner],
            "sort_code": sort_code,
            "account_number": number.astype(str),
            "product": rng.choice(PRODUCTS, m, p=[0.55, 0.25, 0.12, 0.08]),
            "opened_on": pd.to_datetime(opened).strftime("%Y-%m-%d"),
            "balance": np.round(rng.lognormal(7.5, 1.4, m), 2).astype(str),
        }
    )
    acct.insert(4, "iban", gb_ibans(bank_code, acct["sort_code"], acct["account_number"]).to_numpy())
    _dirty_book(cust, acct, rng, dirty_share)
    return Book(cust, acct)


def _dirty_book(cust: pd.DataFrame, acct: pd.DataFrame, rng: np.random.Generator, share: float) -> None:
    """Corrupt a stable few records the way real master-data feeds go wrong."""
    bad = np.flatnonzero(rng.random(len(acct)) < share)
    kinds = rng.integers(0, 5, len(bad))
    for i, kind in zip(bad, kinds, strict=True):
        if kind == 0:
            acct.at[i, "sort_code"] = acct.at[i, "sort_code"].replace("-", "")
        elif kind == 1:  # a transcription error in the IBAN: the check digits no longer hold
            iban = acct.at[i, "iban"]
            acct.at[i, "iban"] = iban[:-1] + str((int(iban[-1]) + 1) % 10)
        elif kind == 2:  # a valid IBAN of another account
            other = acct.at[(i + 1) % len(acct), "iban"]
            acct.at[i, "iban"] = other
        elif kind == 3:
            acct.at[i, "account_number"] = acct.at[i, "account_number"][:7]
        else:
            acct.at[i, "customer_id"] = "C9" + acct.at[i, "customer_id"][2:]  # no such customer
    bad = np.flatnonzero(rng.random(len(cust)) < share)
    for i, kind in zip(bad, rng.integers(0, 3, len(bad)), strict=True):
        if kind == 0:
            cust.at[i, "postcode"] = None
        elif kind == 1:
            cust.at[i, "date_of_birth"] = "1985-13-45"
        else:
            cust.at[i, "email"] = "not-an-email"


def book_slice(b: Book, after: str | None, until: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Customers who joined, and accounts opened, in (after, until]: the day's master-data delta."""
    lo = after or "0000-00-00"
    cust = b.customers[(b.customers["created_on"] > lo) & (b.customers["created_on"] <= until)]
    acct = b.accounts[(b.accounts["opened_on"] > lo) & (b.accounts["opened_on"] <= until)]
    return cust.reset_index(drop=True), acct.reset_index(drop=True)


@lru_cache(maxsize=1)
def _counterparties() -> tuple[np.ndarray, np.ndarray]:
    """4,000 accounts at other UK banks: sort codes and their valid GB IBANs."""
    rng = np.random.default_rng(_seed("counterparties"))
    sorts = pd.Series([f"{a:02d}-{b:02d}-{c:02d}" for a, b, c in rng.integers(10, 99, (4000, 3))])
    numbers = pd.Series([f"{x:08d}" for x in rng.integers(10**7, 10**8, 4000)])
    banks = pd.Series(rng.choice(["NWBK", "BARC", "LOYD", "HBUK", "MIDL", "SRLG"], 4000))
    ibans = make_ibans("GB", banks + sorts.str.replace("-", "") + numbers)
    return sorts.to_numpy(), ibans.to_numpy()


@lru_cache(maxsize=2)
def _foreign_ibans() -> dict[str, np.ndarray]:
    """300 valid IBANs per foreign country the synthetic customers pay."""
    rng = np.random.default_rng(_seed("foreign"))
    lengths = {"DE": 18, "FR": 23, "ES": 20, "IE": 18, "NL": 14, "CH": 17, "IR": 22}
    out = {}
    for country, n in lengths.items():
        prefix = "ABNA" if country in ("IE", "NL") else ""
        digits = pd.Series(["".join(map(str, row)) for row in rng.integers(0, 10, (300, n - len(prefix)))])
        out[country] = make_ibans(country, prefix + digits).to_numpy()
    return out


def generate_transactions(
    ds: str, rows: int, accounts: pd.DataFrame, dirty_share: float, bank_code: str
) -> pd.DataFrame:
    """One day of transactions over the accounts open by `ds`, with AML patterns and dirty rows."""
    rng = np.random.default_rng(_seed("tx", ds, rows))
    open_ = accounts[accounts["opened_on"] <= ds]
    if open_.empty:
        return pd.DataFrame({c: pd.Series([], dtype="str") for c in RAW_COLUMNS["transactions"]})
    activity = open_["product"].map({"current": 6.0, "business": 10.0, "savings": 0.6, "isa": 0.2}).to_numpy()
    acct_ids = open_["account_id"].to_numpy()
    which = rng.choice(len(acct_ids), rows, p=activity / activity.sum())
    day = np.datetime64(ds)
    # A diurnal profile: quiet nights, a lunchtime and an evening peak.
    hour = rng.choice(24, rows, p=_HOURLY)
    seconds = hour * 3600 + rng.integers(0, 3600, rows)
    ts = day + seconds.astype("timedelta64[s]")
    channel = np.asarray(CHANNELS)[rng.choice(len(CHANNELS), rows, p=_CHANNEL_P / _CHANNEL_P.sum())]
    credit_p = (
        pd.Series(channel)
        .map(
            {
                "card": 0.03,
                "faster_payment": 0.45,
                "bacs": 0.7,
                "chaps": 0.4,
                "direct_debit": 0.0,
                "standing_order": 0.2,
                "cash": 0.35,
                "international": 0.3,
            }
        )
        .to_numpy()
    )
    direction = np.where(rng.random(rows) < credit_p, "credit", "debit")
    mcc = np.asarray(_MCC)[rng.integers(0, len(_MCC), rows)]
    typical = pd.Series(mcc).map({k: v[1] for k, v in _MERCHANTS.items()}).to_numpy()
    scale = (
        pd.Series(channel)
        .map(
            {
                "card": 1.0,
                "faster_payment": 4.0,
                "bacs": 30.0,
                "chaps": 400.0,
                "direct_debit": 2.0,
                "standing_order": 6.0,
                "cash": 3.0,
                "international": 12.0,
            }
        )
        .to_numpy()
    )
    amount = np.round(typical * scale * rng.lognormal(0, 0.8, rows), 2).clip(0.5, 2_000_000)
    card = channel == "card"
    currency = np.full(rows, "GBP", dtype=object)
    country = np.full(rows, "GB", dtype=object)
    cp_sort, cp_iban = _counterparties()
    pick = rng.integers(0, len(cp_sort), rows)
    domestic = np.isin(channel, ["faster_payment", "bacs", "chaps", "standing_order"])
    counterparty_sort = np.where(domestic, cp_sort[pick], None)
    counterparty_iban = np.where(domestic & (rng.random(rows) < 0.6), cp_iban[pick], None)
    intl = np.flatnonzero(channel == "international")
    foreign = _foreign_ibans()
    place = rng.integers(0, len(_FOREIGN), len(intl))
    for k, (ctry, ccy) in enumerate(_FOREIGN):
        idx = intl[place == k]
        country[idx] = ctry
        currency[idx] = ccy
        counterparty_iban[idx] = foreign[ctry][rng.integers(0, 300, len(idx))]
    card_abroad = np.flatnonzero(card & (rng.random(rows) < 0.04))
    currency[card_abroad] = rng.choice(["EUR", "USD", "CHF", "JPY", "AUD"], len(card_abroad))
    country[card_abroad] = (
        pd.Series(currency[card_abroad])
        .map({"EUR": "FR", "USD": "US", "CHF": "CH", "JPY": "JP", "AUD": "AU"})
        .to_numpy()
    )
    merchant = pd.Series(mcc).map({k: v[0] for k, v in _MERCHANTS.items()}).to_numpy()
    names = np.array([m[i % len(m)] for m, i in zip(merchant, rng.integers(0, 5, rows), strict=True)])
    description = np.where(
        card, np.char.add("CARD PAYMENT TO ", names.astype(str)), np.char.add(channel.astype(str), " REF")
    )
    frame = pd.DataFrame(
        {
            "transaction_id": [f"T{ds.replace('-', '')}{i:07d}" for i in range(rows)],
            "account_id": acct_ids[which],
            "timestamp": ts,
            "amount": amount,
            "currency": currency,
            "direction": direction,
            "channel": channel,
            "counterparty_sort_code": counterparty_sort,
            "counterparty_iban": counterparty_iban,
            "counterparty_country": country,
            "merchant_category": np.where(card, mcc, None),
            "description": description,
        }
    )
    frame = pd.concat([frame, _laundering(ds, acct_ids, rng, cp_sort, foreign)], ignore_index=True)
    frame = frame.sort_values("timestamp", kind="stable").reset_index(drop=True)
    frame["timestamp"] = pd.to_datetime(frame["timestamp"]).dt.strftime("%Y-%m-%d %H:%M:%S")
    frame["amount"] = frame["amount"].map("{:.2f}".format)
    return _dirty_transactions(frame, rng, dirty_share)


_HOURLY = np.array(
    [1, 0.6, 0.4, 0.3, 0.3, 0.5, 1.5, 3, 4, 5, 5.5, 6, 7, 6.5, 6, 5.5, 5.5, 6, 6.5, 6, 5, 4, 3, 2]
)
_HOURLY = _HOURLY / _HOURLY.sum()


def _laundering(
    ds: str,
    acct_ids: np.ndarray,
    rng: np.random.Generator,
    cp_sort: np.ndarray,
    foreign: dict[str, np.ndarray],
) -> pd.DataFrame:
    """A handful of accounts a day behaving the way the AML rules exist to catch."""
    rows: list[dict[str, object]] = []
    base = np.datetime64(ds) + np.timedelta64(9, "h")

    def add(acct: str, t: np.datetime64, amount: float, direction: str, channel: str, **kw: object) -> None:
        rows.append(
            {
                "account_id": acct,
                "timestamp": t,
                "amount": round(amount, 2),
                "currency": "GBP",
                "direction": direction,
                "channel": channel,
                "counterparty_country": "GB",
                "description": f"{channel} REF",
                **kw,
            }
        )

    mules = rng.choice(acct_ids, 40, replace=False)
    for k, acct in enumerate(mules):
        t = base + np.timedelta64(int(rng.integers(0, 8 * 3600)), "s")
        kind = k % 5
        if kind == 0:  # structuring: cash paid in just under the threshold, several times
            for j in range(int(rng.integers(3, 6))):
                add(acct, t + np.timedelta64(j * 50, "m"), rng.uniform(9_050, 9_990), "credit", "cash")
        elif kind == 1:  # rapid in and out
            amount = rng.uniform(8_000, 40_000)
            add(acct, t, amount, "credit", "faster_payment", counterparty_sort_code=cp_sort[k])
            for j in range(2):
                add(
                    acct,
                    t + np.timedelta64(90 + j * 30, "m"),
                    amount * 0.48,
                    "debit",
                    "international",
                    counterparty_country="DE",
                    currency="GBP",
                    counterparty_iban=foreign["DE"][k],
                )
        elif kind == 2:  # velocity: a burst of payments in a few minutes
            for j in range(int(rng.integers(11, 18))):
                add(
                    acct,
                    t + np.timedelta64(j * 15, "s"),
                    rng.uniform(20, 400),
                    "debit",
                    "faster_payment",
                    counterparty_sort_code=cp_sort[j],
                )
        elif kind == 3:  # high-risk jurisdiction
            add(
                acct,
                t,
                rng.uniform(500, 6_000),
                "debit",
                "international",
                counterparty_country="IR",
                counterparty_iban=foreign["IR"][k],
                currency="GBP",
            )
        else:  # round-amount transfers
            for j in range(2):
                add(
                    acct,
                    t + np.timedelta64(j * 3, "h"),
                    float(rng.choice([5_000, 10_000, 20_000])),
                    "debit",
                    "faster_payment",
                    counterparty_sort_code=cp_sort[k + j],
                )
    out = pd.DataFrame(rows)
    out["transaction_id"] = [f"T{ds.replace('-', '')}9{i:06d}" for i in range(len(out))]
    return out


_BAD_CURRENCIES = np.array(["GPB", "EURO", "XYZ", "gbp", "£"])


def _dirty_transactions(frame: pd.DataFrame, rng: np.random.Generator, share: float) -> pd.DataFrame:
    n = len(frame)
    bad = np.flatnonzero(rng.random(n) < share)
    kind = rng.integers(0, 9, len(bad))
    f = frame.astype(object)
    for code, column, values in (
        (0, "counterparty_sort_code", lambda k: np.array(["6095-11", "60-95-1X", "609511"])[k % 3]),
        (
            1,
            "counterparty_iban",
            lambda k: np.array(["GB00NWBK60161331926819", "GB29NWBK6016133192681"])[k % 2],
        ),
        (2, "counterparty_iban", lambda k: np.full(len(k), "GB29NWBK60161331926819")),  # sort code disagrees
        (3, "currency", lambda k: _BAD_CURRENCIES[k % len(_BAD_CURRENCIES)]),
        (4, "timestamp", lambda k: np.full(len(k), "19/11/2026 10:00")),  # not ISO
        (5, "amount", lambda k: np.array(["-12.50", "0", "abc", "12,50"])[k % 4]),
        (6, "account_id", lambda k: np.array(["A99999999", None])[k % 2]),
        (7, "direction", lambda k: np.full(len(k), "sideways")),
    ):
        idx = bad[kind == code]
        vals = values(np.arange(len(idx)))
        f.loc[idx, column] = vals
        if code == 2:
            f.loc[idx, "counterparty_sort_code"] = "11-22-33"
    future = bad[kind == 4]
    # Half of these rows carry a day-first timestamp, the other half are dated two days ahead.
    f.loc[future[::2], "timestamp"] = (
        (pd.to_datetime(frame.loc[future[::2], "timestamp"]) + pd.Timedelta(days=2))
        .dt.strftime("%Y-%m-%d %H:%M:%S")
        .to_numpy()
    )
    dupes = bad[kind == 8]
    if len(dupes):  # re-sent rows: an earlier transaction again, same id
        src = rng.integers(0, n, len(dupes))
        f.loc[dupes] = f.loc[src].to_numpy()
    return f


def generate_loans(ds: str, rows: int, customers: pd.Series, dirty_share: float) -> pd.DataFrame:
    """Matured applications dated `ds` with their outcome: default risk has thresholds and interactions
    (utilisation with delinquencies, short credit history, 60-month small-business loans)."""
    rng = np.random.default_rng(_seed("loans", ds, rows))
    income = np.round(rng.lognormal(10.6, 0.5, rows), -2).clip(8_000, 500_000)
    emp = rng.integers(0, len(EMPLOYMENT_LENGTHS), rows)
    home = rng.choice(HOME_OWNERSHIP, rows, p=[0.42, 0.43, 0.14, 0.01])
    amount = np.round(rng.uniform(1_000, 35_000, rows) * rng.uniform(0.5, 1.0, rows), -2).clip(500, 40_000)
    purpose = rng.choice(PURPOSES, rows, p=[0.45, 0.2, 0.08, 0.06, 0.04, 0.06, 0.03, 0.08])
    term60 = rng.random(rows) < 0.28
    dti = np.round(rng.gamma(4.0, 4.5, rows).clip(0, 60), 2)
    delinq = rng.poisson(0.3, rows)
    history = np.round(rng.gamma(3.0, 5.0, rows).clip(0.5, 50), 1)
    util = np.round(rng.beta(2.2, 2.6, rows) * 120, 1)
    lti = amount / income
    z = (
        -3.4
        + 1.5 * (lti > 0.3)
        + 0.07 * np.maximum(dti - 25, 0)
        + 1.8 * ((util > 80) & (delinq > 0))
        + 0.2 * delinq
        + 1.2 * (history < 3)
        + 1.3 * term60 * (purpose == "small_business")
        + 0.5 * term60
        + 0.8 * (emp == 0)
        + 0.7 * (income < 20_000)
        - 0.5 * (home == "MORTGAGE")
        + 0.4 * (purpose == "small_business")
        - 0.3 * (purpose == "car")
    )
    default = (rng.random(rows) < 1 / (1 + np.exp(-z))).astype(int)
    frame = pd.DataFrame(
        {
            "application_id": [f"L{ds.replace('-', '')}{i:06d}" for i in range(rows)],
            "customer_id": customers.to_numpy()[rng.integers(0, len(customers), rows)],
            "application_date": ds,
            "annual_income": income,
            "employment_length": np.asarray(EMPLOYMENT_LENGTHS)[emp],
            "home_ownership": home,
            "loan_amount": amount,
            "purpose": purpose,
            "term": np.where(term60, "60 months", "36 months"),
            "dti": dti,
            "delinq_2yrs": delinq,
            "credit_history_years": history,
            "revol_util": util,
            "default": default,
        }
    ).astype(str)
    bad = np.flatnonzero(rng.random(rows) < dirty_share)
    for i, kind in zip(bad, rng.integers(0, 4, len(bad)), strict=True):
        column, value = (("annual_income", "-1"), ("dti", "n/a"), ("term", "48 months"), ("default", "Y"))[
            kind
        ]
        frame.at[i, column] = value
    return frame


def _arrow(frame: pd.DataFrame, entity: str) -> pa.Table:
    """Bronze keeps raw text, as a file export would deliver it; missing stays missing."""
    data = {}
    for c in RAW_COLUMNS[entity]:
        values = frame[c].to_numpy(dtype=object) if len(frame) else np.array([], dtype=object)
        missing = pd.isna(values)
        text = values.astype(str).astype(object)
        text[missing] = None
        data[c] = pa.array(text, type=pa.string())
    data[sources.RAW_LINE_COLUMN] = pa.nulls(len(frame), pa.string())
    return pa.table(data)


def synthetic_extract(
    ds: str,
    after: str | None,
    rows: int,
    applications: int,
    dirty_share: float,
    customers: int,
    bank_code: str,
) -> dict[str, RawExtract]:
    """Every entity's raw rows for `ds`: master data that appeared in (after, ds], the day's events."""
    b = book(customers, dirty_share, bank_code)
    cust, acct = book_slice(b, after, ds)
    frames = {
        "customers": cust,
        "accounts": acct,
        "transactions": generate_transactions(ds, rows, b.accounts, dirty_share, bank_code),
        "loans": generate_loans(
            ds, applications, b.customers.loc[b.customers["created_on"] <= ds, "customer_id"], dirty_share
        ),
    }
    out = {}
    for entity, frame in frames.items():
        table = _arrow(frame, entity)
        out[entity] = RawExtract(table, checksum_table(table), f"synthetic:{GENERATOR_VERSION}:{entity}")
    return out


def file_extract(folder: str, ds: str) -> dict[str, RawExtract]:
    """`BANKING_SOURCE` is a folder holding customers, accounts, transactions and loans files (CSV, CSV.gz
    or Parquet; `{ds}` in the folder path selects a per-day folder). Each must have its raw columns."""
    root = Path(folder.replace("{ds}", ds)).expanduser()
    if not root.is_dir():
        raise SourceError(
            f"BANKING_SOURCE {root} is not a folder with customers/accounts/transactions/loans files"
        )
    out = {}
    for entity in RAW_COLUMNS:
        found = [
            p for p in sorted(root.glob(f"{entity}.*")) if p.name.endswith((".csv", ".csv.gz", ".parquet"))
        ]
        if not found:
            raise SourceError(
                f"BANKING_SOURCE {root} has no {entity}.csv, {entity}.csv.gz or {entity}.parquet"
            )
        out[entity] = sources.read_file_source(str(found[0]), ds, RAW_COLUMNS[entity], "BANKING_SOURCE")
    return out
