"""Credit-risk features from a loan application, computed once for silver and again at the API, the
same way (so a served score matches the one the model was validated on)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from domains.banking.schema import EMPLOYMENT_LENGTHS, FEATURES, HOME_OWNERSHIP, PURPOSES

EMPLOYMENT_YEARS = {label: float(i) for i, label in enumerate(EMPLOYMENT_LENGTHS)}


def loan_features(apps: pd.DataFrame) -> pd.DataFrame:
    """Typed application columns (annual_income, loan_amount, dti, ... as numbers) to the model's FEATURES."""
    income = apps["annual_income"].to_numpy(dtype=float)
    amount = apps["loan_amount"].to_numpy(dtype=float)
    out = {
        "annual_income_log": np.log1p(income),
        "loan_amount": amount,
        "loan_to_income": amount / income,
        "dti": apps["dti"].to_numpy(dtype=float),
        "delinq_2yrs": apps["delinq_2yrs"].to_numpy(dtype=float),
        "credit_history_years": apps["credit_history_years"].to_numpy(dtype=float),
        "revol_util": apps["revol_util"].to_numpy(dtype=float),
        "employment_years": apps["employment_length"].map(EMPLOYMENT_YEARS).to_numpy(dtype=float),
        "term_60": (apps["term"].to_numpy() == "60 months").astype(float),
    }
    home = apps["home_ownership"].to_numpy()
    for h in HOME_OWNERSHIP[:3]:
        out[f"home_{h.lower()}"] = (home == h).astype(float)
    purpose = apps["purpose"].to_numpy()
    for p in PURPOSES[:-1]:
        out[f"purpose_{p}"] = (purpose == p).astype(float)
    return pd.DataFrame(out, index=apps.index)[list(FEATURES)]
