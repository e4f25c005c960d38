"""MLflow tracking: local SQLite store by default, model registry, and the promotion gate.

``MLFLOW_TRACKING_URI`` overrides the default ``sqlite:///<project>/mlflow.db``. With an
SQLite store, a new experiment's artifacts go to ``mlartifacts/`` beside the database file,
wherever the command runs (MLflow's own default is ``./mlruns`` of the current folder).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

from alpr.paths import PROJECT_ROOT

MODEL_NAME = "alpr-plate-ocr"
CHAMPION = "champion"


def tracking_uri() -> str:
    return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{PROJECT_ROOT / 'mlflow.db'}"


def artifact_root(uri: str) -> str | None:
    """Where a new experiment's artifacts go for tracking store ``uri``: ``mlartifacts/``
    beside an SQLite database; None (the server's or MLflow's choice) otherwise.

    >>> artifact_root("sqlite:////srv/alpr/mlflow.db")
    'file:///srv/alpr/mlartifacts'
    >>> artifact_root("http://mlflow.internal:5000") is None
    True
    """
    if not uri.startswith("sqlite:///"):
        return None
    db = Path(uri.removeprefix("sqlite:///"))
    return (db.resolve().parent / "mlartifacts").as_uri()


def setup(experiment: str) -> Any:
    """Point MLflow at the tracking store and select (creating) an experiment."""
    import logging

    import mlflow

    logging.getLogger("mlflow").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    mlflow.set_tracking_uri(tracking_uri())
    if mlflow.get_experiment_by_name(experiment) is None:
        mlflow.create_experiment(experiment, artifact_location=artifact_root(tracking_uri()))
    mlflow.set_experiment(experiment)
    return mlflow


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True,
                              text=True, check=True, timeout=10).stdout.strip()
    except Exception:
        return "unknown"


class _PlateOCRModel:
    """pyfunc wrapper: a DataFrame/array of image paths in, JSON-able reads out."""

    def load_context(self, context: Any) -> None:
        from alpr.recognizer.recognizer import Recognizer

        self.rec = Recognizer.load(context.artifacts["model_dir"])

    def predict(self, context: Any, model_input: Any, params: Any = None) -> list[dict]:
        from alpr.recognizer.preprocess import load_rgb

        paths = list(model_input["image"]) if hasattr(model_input, "columns") else list(model_input)
        return [r.to_dict() for r in self.rec.read_crops([load_rgb(p) for p in paths])]


def log_model(mlflow: Any, model_dir: Path, register_as: str | None) -> Any:
    """Log the model folder as a pyfunc model (with signature) and register it."""
    import pandas as pd
    from mlflow.models import infer_signature
    from mlflow.pyfunc import PythonModel

    wrapper = type("PlateOCRModel", (_PlateOCRModel, PythonModel), {})()
    example = pd.DataFrame({"image": ["plate.png"]})
    signature = infer_signature(example, [{"text": "7ABC123", "confidence": 0.97,
                                           "state": "CA", "state_confidence": 0.9}])
    return mlflow.pyfunc.log_model(
        name="model", python_model=wrapper, artifacts={"model_dir": str(model_dir)},
        signature=signature, registered_model_name=register_as,
        pip_requirements=["alpr-workbench"],
    )


def promotion_gate(mlflow: Any, name: str, new_version: str, new_score: float,
                   champion_score: float | None, baseline: str = "champion") -> bool:
    """Give ``new_version`` the champion alias only if it beats ``champion_score`` (the
    current champion's, or with none yet the shipped model's, on the same crops); a tie
    keeps what is there. With no figure to compare against at all, the new version wins.
    The decision and both figures are logged to the active run.
    """
    client = mlflow.MlflowClient()
    promote = champion_score is None or new_score > champion_score
    mlflow.log_metric("gate_new_score", new_score)
    if champion_score is not None:
        mlflow.log_metric("gate_champion_score", champion_score)
    mlflow.set_tag("gate_baseline", baseline)
    mlflow.set_tag("gate_decision", "promoted" if promote else "kept_champion")
    if promote:
        client.set_registered_model_alias(name, CHAMPION, str(new_version))
    return promote


def champion_uri(name: str = MODEL_NAME) -> str:
    return f"models:/{name}@{CHAMPION}"


def has_champion(mlflow: Any, name: str = MODEL_NAME) -> bool:
    try:
        mlflow.MlflowClient().get_model_version_by_alias(name, CHAMPION)
        return True
    except Exception:
        return False
