"""Restaurant raw sources: a user's review export, or deterministic synthetic reviews and restaurants.

The synthetic restaurants have a quality that drifts over time (some decline for weeks), reviewers
have their own leniency, and review text follows the stars with realistic noise: negation ("not
bad"), mixed verdicts, sarcasm-like praise for a bad night, short and long texts, typos and emoji.
Some days a restaurant receives a burst of near-identical five-star reviews from brand-new accounts
(a fake-review campaign), and a small share of rows is dirty.
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
from domains.restaurant.schema import BUSINESS_COLUMNS, RAW_COLUMNS, RAW_LINE_COLUMN

GENERATOR_VERSION = "restaurant-synth-1"
EPOCH = date(2026, 1, 1)
_B64 = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", dtype=np.uint8)

CITIES = ("Toronto", "Las Vegas", "Phoenix", "Charlotte", "Pittsburgh", "Montreal", "Cleveland", "Madison")
CUISINES = {
    "Italian": ("pasta", "lasagna", "tiramisu", "risotto", "carbonara"),
    "Mexican": ("tacos", "burrito", "guacamole", "enchiladas", "churros"),
    "Japanese": ("sushi", "ramen", "tempura", "miso soup", "sashimi"),
    "Burgers": ("burger", "fries", "milkshake", "onion rings", "chicken sandwich"),
    "Thai": ("pad thai", "green curry", "spring rolls", "tom yum", "mango sticky rice"),
    "Indian": ("butter chicken", "naan", "biryani", "samosas", "dal"),
    "Pizza": ("pizza", "calzone", "garlic knots", "margherita", "wings"),
    "Cafe": ("latte", "croissant", "avocado toast", "scone", "cappuccino"),
    "Barbeque": ("brisket", "ribs", "pulled pork", "mac and cheese", "cornbread"),
    "Vegan": ("buddha bowl", "falafel", "tofu scramble", "smoothie", "salad"),
}
_NAMES_A = ("Golden", "Blue", "Little", "Old Town", "Red", "Happy", "Urban", "Rustic", "Lucky", "Corner")
_NAMES_B = ("Spoon", "Table", "Kitchen", "Grill", "Garden", "House", "Bistro", "Diner", "Cantina", "Oven")

# Sentence banks by tone; {dish} is filled from the restaurant's cuisine.
_POSITIVE = (
    "The {dish} was amazing.",
    "Absolutely loved the {dish}!",
    "Best {dish} I have had in years.",
    "Service was friendly and fast.",
    "Great atmosphere and the staff were lovely.",
    "Fresh ingredients and generous portions.",
    "Worth every penny.",
    "We will definitely be back.",
    "The {dish} was delicious and perfectly seasoned.",
    "Our server was attentive and made great recommendations.",
)
_NEGATIVE = (
    "The {dish} was cold and bland.",
    "Terrible service, we waited forever.",
    "Overpriced and the portions were tiny.",
    "The {dish} tasted stale.",
    "Rude staff and a dirty table.",
    "Worst {dish} I have ever had.",
    "They got our order wrong twice.",
    "Never coming back.",
    "The place was filthy and the music was way too loud.",
    "Food poisoning after the {dish}, avoid.",
)
_NEUTRAL = (
    "The {dish} was okay.",
    "Average place, nothing special.",
    "Service was fine.",
    "Decent {dish} but a bit pricey.",
    "It was alright for a quick lunch.",
    "Portions were normal and the wait was typical.",
    "Some dishes were good, others forgettable.",
    "The {dish} was fine, the rest was so-so.",
)
# Negated phrasing: the words of the other tone, meaning this one.
_NEGATED_POSITIVE = (
    "The {dish} was not bad at all.",
    "Can't complain, really.",
    "No complaints about the {dish}.",
)
_NEGATED_NEGATIVE = (
    "The {dish} was not good.",
    "Wasn't impressed by the {dish}.",
    "Not worth the price.",
    "The staff weren't friendly.",
)
_SARCASTIC = ("Great, another hour of waiting.", "Loved paying twenty dollars for a cold {dish}. Not.")
_MIXED = ("The {dish} was great but the service was terrible.", "Lovely staff, shame about the {dish}.")
_BURST = (
    "Best place ever!!!",
    "Amazing!!! Five stars!!!",
    "Best {dish} ever, must try!!!",
    "Amazing amazing!!!",
)
_EMOJI = {"positive": ("😍", "👍", "🔥", "😋"), "negative": ("😡", "👎", "🤮", "😞"), "neutral": ("😐", "🤷")}


def read_file_source(path_template: str, ds: str) -> RawExtract:
    """Read a review export (CSV/Parquet) in the raw schema; `{ds}` in the path selects a per-day file."""
    return sources.read_file_source(path_template, ds, RAW_COLUMNS, "RESTAURANT_SOURCE")


def read_businesses(path: str) -> RawExtract:
    """Read the businesses table (business_id, name, city, categories) a review export refers to."""
    return sources.read_file_source(path, "", BUSINESS_COLUMNS, "RESTAURANT_BUSINESSES_SOURCE")


def _rng(*key: object) -> np.random.Generator:
    digest = hashlib.sha256("/".join(map(str, (GENERATOR_VERSION, *key))).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def _ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """n ids in the export's format: 22 URL-safe base64 characters."""
    chars = _B64[rng.integers(0, 64, size=(n, 22))]
    return chars.view("S22").ravel().astype(str)


