"""Restaurant's serving contract: a review's text (and optional stars) in, its sentiment and reasons out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from domains.core import model_store, text
from domains.core.serving import DomainService, LoadedModel, ModelSmokeTestError
from domains.core.settings import Settings
from domains.restaurant.model import SentimentModel
from domains.restaurant.schema import SENTIMENTS, sentiment_from_stars
from domains.restaurant.spec import SPEC

Sentiment = Literal[SENTIMENTS]  # type: ignore[valid-type]
MAX_TEXT_CHARS = 20_000

EXAMPLE: dict[str, Any] = {
    "text": "The pad thai wasn't bad at all, but the service was painfully slow and nobody apologised.",
    "stars": 2,
}


class Review(BaseModel):
    """One review as a client sends it: the text, and the stars when the reviewer gave them."""

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [EXAMPLE]})

    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS, description="Review text, any language mix")
    stars: int | None = Field(default=None, ge=1, le=5, description="The reviewer's rating, if known")

    @field_validator("text")
    @classmethod
    def _has_words(cls, value: str) -> str:
        if not text.clean(value):
            raise ValueError("must contain some text, not only whitespace or markup")
        return value


class Term(BaseModel):
    term: str
    weight: float = Field(description="Push towards the predicted class (TF-IDF weight x coefficient)")


class SentimentPrediction(BaseModel):
    sentiment: Sentiment
    probabilities: dict[str, float] = Field(description="Per class: negative, neutral, positive")
    vader_compound: float = Field(description="VADER's compound score (-1..1), the baseline, for comparison")
    vader_sentiment: Sentiment
    stars_sentiment: Sentiment | None = Field(description="What the stars say, when stars were sent")
    model_version: str
    top_terms: list[Term]


class RestaurantService(DomainService):
    """Classifies review sentiment with the champion and shows VADER's reading beside it."""

    spec: ClassVar = SPEC
    record_model: ClassVar = Review
    prediction_model: ClassVar = SentimentPrediction
    example: ClassVar = EXAMPLE
    outcome_field: ClassVar = "sentiment"

    def load_model(self, settings: Settings, ref: model_store.ModelRef) -> LoadedModel:
        model = SentimentModel.load(settings, ref)
        return LoadedModel(ref.name, ref.version, ref.run_id, model, model.meta)

    def predict(self, model: LoadedModel, records: Sequence[BaseModel]) -> list[dict[str, Any]]:
        sentiment: SentimentModel = model.impl
        analysed = text.analyse(r.text for r in records)  # type: ignore[attr-defined]
        proba, reasons = sentiment.score(analysed.tokens)
        compound = analysed.vader_compound
        threshold = float(model.meta.get("baseline", {}).get("threshold", 0.05))
        labels = np.asarray(SENTIMENTS)[proba.argmax(axis=1)].tolist()
        version = model.version
        return [
            {
                "sentiment": label,
                "probabilities": dict(zip(SENTIMENTS, p, strict=True)),
                "vader_compound": c,
                "vader_sentiment": text.vader_label(c, threshold),
                "stars_sentiment": None if r.stars is None else sentiment_from_stars(r.stars),  # type: ignore[attr-defined]
                "model_version": version,
                "top_terms": t,
            }
            for label, p, c, r, t in zip(
                labels, proba.round(6).tolist(), compound, records, reasons, strict=True
            )
        ]

    def check_prediction(self, model: LoadedModel, prediction: dict[str, Any]) -> None:
        p = prediction.get("probabilities") or {}
        if set(p) != set(SENTIMENTS) or abs(sum(p.values()) - 1.0) > 1e-3:
            raise ModelSmokeTestError(f"v{model.version} gave {p!r}, not probabilities over {SENTIMENTS}")


SERVICE = RestaurantService()
