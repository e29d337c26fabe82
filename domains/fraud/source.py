"""Fraud's raw source: a user's CSV/Parquet export, or a deterministic synthetic card population."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from domains.core import people, sources
from domains.core.bronze import checksum_table
from domains.core.sources import RawExtract
from domains.fraud.schema import CATEGORIES, RAW_COLUMNS, RAW_LINE_COLUMN

GENERATOR_VERSION = "fraud-synth-1"


def read_file_source(path_template: str, ds: str) -> RawExtract:
    """Read a CSV or Parquet export in the raw fraud schema; `{ds}` in the path selects a per-day file."""
    return sources.read_file_source(path_template, ds, RAW_COLUMNS, "FRAUD_SOURCE")


# ---------------------------------------------------------------------- synthetic source
_CITIES = [  # city, state, zip, lat, long, population
    ("New York", "NY", "10001", 40.7128, -74.0060, 8_336_817),
    ("Los Angeles", "CA", "90001", 34.0522, -118.2437, 3_979_576),
    ("Chicago", "IL", "60601", 41.8781, -87.6298, 2_693_976),
    ("Houston", "TX", "77001", 29.7604, -95.3698, 2_320_268),
    ("Phoenix", "AZ", "85001", 33.4484, -112.0740, 1_680_992),
    ("Philadelphia", "PA", "19101", 39.9526, -75.1652, 1_584_064),
    ("San Antonio", "TX", "78201", 29.4241, -98.4936, 1_547_253),
    ("San Diego", "CA", "92101", 32.7157, -117.1611, 1_423_851),
    ("Dallas", "TX", "75201", 32.7767, -96.7970, 1_343_573),
    ("Austin", "TX", "73301", 30.2672, -97.7431, 978_908),
    ("Jacksonville", "FL", "32099", 30.3322, -81.6557, 911_507),
    ("Columbus", "OH", "43004", 39.9612, -82.9988, 898_553),
    ("Charlotte", "NC", "28201", 35.2271, -80.8431, 885_708),
    ("Indianapolis", "IN", "46201", 39.7684, -86.1581, 876_384),
    ("Seattle", "WA", "98101", 47.6062, -122.3321, 753_675),
    ("Denver", "CO", "80201", 39.7392, -104.9903, 727_211),
    ("Boston", "MA", "02108", 42.3601, -71.0589, 692_600),
    ("Nashville", "TN", "37201", 36.1627, -86.7816, 670_820),
    ("Detroit", "MI", "48201", 42.3314, -83.0458, 670_031),
    ("Portland", "OR", "97201", 45.5152, -122.6784, 654_741),
    ("Memphis", "TN", "37501", 35.1495, -90.0490, 651_073),
    ("Louisville", "KY", "40201", 38.2527, -85.7585, 617_638),
    ("Milwaukee", "WI", "53201", 43.0389, -87.9065, 590_157),
    ("Albuquerque", "NM", "87101", 35.0844, -106.6504, 560_513),
    ("Tucson", "AZ", "85701", 32.2226, -110.9747, 548_073),
    ("Fresno", "CA", "93650", 36.7378, -119.7871, 531_576),
    ("Sacramento", "CA", "94203", 38.5816, -121.4944, 513_624),
    ("Kansas City", "MO", "64101", 39.0997, -94.5786, 495_327),
    ("Atlanta", "GA", "30301", 33.7490, -84.3880, 506_811),
    ("Omaha", "NE", "68101", 41.2565, -95.9345, 478_192),
    ("Raleigh", "NC", "27601", 35.7796, -78.6382, 474_069),
    ("Miami", "FL", "33101", 25.7617, -80.1918, 467_963),
    ("Minneapolis", "MN", "55401", 44.9778, -93.2650, 429_606),
    ("Tulsa", "OK", "74101", 36.1540, -95.9928, 401_190),
    ("Wichita", "KS", "67201", 37.6872, -97.3301, 389_938),
    ("New Orleans", "LA", "70112", 29.9511, -90.0715, 390_144),
    ("Boise", "ID", "83701", 43.6150, -116.2023, 228_959),
    ("Burlington", "VT", "05401", 44.4759, -73.2121, 42_819),
    ("Bozeman", "MT", "59715", 45.6770, -111.0429, 49_831),
    ("Fargo", "ND", "58102", 46.8772, -96.7898, 125_990),
]
_JOBS = (
    "Nurse",
    "Teacher",
    "Engineer, civil",
    "Accountant",
    "Sales executive",
    "Software developer",
    "Chef",
    "Electrician",
    "Pharmacist",
    "Police officer",
    "Architect",
    "Librarian",
    "Designer",
    "Paramedic",
    "Lawyer",
    "Farm manager",
    "Dentist",
    "Journalist",
    "Plumber",
    "Surveyor",
)
# Typical spend by category (multiplier on a card's own habit), log scale.
_CAT_LOG_MULT = np.log(np.array([1.2, 0.9, 0.8, 1.1, 1.0, 0.9, 1.3, 1.0, 1.2, 0.8, 0.7, 1.6, 1.4, 2.5]))
_ONLINE = np.array([CATEGORIES.index(c) for c in ("grocery_net", "misc_net", "shopping_net")])
_FRAUD_CATS = np.array(
    [CATEGORIES.index(c) for c in ("shopping_net", "misc_net", "shopping_pos", "grocery_pos")]
)


def _rng(*key: object) -> np.random.Generator:
    seed = int.from_bytes(hashlib.sha256("|".join(map(str, key)).encode()).digest()[:8], "little")
    return np.random.default_rng(seed)


@dataclass(frozen=True)
class CardPopulation:
    """A stable set of card holders: where they live, how and when they spend."""

    cc_num: np.ndarray
    first: np.ndarray
    last: np.ndarray
    gender: np.ndarray
    street: np.ndarray
    city_idx: np.ndarray
    lat: np.ndarray
    long: np.ndarray
    job: np.ndarray
    dob: np.ndarray
    spend_mu: np.ndarray
    spend_sigma: np.ndarray
    cat_cum: np.ndarray
    activity: np.ndarray
    night_owl: np.ndarray

    @property
    def size(self) -> int:
        return len(self.cc_num)


@lru_cache(maxsize=4)
def card_population(n_cards: int) -> CardPopulation:
    """The same cards every day (seeded by size only), so habits and history carry across partitions."""
    rng = _rng(GENERATOR_VERSION, "population", n_cards)
    city_w = np.array([c[5] for c in _CITIES], dtype=float) ** 0.6
    city_idx = rng.choice(len(_CITIES), size=n_cards, p=city_w / city_w.sum())
    lat = np.array([c[3] for c in _CITIES])[city_idx] + rng.normal(0, 0.08, n_cards)
    long = np.array([c[4] for c in _CITIES])[city_idx] + rng.normal(0, 0.08, n_cards)
    prefs = rng.dirichlet(np.full(len(CATEGORIES), 0.35), size=n_cards)
    prefs = 0.9 * prefs + 0.1 / len(CATEGORIES)  # everyone shops everywhere now and then
    birth = np.datetime64("1940-01-01") + rng.integers(0, 64 * 365, n_cards).astype("timedelta64[D]")
    cc = rng.integers(10**15, 10**16 - 1, n_cards, dtype=np.int64)
    cc[rng.random(n_cards) < 0.3] //= 1000  # some 13-digit card numbers, as in the public data
    return CardPopulation(
        cc_num=cc.astype(str),
        first=rng.choice(people.FIRST_NAMES, n_cards),
        last=rng.choice(people.LAST_NAMES, n_cards),
        gender=rng.choice(np.array(["F", "M"]), n_cards),
        street=np.char.add(
            np.char.add(rng.integers(1, 9999, n_cards).astype(str), " "),
            np.char.add(rng.choice(people.STREET_NAMES, n_cards), " St"),
        ),
        city_idx=city_idx,
        lat=lat,
        long=long,
        job=rng.choice(np.array(_JOBS), n_cards),
        dob=birth.astype(str),
        spend_mu=rng.normal(3.3, 0.55, n_cards),
        spend_sigma=rng.uniform(0.45, 0.95, n_cards),
        cat_cum=np.cumsum(prefs, axis=1),
        activity=rng.gamma(2.0, 1.0, n_cards),
        night_owl=rng.random(n_cards) < 0.08,
    )


def _pick_categories(rng: np.random.Generator, cat_cum: np.ndarray) -> np.ndarray:
    u = rng.random(len(cat_cum))[:, None]
    return np.minimum((cat_cum < u).sum(axis=1), len(CATEGORIES) - 1)


def _fraud_episodes(rng: np.random.Generator, pop: CardPopulation, n_episodes: int) -> dict[str, np.ndarray]:
    """Compromised cards: testing bursts, night sprees far from home, and subtle look-alikes."""
    cards = rng.choice(pop.size, size=n_episodes, replace=False, p=pop.activity / pop.activity.sum())
    kind = rng.choice(3, size=n_episodes, p=[0.3, 0.42, 0.28])  # 0 testing, 1 spree, 2 subtle
    sizes = np.where(
        kind == 0,
        rng.integers(3, 9, n_episodes),
        np.where(kind == 1, rng.integers(2, 7, n_episodes), rng.integers(1, 3, n_episodes)),
    )
    night = rng.random(n_episodes) < np.where(kind == 2, 0.25, 0.6)
    start = (
        np.where(
            night,
            rng.integers(0, 5 * 3600, n_episodes) + np.where(rng.random(n_episodes) < 0.5, 0, 19 * 3600),
            rng.integers(6 * 3600, 22 * 3600, n_episodes),
        )
        % 86_000
    )
    ep = np.repeat(np.arange(n_episodes), sizes)
    k = kind[ep]
    step = np.concatenate([np.arange(s) for s in sizes])
    gap = np.where(
        k == 0,
        rng.integers(20, 180, ep.size),
        np.where(k == 1, rng.integers(300, 2400, ep.size), rng.integers(1800, 14_400, ep.size)),
    )
    secs = np.minimum(start[ep] + step * gap, 86_399)
    card = cards[ep]
    habit = np.exp(pop.spend_mu[card])
    amount = np.where(
        k == 0,
        np.where(step < sizes[ep] - 1, rng.uniform(1.0, 9.99, ep.size), habit * rng.uniform(4, 14, ep.size)),
        np.where(
            k == 1, habit * rng.lognormal(np.log(6), 0.6, ep.size), habit * rng.uniform(1.3, 3.2, ep.size)
        ),
    )
    own_cat = _pick_categories(rng, pop.cat_cum[card])
    cat = np.where(
        k == 0,
        rng.choice(_ONLINE, ep.size),
        np.where((k == 1) | (rng.random(ep.size) < 0.5), rng.choice(_FRAUD_CATS, ep.size), own_cat),
    )
    far = (k == 1) & (rng.random(ep.size) < 0.55) | (k == 2) & (rng.random(ep.size) < 0.1)
    return {"card": card, "secs": secs, "amount": amount, "cat": cat, "far": far}


def generate_day(ds: str, rows: int, dirty_share: float = 0.01) -> RawExtract:
    """One day of transactions, identical for the same (date, size, dirty share)."""
    day = date.fromisoformat(ds)
    n_cards = max(rows // 5, 200)
    pop = card_population(n_cards)
    rng = _rng(GENERATOR_VERSION, "day", ds, rows, dirty_share)

    # ~0.7% of rows are fraud: episodes average ~4 transactions.
    n_episodes = max(int(rows * 0.0017), 3)
    fraud = _fraud_episodes(rng, pop, n_episodes)
    n_fraud = len(fraud["card"])
    n_legit = rows - n_fraud

    card = rng.choice(pop.size, size=n_legit, p=pop.activity / pop.activity.sum())
    hour_day = np.clip(rng.normal(13.5, 3.8, n_legit), 5, 23.99)
    hour_any = rng.uniform(0, 24, n_legit)
    hours = np.where(pop.night_owl[card] & (rng.random(n_legit) < 0.5), hour_any, hour_day)
    secs = (hours * 3600).astype(np.int64)
    cat = _pick_categories(rng, pop.cat_cum[card])
    amount = np.exp(rng.normal(pop.spend_mu[card] + _CAT_LOG_MULT[cat], pop.spend_sigma[card]))
    big = rng.random(n_legit) < 0.006  # legitimate big-ticket buys look like amount spikes
    amount = np.where(big, amount * rng.uniform(4, 12, n_legit), amount)
    travel = rng.random(n_legit) < 0.025  # legitimate travel looks like "far from home"
    far = travel

    card = np.concatenate([card, fraud["card"]])
    secs = np.concatenate([secs, fraud["secs"]])
    cat = np.concatenate([cat, fraud["cat"]])
    amount = np.round(np.concatenate([amount, fraud["amount"]]), 2)
    far = np.concatenate([far, fraud["far"]])
    label = np.concatenate([np.zeros(n_legit, dtype=np.int8), np.ones(n_fraud, dtype=np.int8)])
    order = np.argsort(secs, kind="stable")
    card, secs, cat, amount, far, label = (
        card[order],
        secs[order],
        cat[order],
        amount[order],
        far[order],
        label[order],
    )

    far_city = rng.integers(0, len(_CITIES), rows)
    city_lat = np.array([c[3] for c in _CITIES])
    city_long = np.array([c[4] for c in _CITIES])
    merch_lat = np.where(far, city_lat[far_city], pop.lat[card]) + rng.normal(0, 0.25, rows)
    merch_long = np.where(far, city_long[far_city], pop.long[card]) + rng.normal(0, 0.25, rows)

    ts = np.datetime64(day.isoformat(), "s") + secs.astype("timedelta64[s]")
    ts_arrow = pa.array(ts, pa.timestamp("s"))
    merchants = np.char.add(
        np.char.add(np.array(people.LAST_NAMES)[rng.integers(0, len(people.LAST_NAMES), rows)], "-"),
        np.char.add(np.array(CATEGORIES)[cat], np.char.mod(" Co %d", rng.integers(1, 40, rows))),
    )
    city_idx = pop.city_idx[card]
    cols: dict[str, pa.Array] = {
        "trans_date_trans_time": pc.strftime(ts_arrow, format="%Y-%m-%d %H:%M:%S"),
        "cc_num": pa.array(pop.cc_num[card]),
        "merchant": pa.array(merchants),
        "category": pa.array(np.array(CATEGORIES)[cat]),
        "amt": _num(amount, 2),
        "first": pa.array(pop.first[card]),
        "last": pa.array(pop.last[card]),
        "gender": pa.array(pop.gender[card]),
        "street": pa.array(pop.street[card]),
        "city": pa.array(np.array([c[0] for c in _CITIES])[city_idx]),
        "state": pa.array(np.array([c[1] for c in _CITIES])[city_idx]),
        "zip": pa.array(np.array([c[2] for c in _CITIES])[city_idx]),
        "lat": _num(pop.lat[card], 4),
        "long": _num(pop.long[card], 4),
        "city_pop": pa.array(np.array([c[5] for c in _CITIES])[city_idx]).cast(pa.string()),
        "job": pa.array(pop.job[card]),
        "dob": pa.array(pop.dob[card]),
        "trans_num": pa.array(_hex_ids(rng, rows)),
        "unix_time": pa.array(ts.astype(np.int64)).cast(pa.string()),
        "merch_lat": _num(merch_lat, 6),
        "merch_long": _num(merch_long, 6),
        "is_fraud": pa.array(label.astype(str)),
    }
    cols = _inject_dirty(rng, cols, rows, dirty_share)
    cols[RAW_LINE_COLUMN] = pa.nulls(rows, pa.string())
    table = pa.table(cols)
    return RawExtract(table, checksum_table(table), f"synthetic:{GENERATOR_VERSION}:rows={rows}")


def _num(values: np.ndarray, decimals: int) -> pa.Array:
    return pa.array(np.round(values, decimals)).cast(pa.string())


def _hex_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    return _fast_hex(raw)


def _fast_hex(raw: np.ndarray) -> np.ndarray:
    digits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    out = np.empty((raw.shape[0], 32), dtype=np.uint8)
    out[:, 0::2] = digits[raw >> 4]
    out[:, 1::2] = digits[raw & 0x0F]
    return out.view("S32").ravel().astype(str)


_DIRTY_KINDS = (
    ("amt", None),  # missing amount
    ("cc_num", None),  # missing card
    ("amt", "12,50 USD"),  # wrong type
    ("amt", "-25.00"),  # out of range
    ("lat", "123.4567"),  # out of range
    ("merch_long", "east"),  # wrong type
    ("trans_num", "TX-000-BAD"),  # malformed id
    ("cc_num", "4111-XXXX-1111"),  # malformed card number
    ("trans_date_trans_time", "2019-13-45 25:61:00"),  # impossible timestamp
    ("is_fraud", "yes"),  # label out of domain
    ("category", "groceries"),  # unknown category
    ("trans_num", "__duplicate__"),  # re-sent transaction
)


def _inject_dirty(
    rng: np.random.Generator, cols: dict[str, pa.Array], rows: int, share: float
) -> dict[str, pa.Array]:
    n_dirty = round(rows * share)
    if n_dirty == 0:
        return cols
    idx = rng.choice(rows, size=n_dirty, replace=False)
    kinds = rng.integers(0, len(_DIRTY_KINDS), n_dirty)
    for k, (column, value) in enumerate(_DIRTY_KINDS):
        at = np.sort(idx[kinds == k])
        if at.size == 0:
            continue
        mask = np.zeros(rows, dtype=bool)
        mask[at] = True
        if value == "__duplicate__":
            donors = (at + 1) % rows  # the next transaction's id, sent twice
            replacement = cols[column].take(pa.array(donors))
        else:
            replacement = pa.array([value] * at.size, pa.string())
        cols[column] = pc.replace_with_mask(cols[column], pa.array(mask), replacement)
    return cols