@dataclass(frozen=True)
class Restaurants:
    """The synthetic restaurants: ids, names, cities, cuisines, base quality and how it drifts."""

    business_id: np.ndarray
    name: np.ndarray
    city: np.ndarray
    cuisine: np.ndarray
    base_quality: np.ndarray
    popularity: np.ndarray
    drift_amplitude: np.ndarray
    drift_phase: np.ndarray
    decline_start: np.ndarray  # day index from EPOCH a decline starts, or a large number for none

    def quality(self, day: int) -> np.ndarray:
        """Expected stars on `day`: base, a slow seasonal wobble, and a steady decline for some."""
        wobble = self.drift_amplitude * np.sin(2 * np.pi * (day / 90.0 + self.drift_phase))
        decline = np.clip(day - self.decline_start, 0, None) * 0.04
        return np.clip(self.base_quality + wobble - np.minimum(decline, 2.0), 1.0, 5.0)


@lru_cache(maxsize=4)
def restaurants(n: int = 400) -> Restaurants:
    rng = _rng("restaurants", n)
    cuisines = np.array(list(CUISINES))
    declining = rng.random(n) < 0.08
    return Restaurants(
        business_id=_ids(rng, n),
        name=np.array(
            [f"{_NAMES_A[a]} {_NAMES_B[b]}" for a, b in rng.integers(0, 10, size=(n, 2))], dtype=object
        ),
        city=np.array(CITIES)[rng.integers(0, len(CITIES), n)],
        cuisine=cuisines[rng.integers(0, len(cuisines), n)],
        base_quality=np.clip(rng.normal(3.7, 0.6, n), 1.5, 4.9),
        popularity=rng.pareto(1.2, n) + 1.0,
        drift_amplitude=rng.uniform(0.0, 0.5, n),
        drift_phase=rng.random(n),
        decline_start=np.where(declining, rng.integers(0, 365, n), 10**6),
    )


def businesses_table(n: int = 400) -> pa.Table:
    """The businesses file that goes with the synthetic reviews."""
    r = restaurants(n)
    categories = [f"Restaurants, {c}" for c in r.cuisine]
    return pa.table(
        {"business_id": r.business_id, "name": r.name.astype(str), "city": r.city, "categories": categories}
    )


def _sentence(rng: np.random.Generator, bank: tuple[str, ...], dish: str) -> str:
    return bank[int(rng.integers(0, len(bank)))].format(dish=dish)


def _typos(rng: np.random.Generator, text: str) -> str:
    words = text.split(" ")
    for i in np.flatnonzero(rng.random(len(words)) < 0.12):
        w = words[i]
        if len(w) > 3:
            j = int(rng.integers(1, len(w) - 2))
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]  # swap two letters
    return " ".join(words)


def review_text(rng: np.random.Generator, stars: int, dish: str) -> str:
    """A review whose tone follows how the visit felt (`stars`), with the noise real reviews have."""
    tone = "negative" if stars <= 2 else "neutral" if stars == 3 else "positive"
    bank = {"positive": _POSITIVE, "negative": _NEGATIVE, "neutral": _NEUTRAL}[tone]
    n_sentences = int(np.clip(rng.geometric(0.45), 1, 7))
    parts = [_sentence(rng, bank, dish) for _ in range(n_sentences)]
    roll = rng.random()
    if roll < 0.15:  # negated phrasing of the same verdict
        negated = {"positive": _NEGATED_POSITIVE, "negative": _NEGATED_NEGATIVE, "neutral": _MIXED}[tone]
        parts.insert(int(rng.integers(0, len(parts) + 1)), _sentence(rng, negated, dish))
    elif roll < 0.22 and tone != "positive":  # praise words, bad night
        parts.append(_sentence(rng, _SARCASTIC, dish))
    elif roll < 0.32:  # a mixed verdict, whatever the stars
        parts.append(_sentence(rng, _MIXED, dish))
    text = " ".join(parts)
    if rng.random() < 0.2:
        text = _typos(rng, text)
    if rng.random() < 0.15:
        emoji = _EMOJI[tone]
        text = f"{text} {emoji[int(rng.integers(0, len(emoji)))]}"
    if rng.random() < 0.05:
        text = text.upper() if tone == "negative" else text.lower()
    return text


