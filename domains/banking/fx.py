"""Reference rates that value every transaction in sterling, so AML thresholds (in GBP) apply to all.

Static month-end reference rates (GBP per unit). A transaction in a valid ISO 4217 currency without a
rate here is quarantined as `no_reference_rate`: an amount the society cannot value, it cannot monitor.
"""

from __future__ import annotations

GBP_PER_UNIT: dict[str, float] = {
    "GBP": 1.0,
    "EUR": 0.855,
    "USD": 0.79,
    "CHF": 0.9,
    "JPY": 0.0052,
    "CAD": 0.57,
    "AUD": 0.52,
    "NZD": 0.47,
    "SEK": 0.073,
    "NOK": 0.072,
    "DKK": 0.115,
    "PLN": 0.198,
    "CZK": 0.034,
    "HUF": 0.0021,
    "RON": 0.172,
    "TRY": 0.019,
    "AED": 0.215,
    "SAR": 0.21,
    "INR": 0.0091,
    "PKR": 0.0028,
    "CNY": 0.109,
    "HKD": 0.101,
    "SGD": 0.59,
    "ZAR": 0.043,
    "NGN": 0.0005,
    "KES": 0.0061,
    "IRR": 0.0000188,
    "KPW": 0.00088,
    "MMK": 0.00038,
    "ILS": 0.21,
    "MXN": 0.043,
    "BRL": 0.14,
}
