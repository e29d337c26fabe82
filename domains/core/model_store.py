"""MLflow helpers: one experiment and one registered model per domain, aliases champion/challenger."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from domains.core.settings import Settings

CHAMPION = "champion"
CHALLENGER = "challenger"


@dataclass(frozen=True)
class ModelRef:
    """A registered model version and the run that produced it."""

    name: str
    version: str
    run_id: str
    tags: Mapping[str, str]

    @property
    def uri(self) -> str:
        return f"models:/{self.name}/{self.version}"


def _quiet() -> None:
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    os.environ.setdefault("MLFLOW_TRACKING_INSECURE_TLS", "false")
    for name in ("mlflow", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)


def client(settings: Settings) -> Any:
    """An MlflowClient on the configured tracking store (also set as the process default)."""
    _quiet()
    import mlflow
    from mlflow.tracking import MlflowClient

    if settings.mlflow_tracking_uri.startswith("sqlite:///"):
        from pathlib import Path

        Path(settings.mlflow_tracking_uri.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    mlflow.set_tracking_uri(settings.mlflow_tracking_uri)
    mlflow.set_registry_uri(settings.mlflow_tracking_uri)
    return MlflowClient(settings.mlflow_tracking_uri, settings.mlflow_tracking_uri)


def experiment_id(settings: Settings, domain: str) -> str:
    """The domain's experiment, created with an explicit artifact root (not the process's cwd)."""
    mlc = client(settings)
    name = f"{domain}_pipeline"
    exp = mlc.get_experiment_by_name(name)
    if exp is not None:
        return exp.experiment_id
    root = settings.mlflow_artifact_root / domain
    root.mkdir(parents=True, exist_ok=True)
    try:
        return mlc.create_experiment(name, artifact_location=root.resolve().as_uri())
    except Exception:  # another process created it first
        exp = mlc.get_experiment_by_name(name)
        if exp is None:
            raise
        return exp.experiment_id


def _log_flavor(model: Any, flavor: str, registered_model_name: str) -> Any:
    import mlflow

    if flavor == "xgboost":
        import mlflow.xgboost
        import xgboost

        return mlflow.xgboost.log_model(
            model,
            name="model",
            registered_model_name=registered_model_name,
            # Explicit requirements: otherwise MLflow imports the model in a subprocess to infer them.
            pip_requirements=[f"xgboost=={xgboost.__version__}"],
        )
    if flavor == "sklearn":
        import mlflow.sklearn
        import sklearn

        return mlflow.sklearn.log_model(
            model,
            name="model",
            registered_model_name=registered_model_name,
            # skops, not pickle: loading a model file cannot run arbitrary code.
            serialization_format=mlflow.sklearn.SERIALIZATION_FORMAT_SKOPS,
            pip_requirements=[f"scikit-learn=={sklearn.__version__}", "skops"],
        )
    if flavor == "keras":
        import mlflow.tensorflow
        import tensorflow

        return mlflow.tensorflow.log_model(
            model,
            name="model",
            registered_model_name=registered_model_name,
            pip_requirements=[f"tensorflow-cpu=={tensorflow.__version__}"],
        )
    raise ValueError(f"unsupported model flavor {flavor!r}; expected xgboost, sklearn or keras")


def log_model(
    settings: Settings,
    domain: str,
    model_name: str,
    model: Any,
    params: Mapping[str, Any],
    metrics: Mapping[str, float],
    meta: Mapping[str, Any],
    tags: Mapping[str, str],
    run_name: str,
    artifacts: Mapping[str, str] | None = None,
    flavor: str = "xgboost",
) -> ModelRef:
    """Log params, metrics, the model and its metadata; register a new version; alias it challenger."""
    exp_id = experiment_id(settings, domain)
    import mlflow

    with mlflow.start_run(experiment_id=exp_id, run_name=run_name) as run:
        mlflow.log_params({k: str(v)[:500] for k, v in params.items()})
        mlflow.log_metrics({k: float(v) for k, v in metrics.items()})
        mlflow.set_tags({**tags, "flavor": flavor})
        mlflow.log_dict({**meta, "flavor": flavor}, "meta.json")
        for folder, path in (artifacts or {}).items():
            mlflow.log_artifact(path, artifact_path=folder)
        info = _log_flavor(model, flavor, model_name)
    version = str(info.registered_model_version)
    mlc = client(settings)
    for key, value in tags.items():
        mlc.set_model_version_tag(model_name, version, key, str(value))
    mlc.set_registered_model_alias(model_name, CHALLENGER, version)
    return ModelRef(model_name, version, run.info.run_id, dict(tags))


def get_alias(settings: Settings, model_name: str, alias: str) -> ModelRef | None:
    """The version behind an alias, or None when the model or the alias does not exist."""
    mlc = client(settings)
    try:
        mv = mlc.get_model_version_by_alias(model_name, alias)
    except Exception:
        return None
    return ModelRef(model_name, str(mv.version), mv.run_id, dict(mv.tags or {}))


def set_alias(settings: Settings, ref: ModelRef, alias: str) -> None:
    client(settings).set_registered_model_alias(ref.name, alias, ref.version)


def tag_version(settings: Settings, ref: ModelRef, tags: Mapping[str, Any]) -> None:
    mlc = client(settings)
    for key, value in tags.items():
        mlc.set_model_version_tag(ref.name, ref.version, key, str(value))


def load_xgboost(settings: Settings, ref: ModelRef) -> Any:
    client(settings)
    import mlflow.xgboost

    return mlflow.xgboost.load_model(ref.uri)


def load_sklearn(settings: Settings, ref: ModelRef) -> Any:
    """A scikit-learn model saved with skops (its MLmodel file lists the types it trusts)."""
    client(settings)
    import mlflow.sklearn

    return mlflow.sklearn.load_model(ref.uri)


def load_meta(settings: Settings, ref: ModelRef) -> dict[str, Any]:
    client(settings)
    import mlflow.artifacts

    return json.loads(mlflow.artifacts.load_text(f"runs:/{ref.run_id}/meta.json"))


def artifact_path(settings: Settings, ref: ModelRef, path: str) -> str:
    """Download (or locate, for a local store) one artifact of the version's run."""
    client(settings)
    import mlflow.artifacts

    return mlflow.artifacts.download_artifacts(run_id=ref.run_id, artifact_path=path)


def run_metrics(settings: Settings, ref: ModelRef) -> dict[str, float]:
    return dict(client(settings).get_run(ref.run_id).data.metrics)
