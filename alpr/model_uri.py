"""Where a model lives: a local folder, or an MLflow model URI fetched to a local folder."""

from __future__ import annotations

import os
from pathlib import Path

from alpr.paths import MODELS


def resolve_model_folder(model: str | Path | None, default: Path, what: str) -> Path:
    """``default`` for None; the folder holding ``card.json`` for an MLflow URI
    (``models:/name@champion``, ``runs:/...``, any ``scheme://``); else ``model`` as a path.

    ``what`` names the kind of model in the error when the URI holds none.
    """
    if model is None:
        return default
    text = str(model)
    if "://" in text or text.startswith(("models:/", "runs:/")):
        import mlflow

        local = Path(mlflow.artifacts.download_artifacts(artifact_uri=text))
        cards = sorted(local.rglob("card.json"))
        if not cards:
            raise FileNotFoundError(f"{text}: no {what} model (card.json) in that MLflow model")
        return cards[0].parent
    return Path(text)


def shipped_model_dir(env: str, name: str) -> Path:
    """``$env`` if set, else ``models/NAME`` in the project checkout."""
    return Path(os.environ.get(env) or MODELS / name)
