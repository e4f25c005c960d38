"""The retraining walk-through (notebook 01) as functions: a fine-tuning config for a
department's verified crops, the shipped model as the first champion, and the MLflow
comparison of challenger and champion. Promotion happens only in the training gate.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from alpr.paths import TRAINING
from alpr.recognizer.config import TrainConfig, load_config

DEPARTMENT_CONFIG = TRAINING / "configs" / "department.yaml"


def finetune_config(labels: Path, output: Path, init_from: Path, steps: int = 2000,
                    smoke: bool = False, base: Path = DEPARTMENT_CONFIG,
                    register_as: str | None = "alpr-plate-ocr") -> TrainConfig:
    """The department fine-tuning config pointed at ``labels``; ``smoke`` shrinks it to a
    few steps for tests (same model shape, so the champion's weights still load)."""
    cfg = load_config(base, {"output": str(output), "init_from": str(init_from),
                             "register_as": register_as})
    data = cfg.data.model_copy(update={"real_crops": (str(labels),)})
    stage = cfg.stages[0].model_copy(update={"steps": steps} if not smoke else
                                     {"steps": 2, "batch_size": 4})
    update: dict[str, Any] = {"data": data, "stages": (stage,)}
    if smoke:
        update |= {"num_workers": 0, "eval_every": 2, "log_every": 1}
    return cfg.model_copy(update=update)


def ensure_champion(model_dir: Path, name: str = "alpr-plate-ocr",
                    experiment: str = "alpr-plate-ocr") -> str:
    """Register ``model_dir`` (the shipped model) as champion if the registry has none;
    returns the champion's URI."""
    from alpr.train import tracking

    mlflow = tracking.setup(experiment)
    if not tracking.has_champion(mlflow, name):
        with mlflow.start_run(run_name=f"champion from {Path(model_dir).name}"):
            info = tracking.log_model(mlflow, Path(model_dir), name)
            mlflow.MlflowClient().set_registered_model_alias(
                name, tracking.CHAMPION, str(info.registered_model_version))
    return tracking.champion_uri(name)


def gate_history(experiment: str = "alpr-plate-ocr") -> pd.DataFrame:
    """Each training run's gate: its score, the champion's on the same crops, the decision."""
    from alpr.train import tracking

    mlflow = tracking.setup(experiment)
    runs = mlflow.search_runs(experiment_names=[experiment])
    cols = {"tags.mlflow.runName": "run", "start_time": "started",
            "metrics.gate_new_score": "challenger exact (O/0)",
            "metrics.gate_champion_score": "champion exact (O/0)",
            "tags.gate_decision": "decision"}
    have = [c for c in cols if c in runs.columns]
    out = runs[have].rename(columns=cols)
    if "decision" in out:
        out = out[out["decision"].notna()]
    return out.reset_index(drop=True)
