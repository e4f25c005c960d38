"""Where the Model page gets its figures: the champion (and any challenger) from the MLflow
model registry when a tracking store is configured, else the shipped model card.

Pure parsing (:func:`card_metrics`, :func:`per_state_table`) is separate from the MLflow edge.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class ModelInfo:
    """One model's figures as the page shows them."""

    role: str  # "champion" or "challenger"
    source: str  # where the figures came from, shown on the page
    name: str
    metrics: dict[str, float]
    calibration: dict[str, Any] = field(default_factory=dict)
    per_state: pd.DataFrame = field(default_factory=pd.DataFrame)


def card_metrics(card: dict[str, Any]) -> dict[str, float]:
    """The validation metrics of a model card (``metrics_val``, or ``metrics``)."""
    raw = card.get("metrics_val") or card.get("metrics") or {}
    return {k: float(v) for k, v in raw.items() if isinstance(v, int | float)}


def thresholds(metrics: dict[str, float]) -> pd.DataFrame:
    """Accuracy and share of reads accepted at each confidence threshold, from the flat
    ``accuracy_at_T`` / ``accepted_at_T`` metrics."""
    rows = []
    for key, acc in metrics.items():
        m = re.fullmatch(r"accuracy_at_([0-9.]+)", key)
        if m and f"accepted_at_{m.group(1)}" in metrics:
            rows.append({"threshold": float(m.group(1)), "accuracy": acc,
                         "accepted": metrics[f"accepted_at_{m.group(1)}"]})
    return pd.DataFrame(rows, columns=["threshold", "accuracy", "accepted"]).sort_values(
        "threshold", ignore_index=True)


_STATE_ROW = re.compile(r"^\s+([A-Z]{2,3}|\?)\s+(\d+)\s+(\d+)%\s+(\d+%|-)\s*$")


def per_state_table(report: str) -> pd.DataFrame:
    """The per-state block of an evaluation report (``alpr evaluate`` text) as a table.

    >>> per_state_table("per state (plates, text exact O-folded, state top-1):\\n"
    ...                 "  NJ     6   100%    50%\\n").to_dict("records")
    [{'state': 'NJ', 'plates': 6, 'text_exact': 1.0, 'state_top1': 0.5}]
    """
    rows, inside = [], False
    for line in report.splitlines():
        if line.startswith("per state"):
            inside = True
            continue
        if inside:
            m = _STATE_ROW.match(line)
            if not m:
                break
            st = None if m.group(4) == "-" else int(m.group(4)[:-1]) / 100
            rows.append({"state": m.group(1), "plates": int(m.group(2)),
                         "text_exact": int(m.group(3)) / 100, "state_top1": st})
    return pd.DataFrame(rows, columns=["state", "plates", "text_exact", "state_top1"])


def shipped(model_dir: Path | None = None) -> ModelInfo:
    """The shipped model from its card (and its validation report, for the per-state table)."""
    from alpr.recognizer.recognizer import default_model_dir

    model_dir = model_dir or default_model_dir()
    card = json.loads((model_dir / "card.json").read_text())
    report = model_dir / "val_report.txt"
    return ModelInfo("champion", f"model card {model_dir / 'card.json'}",
                     str(card.get("name", model_dir.name)), card_metrics(card),
                     dict(card.get("calibration") or {}),
                     per_state_table(report.read_text()) if report.exists() else pd.DataFrame())


def _tracking_configured() -> bool:
    from alpr.train.tracking import tracking_uri

    uri = tracking_uri()  # $MLFLOW_TRACKING_URI or the project's mlflow.db
    if uri.startswith("sqlite:///"):  # no file, no registry: skip importing MLflow (slow)
        return Path(uri[len("sqlite:///"):]).exists()
    return True


def _from_registry(client: Any, version: Any, role: str) -> ModelInfo:
    run = client.get_run(version.run_id)
    raw = run.data.metrics
    metrics = {k[len("final_"):]: v for k, v in raw.items() if k.startswith("final_")} or raw
    import mlflow

    card: dict[str, Any] = {}
    per_state = pd.DataFrame()
    with contextlib.suppress(Exception):  # each artifact is optional; metrics matter most
        card = mlflow.artifacts.load_dict(f"runs:/{version.run_id}/model_card.json")
    with contextlib.suppress(Exception):
        per_state = per_state_table(mlflow.artifacts.load_text(
            f"runs:/{version.run_id}/report.txt"))
    return ModelInfo(role, f"MLflow registry: {version.name} version {version.version}",
                     f"{version.name} v{version.version}", metrics,
                     dict(card.get("calibration") or {}), per_state)


def registry_models() -> list[ModelInfo]:
    """Champion and challenger from the MLflow registry; empty when there is none."""
    if not _tracking_configured():
        return []
    from alpr.train.tracking import CHAMPION, MODEL_NAME, tracking_uri

    try:
        import mlflow

        mlflow.set_tracking_uri(tracking_uri())
        client = mlflow.MlflowClient()
        champ = client.get_model_version_by_alias(MODEL_NAME, CHAMPION)
    except Exception:
        return []
    out = [_from_registry(client, champ, "champion")]
    chall: Any
    try:
        chall = client.get_model_version_by_alias(MODEL_NAME, "challenger")
    except Exception:
        newer = [v for v in client.search_model_versions(f"name='{MODEL_NAME}'")
                 if int(v.version) > int(champ.version)]
        chall = max(newer, key=lambda v: int(v.version)) if newer else None
    if chall is not None:
        out.append(_from_registry(client, chall, "challenger"))
    return out


def models() -> list[ModelInfo]:
    """What the Model page shows: the registry's champion (and challenger), else the card."""
    return registry_models() or [shipped()]
