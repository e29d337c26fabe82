"""The exchange's trading days (NYSE-style holidays), so bars never fall on a weekend or a holiday."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

import pandas as pd
from pandas.tseries.holiday import (
    AbstractHolidayCalendar,
    GoodFriday,
    Holiday,
    USLaborDay,
    USMartinLutherKingJr,
    USMemorialDay,
    USPresidentsDay,
    USThanksgivingDay,
    nearest_workday,
    sunday_to_monday,
)
from pandas.tseries.offsets import CustomBusinessDay


class ExchangeHolidays(AbstractHolidayCalendar):
    """The full-day closures of a US equity exchange (New Year falling on a Saturday is not moved)."""

    rules: ClassVar[list[Holiday]] = [
        Holiday("New Year's Day", month=1, day=1, observance=sunday_to_monday),
        USMartinLutherKingJr,
        USPresidentsDay,
        GoodFriday,
        USMemorialDay,
        Holiday("Juneteenth", month=6, day=19, start_date="2022-06-19", observance=nearest_workday),
        Holiday("Independence Day", month=7, day=4, observance=nearest_workday),
        USLaborDay,
        USThanksgivingDay,
        Holiday("Christmas Day", month=12, day=25, observance=nearest_workday),
    ]


TRADING_DAY = CustomBusinessDay(calendar=ExchangeHolidays())


def trading_days(start: date | str, end: date | str) -> pd.DatetimeIndex:
    """Every trading day from `start` to `end`, both included."""
    return pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq=TRADING_DAY)


def next_trading_day(day: date | str | pd.Timestamp) -> pd.Timestamp:
    """The first trading day strictly after `day`: the bar a forecast made on `day`'s close is for."""
    return pd.Timestamp(day).normalize() + TRADING_DAY
