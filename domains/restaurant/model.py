"""The review-sentiment model as trained and served: TF-IDF + logistic regression, with its reasons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from domains.core import model_store, text
from domains.core.model_store import ModelRef
from domains.core.settings import Settings
from domains.restaurant.schema import SENTIMENTS


def build_pipeline(c: float) -> Any:
    """Word uni- and bigrams of the model tokens (negation already marked), sublinear TF, balanced classes."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    return Pipeline(
        [
            # Tokens arrive space-separated from domains.core.text.features: split on whitespace only.
            (
                "tfidf",
                TfidfVectorizer(
                    token_pattern=r"\S+",
                    lowercase=False,
                    ngram_range=(1, 2),
                    min_df=2,
                    max_features=200_000,
                    sublinear_tf=True,
                    dtype=np.float32,
                ),
            ),
            ("clf", LogisticRegression(C=c, class_weight="balanced", max_iter=2000)),
        ]
    )


@dataclass
class SentimentModel:
    """A loaded version: the fitted pipeline and its metadata."""

    pipeline: Any
    version: str
    meta: dict[str, Any]

    @classmethod
    def load(cls, settings: Settings, ref: ModelRef) -> SentimentModel:
        return cls(model_store.load_sklearn(settings, ref), ref.version, model_store.load_meta(settings, ref))

    @property
    def classes(self) -> list[str]:
        return [str(c) for c in self.pipeline.named_steps["clf"].classes_]

    def predict_proba(self, tokens: Sequence[str]) -> np.ndarray:
        """Class probabilities per text, columns in SENTIMENTS order."""
        p = self.pipeline.predict_proba(list(tokens))
        order = [self.classes.index(c) for c in SENTIMENTS]
        return p[:, order]

    def predict_texts(self, texts: Sequence[str]) -> np.ndarray:
        return self.predict_proba(text.features_many(texts))

    def score(self, tokens: Sequence[str], top: int = 3) -> tuple[np.ndarray, list[list[dict[str, Any]]]]:
        """Probabilities and, per text, the terms that pushed most towards the predicted class.

        One sparse pass for the whole batch: a term's push is its TF-IDF weight times the class
        coefficient, read off the non-zeros of the document-term matrix.
        """
        tfidf, clf = self.pipeline.named_steps["tfidf"], self.pipeline.named_steps["clf"]
        x = tfidf.transform(list(tokens)).tocsr()
        raw = clf.predict_proba(x)
        order = [self.classes.index(c) for c in SENTIMENTS]
        proba = raw[:, order]
        pred = raw.argmax(axis=1)
        coef = clf.coef_ if clf.coef_.shape[0] > 1 else np.vstack([-clf.coef_[0], clf.coef_[0]])
        rows = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
        push = x.data * coef[pred[rows], x.indices]
        names = self._vocabulary
        ranked = np.lexsort((-push, rows))  # by row, strongest push first
        rank = np.arange(len(ranked)) - np.repeat(x.indptr[:-1], np.diff(x.indptr))
        # Twice the candidates: "NOT_good" and "not NOT_good" read the same and count once.
        keep = ranked[(rank < 2 * top) & (push[ranked] > 0)]
        reasons: list[list[dict[str, Any]]] = [[] for _ in range(x.shape[0])]
        for r, term, weight in zip(
            rows[keep].tolist(),
            names[x.indices[keep]].tolist(),
            push[keep].astype(float).round(4).tolist(),
            strict=True,
        ):
            said = _readable(term)
            if len(reasons[r]) < top and all(said != seen["term"] for seen in reasons[r]):
                reasons[r].append({"term": said, "weight": weight})
        return proba.astype(float), reasons

    @cached_property
    def _vocabulary(self) -> np.ndarray:
        return self.pipeline.named_steps["tfidf"].get_feature_names_out()


def _readable(term: str) -> str:
    """As a reader would say them: "NOT_good" -> "not good", "wasn't NOT_good" -> "wasn't good"."""
    words = term.split(" ")
    out = []
    for i, w in enumerate(words):
        if w.startswith(text.NEGATION_PREFIX):
            w = w[len(text.NEGATION_PREFIX) :]
            if i == 0 or not text.is_negation(words[i - 1]):
                w = f"not {w}"
        out.append(w)
    return " ".join(out)
