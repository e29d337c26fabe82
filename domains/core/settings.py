"""Validated settings from the environment (and an optional .env), shared by pipelines and APIs."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VAR_DIR = PROJECT_ROOT / "var"
# The repository's .env (written by `make run` with generated secrets); PLATFORM_ENV_FILE= disables it.
ENV_FILE: str | None = os.environ.get("PLATFORM_ENV_FILE", str(PROJECT_ROOT / ".env")) or None

# Development defaults: usable out of the box, refused when APP_ENV=production.
DEV_JWT_SECRET = "dev-only-jwt-secret-change-me-before-production"
DEV_PSEUDONYM_SECRET = "dev-only-pseudonym-secret-change-me-before-production"
DEV_SECRETS = frozenset({DEV_JWT_SECRET, DEV_PSEUDONYM_SECRET})


class Settings(BaseSettings):
    """Platform-wide settings; every field maps to an upper-case environment variable."""

    model_config = SettingsConfigDict(env_file=ENV_FILE, extra="ignore")

    app_env: Literal["development", "test", "production"] = "development"
    data_dir: Path = VAR_DIR / "data"
    warehouse_url: str = f"sqlite:///{VAR_DIR / 'warehouse.db'}"
    mlflow_tracking_uri: str = f"sqlite:///{VAR_DIR / 'mlflow.db'}"
    mlflow_artifact_root: Path = VAR_DIR / "mlartifacts"
    api_jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    pseudonym_secret: SecretStr = SecretStr(DEV_PSEUDONYM_SECRET)
    alert_webhook_url: str | None = None
    cpu_hour_cost_usd: float = Field(default=0.048, ge=0)
    # Days of transform's Parquet hand-off files kept before the run's date (load prunes older ones).
    handoff_retention_days: int = Field(default=7, ge=0)
    log_level: str = "INFO"
    log_format: Literal["json", "text"] = "json"
    # Prediction APIs (one process per domain; see api/).
    api_max_body_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    api_rate_limit_per_minute: int = Field(default=12_000, ge=0)  # per token subject; 0 disables
    api_rate_limit_burst: int = Field(default=600, ge=1)
    api_cors_origins: str = ""  # comma-separated; empty: no CORS headers
    api_model_refresh_seconds: float = Field(default=60.0, ge=0)  # 0: reload only on /admin/reload
    api_microbatch_max_size: int = Field(default=256, ge=1)  # 1: score each request on its own
    api_microbatch_max_wait_ms: float = Field(default=1.0, ge=0, le=50)

    @field_validator("api_jwt_secret", "pseudonym_secret", mode="before")
    @classmethod
    def _empty_means_default(cls, value: object, info: object) -> object:
        # `API_JWT_SECRET=` copied from .env.example means "not set", never "sign with an empty key".
        if value is None or (isinstance(value, str) and not value.strip()):
            name = getattr(info, "field_name", "")
            return DEV_JWT_SECRET if name == "api_jwt_secret" else DEV_PSEUDONYM_SECRET
        return value

    @model_validator(mode="after")
    def _refuse_default_secrets_in_production(self) -> Settings:
        if self.app_env != "production":
            return self
        bad = [
            name
            for name in ("api_jwt_secret", "pseudonym_secret")
            if getattr(self, name).get_secret_value() in DEV_SECRETS
            or len(getattr(self, name).get_secret_value()) < 32
        ]
        if bad:
            names = ", ".join(n.upper() for n in bad)
            raise ValueError(
                f"APP_ENV=production refuses default or short secrets: set {names} "
                "to random values of at least 32 characters"
            )
        return self


class SourceSettings(BaseSettings):
    """Per-domain source settings, read with the domain's prefix (FRAUD_SOURCE, FRAUD_ROWS_PER_DAY...)."""

    model_config = SettingsConfigDict(env_file=ENV_FILE, extra="ignore")

    source: str = "synthetic"
    rows_per_day: int = Field(default=100_000, ge=100)
    dirty_share: float = Field(default=0.01, ge=0, le=0.5)
    history_days: int = Field(default=1, ge=0, le=31)
    train_window_days: int = Field(default=14, ge=1, le=366)
    # A second file some domains' records refer to (restaurant: the businesses table of its reviews).
    businesses_source: str = ""
    # How far ahead a domain predicts, where it has a horizon (e-commerce: spend over the next N days).
    horizon_days: int = Field(default=90, ge=1, le=365)
    # How many instruments a market-data domain's synthetic source quotes (financial).
    tickers: int = Field(default=30, ge=1, le=500)


def get_settings() -> Settings:
    """Read settings now (not cached: tests and tasks change the environment between calls)."""
    return Settings()


def get_source_settings(domain: str, defaults: Mapping[str, Any] | None = None) -> SourceSettings:
    """Read a domain's source settings from `<DOMAIN>_*` variables; `defaults` fill what is not set.

    Domains differ in scale (100k card transactions a day, a few thousand reviews), so the spec
    carries its own defaults; a variable (or .env entry) always wins over them.
    """
    settings = SourceSettings(_env_prefix=f"{domain.upper()}_")
    unset = {k: v for k, v in (defaults or {}).items() if k not in settings.model_fields_set}
    return SourceSettings.model_validate({**settings.model_dump(), **unset}) if unset else settings
