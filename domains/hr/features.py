"""Attrition features from anonymised employee columns, shared by transform and the API."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from domains.core import privacy, text
from domains.hr.schema import FEATURES, INT_RANGES, snake

INT_COLUMNS: tuple[str, ...] = tuple(snake(c) for c in INT_RANGES)


def age_band(age: pd.Series) -> pd.Series:
    """Coarse bands for k-anonymous publishing: 18-29, 30-39, 40-49, 50+."""
    a = age.to_numpy(dtype=float)
    labels = np.select([a < 30, a < 40, a < 50], ["18-29", "30-39", "40-49"], "50+")
    return pd.Series(labels, index=age.index, dtype="str")


def feature_frame(c: pd.DataFrame) -> pd.DataFrame:
    """The model's inputs from typed snake_case columns (the 23 integers, the categories, sentiment)."""
    out = pd.DataFrame({k: c[k].to_numpy(dtype=np.int64) for k in INT_COLUMNS}, index=c.index)
    role = c["job_role"]
    out["over_time_yes"] = (c["over_time"] == "Yes").astype(int)
    out["travel_frequently"] = (c["business_travel"] == "Travel_Frequently").astype(int)
    out["travel_rarely"] = (c["business_travel"] == "Travel_Rarely").astype(int)
    out["single"] = (c["marital_status"] == "Single").astype(int)
    out["gender_male"] = (c["gender"] == "Male").astype(int)
    out["dept_sales"] = (c["department"] == "Sales").astype(int)
    out["dept_rd"] = (c["department"] == "Research & Development").astype(int)
    out["role_sales_representative"] = (role == "Sales Representative").astype(int)
    out["role_laboratory_technician"] = (role == "Laboratory Technician").astype(int)
    out["role_manager_or_director"] = role.isin(
        ["Manager", "Research Director", "Manufacturing Director"]
    ).astype(int)
    out["comment_sentiment"] = c["comment_sentiment"].to_numpy(dtype=float)
    out["has_comment"] = c["comment_sentiment"].notna().astype(int)
    return out[list(FEATURES)]


def comment_sentiment(
    comments: pd.Series, names: Iterable[str] = ()
) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """Comments redacted (contact details, numbers, the roster's names), the redaction count per row,
    and VADER's compound score of the redacted text (NaN where there is no comment)."""
    has = comments.notna() & comments.astype("str").str.strip().ne("")
    redacted, redactions = privacy.redact_text(comments.fillna(""), names)
    compound = np.full(len(comments), np.nan)
    if has.any():
        compound[has.to_numpy()] = text.vader_compound(redacted[has].tolist())
    return redacted.where(has), redactions.where(has, 0).astype("int64"), compound
