"""Compiled trees reproduce XGBoost's margins and path contributions, missing values included."""

from __future__ import annotations

import numpy as np
import pytest

from domains.core.compiled_trees import CompiledTrees


@pytest.fixture(scope="module")
def booster_and_data() -> tuple[object, np.ndarray]:
    import xgboost as xgb

    rng = np.random.default_rng(7)
    x = rng.normal(size=(3000, 6)).astype(np.float32)
    y = ((x[:, 0] + 0.5 * x[:, 1] * x[:, 2] + rng.normal(scale=0.5, size=3000)) > 0.8).astype(int)
    x[rng.random(x.shape) < 0.1] = np.nan  # missing values take each node's default branch
    model = xgb.XGBClassifier(n_estimators=60, max_depth=4, learning_rate=0.2, n_jobs=1)
    model.fit(x, y)
    return model.get_booster(), x


def test_contributions_match_xgboost(booster_and_data: tuple) -> None:
    import xgboost as xgb

    booster, x = booster_and_data
    compiled = CompiledTrees.from_booster(booster)
    ours = compiled.contributions(x)
    theirs = booster.predict(xgb.DMatrix(x, missing=np.nan), pred_contribs=True, approx_contribs=True)
    np.testing.assert_allclose(ours, theirs, atol=1e-4)
    margin = booster.predict(xgb.DMatrix(x, missing=np.nan), output_margin=True)
    np.testing.assert_allclose(ours.sum(axis=1), margin, atol=1e-4)


def test_first_n_trees_match_iteration_range(booster_and_data: tuple) -> None:
    booster, x = booster_and_data
    compiled = CompiledTrees.from_booster(booster, n_trees=25)
    proba = 1 / (1 + np.exp(-compiled.contributions(x).sum(axis=1)))
    np.testing.assert_allclose(proba, booster.inplace_predict(x, iteration_range=(0, 25)), atol=1e-5)


def test_wrong_width_is_refused(booster_and_data: tuple) -> None:
    booster, x = booster_and_data
    with pytest.raises(ValueError, match=r"\(n, 6\)"):
        CompiledTrees.from_booster(booster).contributions(x[:, :5])
