"""Banking's own settings (BANKING_* variables): AML thresholds, the society's bank code, retention."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from domains.core.settings import ENV_FILE

# FATF "call for action" and a selection of "increased monitoring" jurisdictions (ISO 3166 alpha-2).
DEFAULT_HIGH_RISK = "KP,IR,MM,SY,YE,HT,SS,VE,AF"

# Years each table keeps a date's partition before the purge removes it. Master data (customers,
# accounts) is kept while the relationship lasts and removed on request by erasure instead.
DEFAULT_RETENTION_YEARS: dict[str, int] = {
    "transactions": 7,
    "loans": 7,
    "aml_alerts": 7,
    "quarantine": 2,
    "gold": 10,
}


class BankingSettings(BaseSettings):
    """Rules and reference data a compliance officer tunes without a code change."""

    model_config = SettingsConfigDict(env_file=ENV_FILE, env_prefix="BANKING_", extra="ignore")

    bank_code: str = Field(default="BUKB", pattern=r"^[A-Z]{4}$")  # the society's IBAN bank code
    applications_per_day: int = Field(default=1500, ge=10)
    customers: int = Field(default=40_000, ge=100)  # synthetic book size over its whole lifetime
    aml_cash_threshold_gbp: float = Field(default=10_000.0, gt=0)
    aml_structuring_band: float = Field(default=0.10, gt=0, lt=1)  # "just under": within 10 %
    aml_structuring_count: int = Field(default=3, ge=2)
    aml_velocity_count_5m: int = Field(default=10, ge=2)
    aml_velocity_value_24h_gbp: float = Field(default=50_000.0, gt=0)
    aml_rapid_in_out_min_gbp: float = Field(default=5_000.0, gt=0)
    aml_rapid_in_out_share: float = Field(default=0.9, gt=0, le=1)
    aml_round_amount_min_gbp: float = Field(default=5_000.0, gt=0)
    aml_high_risk_countries: str = DEFAULT_HIGH_RISK
    aml_anomaly_share: float = Field(default=0.005, gt=0, lt=0.5)  # accounts flagged by the forest
    aml_profile_days: int = Field(default=30, ge=1, le=366)
    retention_years: dict[str, int] = Field(default_factory=lambda: dict(DEFAULT_RETENTION_YEARS))

    @property
    def high_risk_countries(self) -> frozenset[str]:
        return frozenset(c.strip().upper() for c in self.aml_high_risk_countries.split(",") if c.strip())


def get_banking_settings() -> BankingSettings:
    return BankingSettings()
