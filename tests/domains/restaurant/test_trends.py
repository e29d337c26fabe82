"""Restaurant gold: rolling stars and velocity by hand; alerts fire on planted anomalies only."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from domains.restaurant import trends

DS = "2026-11-20"


def day(offset: int) -> str:
    return (date.fromisoformat(DS) - timedelta(days=offset)).isoformat()


def history_rows(business: str, days: range, reviews: int, stars: float, negative: float) -> list[dict]:
    return [
        {
            "ds": day(d),
            "business_id": business,
            "reviews": reviews,
            "stars_sum": round(reviews * stars),
            "negative_reviews": round(reviews * negative),
        }
        for d in days
    ]


def reviews_today(business: str, stars: list[int], start: str = "12:00:00", gap_s: int = 600) -> pd.DataFrame:
    t0 = pd.Timestamp(f"{DS} {start}")
    return pd.DataFrame(
        {
            "business_id": business,
            "business_name": f"{business} name",
            "city": "Phoenix",
            "review_ts": [t0 + pd.Timedelta(seconds=gap_s * i) for i in range(len(stars))],
            "stars": stars,
            "sentiment": ["negative" if s <= 2 else "neutral" if s == 3 else "positive" for s in stars],
            "text": [f"review {business} {i}" for i in range(len(stars))],
            "vader_compound": 0.0,
        }
    )


def test_busiest_window_counts_rows_within_two_hours_per_group() -> None:
    group = np.array([0, 0, 0, 0, 1, 1])
    seconds = np.array([0, 3_000, 7_199, 7_200, 0, 100])
    five = np.array([1, 0, 1, 1, 0, 0])
    count, fives = trends.busiest_window(group, seconds, five)
    assert count.tolist() == [3, 3, 2, 1, 2, 1]
    assert fives.tolist() == [2, 2, 2, 1, 0, 0]


def test_rolling_stars_and_negative_share_are_hand_computable() -> None:
    # 6 earlier days in the 7-day window: 2 reviews/day, 8 stars/day, 1 negative/day.
    history = pd.DataFrame(history_rows("a", range(1, 7), reviews=2, stars=4.0, negative=0.5))
    today = reviews_today("a", [5, 1])
    gold = trends.business_daily(today, history, DS).iloc[0]
    assert gold["reviews"] == 2 and gold["avg_stars"] == 3.0 and gold["negative_share"] == 0.5
    assert gold["reviews_7d"] == 14
    assert gold["avg_stars_7d"] == (6 * 8 + 6) / 14
    assert gold["negative_share_7d"] == (6 + 1) / 14
    assert gold["reviews_30d"] == 14  # no older history


def _normal_history(n_business: int, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows, today = [], []
    for b in range(n_business):
        for d in range(1, trends.HISTORY_DAYS + 1):
            n = int(rng.poisson(6))
            neg = int(rng.binomial(n, 0.15))
            rows.append(
                {
                    "ds": day(d),
                    "business_id": f"b{b}",
                    "reviews": n,
                    "stars_sum": n * 4 - 2 * neg,
                    "negative_reviews": neg,
                }
            )
        n = int(rng.poisson(6)) + 1
        stars = np.where(rng.random(n) < 0.15, 1, 4).tolist()
        today.append(reviews_today(f"b{b}", stars, start="09:00:00", gap_s=5_000))
    return pd.DataFrame(rows), pd.concat(today, ignore_index=True)


def test_alerts_stay_quiet_on_normal_days() -> None:
    history, today = _normal_history(300, np.random.default_rng(7))
    gold = trends.business_daily(today, history, DS)
    assert trends.alerts(gold, history, DS).empty


def test_alerts_fire_on_planted_spike_drop_and_burst() -> None:
    history, today = _normal_history(50, np.random.default_rng(8))
    # b0: a bad week; b1: a fake-review campaign, 30 five-star copies in an hour.
    bad_week = history["business_id"].eq("b0") & pd.to_datetime(history["ds"]).ge(pd.Timestamp(day(6)))
    history.loc[bad_week, "negative_reviews"] = history.loc[bad_week, "reviews"]
    history.loc[bad_week, "stars_sum"] = history.loc[bad_week, "reviews"]
    campaign = reviews_today("b1", [5] * 30, start="14:00:00", gap_s=120).assign(text="Best place ever!!")
    today = pd.concat([today[today["business_id"] != "b0"], reviews_today("b0", [1, 1, 2, 1]), campaign])
    gold = trends.business_daily(today, history, DS)
    found = trends.alerts(gold, history, DS)
    fired = set(zip(found["business_id"], found["alert"], strict=True))
    assert fired == {("b0", "negative_sentiment_spike"), ("b0", "rating_drop"), ("b1", "review_burst")}
    burst = found[found["alert"] == "review_burst"].iloc[0]
    assert burst["severity"] == "high" and "fake-review campaign" in burst["detail"]
    assert found["ds"].eq(DS).all()
