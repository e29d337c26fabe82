"""E-commerce raw sources: a user's online-retail export, or deterministic synthetic order lines.

The synthetic shop has a product catalogue (Zipf popularity, list prices, occasional discounts) and
tens of thousands of customers with their own rhythm: loyal ones reorder every couple of weeks,
occasional ones every few months, lapsing ones buy often until they quietly stop, and one-off ones
buy once; everyone's engagement waxes and wanes over a few months. Demand follows the week and the
year (a pre-Christmas peak, quiet Saturdays). Some invoices are guest orders without a customer id;
some orders are partly cancelled the same day (a `C` invoice with negative quantities), and a small
share of rows is dirty.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np
import pyarrow as pa

from domains.core import sources
from domains.core.bronze import checksum_table
from domains.core.sources import RawExtract
from domains.ecommerce.schema import RAW_COLUMNS, RAW_LINE_COLUMN

GENERATOR_VERSION = "ecommerce-synth-2"
EPOCH = date(2026, 1, 1)
CUSTOMER_TYPES = ("loyal", "occasional", "lapsing", "one_off")
_COUNTRIES = (
    ("United Kingdom", 0.82),
    ("Germany", 0.04),
    ("France", 0.035),
    ("EIRE", 0.03),
    ("Netherlands", 0.02),
    ("Spain", 0.015),
    ("Belgium", 0.012),
    ("Switzerland", 0.01),
    ("Portugal", 0.008),
    ("Australia", 0.01),
)
_WEEKDAY = np.array([1.1, 1.1, 1.05, 1.2, 0.9, 0.35, 0.75])  # Monday..Sunday
_NOUNS = ("MUG", "CANDLE HOLDER", "TEA TOWEL", "LUNCH BAG", "BUNTING", "CAKE STAND", "DOORMAT", "NOTEBOOK")
_ADJECTIVES = (
    "RED",
    "VINTAGE",
    "RETROSPOT",
    "PINK",
    "HEART",
    "JUMBO",
    "REGENCY",
    "WHITE",
    "SPOTTY",
    "PAISLEY",
)


def read_file_source(path_template: str, ds: str) -> RawExtract:
    """Read an export (CSV/Parquet) in the raw schema; `{ds}` in the path selects a per-day file."""
    return sources.read_file_source(path_template, ds, RAW_COLUMNS, "ECOMMERCE_SOURCE")


def _rng(*key: object) -> np.random.Generator:
    digest = hashlib.sha256("/".join(map(str, (GENERATOR_VERSION, *key))).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


@dataclass(frozen=True)
class Catalogue:
    stock_code: np.ndarray
    description: np.ndarray
    price: np.ndarray
    weight: np.ndarray  # purchase probability


@lru_cache(maxsize=2)
def catalogue(n: int = 2500) -> Catalogue:
    rng = _rng("catalogue", n)
    codes = np.array([f"{84000 + i}{'ABC'[i % 3] if i % 7 == 0 else ''}" for i in range(n)], dtype=object)
    names = np.array(
        [
            f"{_ADJECTIVES[a]} {_NOUNS[b]}"
            for a, b in zip(rng.integers(0, 10, n), rng.integers(0, 8, n), strict=True)
        ],
        dtype=object,
    )
    price = np.round(np.exp(rng.normal(0.9, 0.8, n)), 2).clip(0.19, 300)
    weight = 1.0 / np.arange(1, n + 1) ** 0.9
    return Catalogue(codes, names, price, weight[rng.permutation(n)] / weight.sum())


@dataclass(frozen=True)
class Customers:
    customer_id: np.ndarray
    kind: np.ndarray  # index into CUSTOMER_TYPES
    country: np.ndarray
    start: np.ndarray  # first active day (days from EPOCH)
    stop: np.ndarray  # last active day (lapsing customers stop; others far in the future)
    rate: np.ndarray  # orders per day while active
    basket: np.ndarray  # mean lines per order
    qty_scale: np.ndarray  # wholesale-like customers buy in dozens
    cycle_days: np.ndarray  # engagement waxes and wanes over months (projects, budgets, moods)
    cycle_phase: np.ndarray

    def engagement(self, day: int) -> np.ndarray:
        """Multiplier on each customer's order rate on `day`: what recent activity reveals and a
        year-long average blurs."""
        return np.exp(0.9 * np.sin(2 * np.pi * (day / self.cycle_days + self.cycle_phase)))


@lru_cache(maxsize=2)
def customers(n: int = 20_000) -> Customers:
    rng = _rng("customers", n)
    kind = rng.choice(4, size=n, p=[0.15, 0.35, 0.2, 0.3])
    mean_gap = np.array([14.0, 75.0, 21.0, 1e9])[kind] * rng.lognormal(0, 0.35, n)
    start = rng.integers(-420, 700, n)
    lifetime = np.where(kind == 2, rng.exponential(90, n) + 20, 10**6).astype(np.int64)
    countries = np.array([c for c, _ in _COUNTRIES], dtype=object)
    share = np.array([p for _, p in _COUNTRIES])
    return Customers(
        customer_id=(12346 + np.arange(n)).astype(str).astype(object),
        kind=kind,
        country=countries[rng.choice(len(countries), size=n, p=share / share.sum())],
        start=start,
        stop=start + lifetime,
        rate=1.0 / mean_gap,
        basket=np.array([14.0, 8.0, 10.0, 6.0])[kind] * rng.lognormal(0, 0.4, n),
        qty_scale=np.where(rng.random(n) < 0.2, 12.0, 1.0) * rng.lognormal(0, 0.3, n),
        cycle_days=rng.uniform(60, 200, n),
        cycle_phase=rng.random(n),
    )


def season(day: date) -> float:
    """Demand multiplier: the weekday pattern and a pre-Christmas peak around mid November."""
    doy = day.timetuple().tm_yday
    return float(_WEEKDAY[day.weekday()] * (1.0 + 0.8 * np.exp(-(((doy - 325) / 28.0) ** 2))))


def generate_day(ds: str, customers_n: int = 20_000, dirty_share: float = 0.01) -> RawExtract:
    """One day of order lines, identical for the same date on every machine."""
    day = date.fromisoformat(ds)
    t = (day - EPOCH).days
    rng = _rng("day", ds, customers_n, dirty_share)
    c, cat = customers(customers_n), catalogue()
    active = (c.start <= t) & (t <= c.stop)
    lam = np.where(c.kind == 3, 0.0, c.rate) * active * season(day) * c.engagement(t)
    n_orders = rng.poisson(lam)
    n_orders[(c.kind == 3) & (c.start == t)] = 1  # one-off customers buy on their one day
    who = np.repeat(np.arange(customers_n), n_orders)
    n_known = len(who)
    n_guest = int(rng.poisson(max(n_known, 1) * 0.25))
    order_customer = np.concatenate([who, np.full(n_guest, -1)])
    rng.shuffle(order_customer)
    n_inv = len(order_customer)
    basket = np.where(order_customer >= 0, c.basket[np.maximum(order_customer, 0)], 5.0)
    lines = 1 + rng.poisson(basket)
    inv_no = np.arange(n_inv) + 1_000_000 + 4_000 * max(t + 500, 0)
    seconds = np.sort(rng.integers(7 * 3600, 20 * 3600, n_inv))

    line_inv = np.repeat(np.arange(n_inv), lines)
    product = rng.choice(len(cat.weight), size=len(line_inv), p=cat.weight)
    # One line per product per invoice, as a till prints it (a second pick adds to the quantity below).
    pairs, picks = np.unique(line_inv.astype(np.int64) * len(cat.weight) + product, return_counts=True)
    line_inv, product = pairs // len(cat.weight), pairs % len(cat.weight)
    n = len(line_inv)
    cust = order_customer[line_inv]
    scale = np.where(cust >= 0, c.qty_scale[np.maximum(cust, 0)], 1.0)
    qty = np.maximum(1, np.round(rng.geometric(0.45, n) * scale)).astype(np.int64) * picks
    price = cat.price[product] * np.where(rng.random(n) < 0.1, 0.85, 1.0)  # volume discounts
    invoice = inv_no[line_inv].astype(str).astype(object)
    ts = _timestamps(ds, seconds[line_inv])

    # A few orders are partly cancelled later the same day: C + invoice number, negative quantities.
    cancel_orders = np.flatnonzero((rng.random(n_inv) < 0.03) & (order_customer >= 0))
    cancel_lines = np.flatnonzero(np.isin(line_inv, cancel_orders) & (rng.random(n) < 0.5))
    columns = {
        "Invoice": np.concatenate([invoice, "C" + invoice[cancel_lines]]),
        "StockCode": np.concatenate([cat.stock_code[product], cat.stock_code[product][cancel_lines]]),
        "Description": np.concatenate([cat.description[product], cat.description[product][cancel_lines]]),
        "Quantity": np.concatenate([qty, -qty[cancel_lines]]).astype(str).astype(object),
        "InvoiceDate": np.concatenate(
            [ts, _timestamps(ds, np.minimum(seconds[line_inv][cancel_lines] + 3600, 86_399))]
        ),
        "Price": np.concatenate([price, price[cancel_lines]]).round(2).astype(str).astype(object),
        "Customer ID": np.concatenate([_customer_text(c, cust), _customer_text(c, cust[cancel_lines])]),
        "Country": np.concatenate([_country(c, cust, rng), c.country[np.maximum(cust[cancel_lines], 0)]]),
    }
    columns = _inject_dirty(rng, columns, dirty_share)
    table = pa.table({k: pa.array(columns[k], type=pa.string()) for k in RAW_COLUMNS})
    table = table.append_column(RAW_LINE_COLUMN, pa.nulls(table.num_rows, pa.string()))
    return RawExtract(table, checksum_table(table), f"synthetic:{GENERATOR_VERSION}:{ds}")


def _customer_text(c: Customers, idx: np.ndarray) -> np.ndarray:
    # The public export stores ids as floats ("12346.0"); blank for guests.
    out = np.where(idx >= 0, c.customer_id[np.maximum(idx, 0)], None).astype(object)
    return np.array([None if v is None else f"{v}.0" for v in out], dtype=object)


def _country(c: Customers, idx: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    guests = np.array([name for name, _ in _COUNTRIES], dtype=object)[rng.integers(0, 3, len(idx))]
    return np.where(idx >= 0, c.country[np.maximum(idx, 0)], guests)


def _timestamps(ds: str, seconds: np.ndarray) -> np.ndarray:
    base = np.datetime64(ds, "s")
    stamps = np.datetime_as_string(base + seconds.astype("timedelta64[s]"), unit="s").astype(object)
    return np.array([s.replace("T", " ") for s in stamps], dtype=object)


def _inject_dirty(rng: np.random.Generator, cols: dict[str, np.ndarray], share: float) -> dict:
    """Missing fields, text quantities, zero or negative prices, bad dates and ids, sign errors, re-sends."""
    n = len(cols["Invoice"])
    k = round(n * share)
    if k == 0:
        return cols
    out = {name: np.asarray(v, dtype=object).copy() for name, v in cols.items()}
    rows = rng.choice(n, size=k, replace=False)
    for row, kind in zip(rows, rng.integers(0, 8, k), strict=True):
        if kind == 0:
            out["StockCode"][row] = None
        elif kind == 1:
            out["Quantity"][row] = ("twelve", "", "1.5")[int(rng.integers(0, 3))]
        elif kind == 2:
            out["Price"][row] = ("0", "0.0", "-11062.06")[int(rng.integers(0, 3))]
        elif kind == 3:
            out["InvoiceDate"][row] = ("2026-02-30 10:00:00", "12/01/2010 08:26", "")[int(rng.integers(0, 3))]
        elif kind == 4:
            out["Invoice"][row] = "A" + str(out["Invoice"][row])[-6:]  # adjustment invoices are not sales
        elif kind == 5:
            out["Customer ID"][row] = "unknown"
        elif kind == 6 and not str(out["Invoice"][row]).startswith("C"):
            out["Quantity"][row] = "-" + str(out["Quantity"][row]).lstrip("-")  # a return on a sale invoice
        else:
            for name in out:
                out[name][row] = out[name][(row + 1) % n]  # a re-sent line
    return out