def generate_day(ds: str, rows: int, dirty_share: float = 0.01, n_restaurants: int = 400) -> RawExtract:
    """One day of reviews, the same for the same date on every machine."""
    day = (date.fromisoformat(ds) - EPOCH).days
    rng = _rng("reviews", ds, rows, n_restaurants)
    r = restaurants(n_restaurants)
    weights = r.popularity / r.popularity.sum()
    which = rng.choice(len(weights), size=rows, p=weights)
    # The visit itself (what the text describes) and the reviewer's leniency (what only the stars
    # carry): text and stars agree on the whole but not review by review, as in real exports.
    experience = r.quality(day)[which] + rng.normal(0, 0.7, rows)
    leniency = rng.normal(0.0, 0.5, rows)
    stars = np.clip(np.rint(experience + leniency), 1, 5).astype(int)
    felt = np.clip(np.rint(experience), 1, 5).astype(int)
    users = _ids(_rng("users", GENERATOR_VERSION), 60_000)[rng.integers(0, 60_000, rows)]
    seconds = np.sort(rng.integers(0, 86_400, rows))
    texts = [
        review_text(rng, int(f), CUISINES[str(r.cuisine[b])][int(rng.integers(0, 5))])
        for f, b in zip(felt, which, strict=True)
    ]
    columns = {
        "review_id": _ids(rng, rows),
        "user_id": users,
        "business_id": r.business_id[which],
        "stars": stars.astype(str),
        "date": _timestamps(ds, seconds),
        "text": np.array(texts, dtype=object),
        "useful": rng.poisson(0.8, rows).astype(str),
        "funny": rng.poisson(0.2, rows).astype(str),
        "cool": rng.poisson(0.4, rows).astype(str),
    }
    columns = _add_bursts(rng, columns, r, ds)
    columns = _inject_dirty(rng, columns, dirty_share)
    n = len(columns["review_id"])
    table = pa.table({c: pa.array(columns[c], type=pa.string()) for c in RAW_COLUMNS})
    table = table.append_column(RAW_LINE_COLUMN, pa.nulls(n, pa.string()))
    return RawExtract(table, checksum_table(table), f"synthetic:{GENERATOR_VERSION}:{ds}")


def _timestamps(ds: str, seconds: np.ndarray) -> np.ndarray:
    base = np.datetime64(ds, "s")
    return np.datetime_as_string(base + seconds.astype("timedelta64[s]"), unit="s").astype(object)


def _add_bursts(rng: np.random.Generator, cols: dict[str, np.ndarray], r: Restaurants, ds: str) -> dict:
    """On about one day in three, one restaurant gets 20-60 near-identical 5-star reviews in two hours."""
    if rng.random() > 0.35:
        return cols
    target = int(rng.integers(0, len(r.business_id)))
    k = int(rng.integers(20, 61))
    dish = CUISINES[str(r.cuisine[target])][0]
    start = int(rng.integers(0, 86_400 - 7_200))
    burst = {
        "review_id": _ids(rng, k),
        "user_id": _ids(rng, k),  # brand-new accounts
        "business_id": np.full(k, r.business_id[target], dtype=object),
        "stars": np.full(k, "5", dtype=object),
        "date": _timestamps(ds, np.sort(start + rng.integers(0, 7_200, k))),
        "text": np.array([_sentence(rng, _BURST, dish) for _ in range(k)], dtype=object),
        "useful": np.full(k, "0", dtype=object),
        "funny": np.full(k, "0", dtype=object),
        "cool": np.full(k, "0", dtype=object),
    }
    return {c: np.concatenate([np.asarray(cols[c], dtype=object), burst[c]]) for c in cols}


def _inject_dirty(rng: np.random.Generator, cols: dict[str, np.ndarray], share: float) -> dict:
    """Missing text, impossible stars, bad dates, malformed and duplicated ids, unknown restaurants."""
    n = len(cols["review_id"])
    k = round(n * share)
    if k == 0:
        return cols
    out = {c: np.asarray(v, dtype=object).copy() for c, v in cols.items()}
    rows = rng.choice(n, size=k, replace=False)
    kinds = rng.integers(0, 6, k)
    for row, kind in zip(rows, kinds, strict=True):
        if kind == 0:
            out["text"][row] = None if rng.random() < 0.5 else "   "
        elif kind == 1:
            out["stars"][row] = ("0", "6", "five", "4.5", "")[int(rng.integers(0, 5))]
        elif kind == 2:
            out["date"][row] = ("2026-13-45 25:61:00", "yesterday", "")[int(rng.integers(0, 3))]
        elif kind == 3:
            out["review_id"][row] = str(out["review_id"][row])[:10]
        elif kind == 4:
            out["review_id"][row] = out["review_id"][(row + 1) % n]  # a re-sent review
        else:
            out["business_id"][row] = "unknown-business-000000"[:22]
    return out
