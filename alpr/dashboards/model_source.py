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
class Gate:
    """The promotion gate's decision for a registered version, as the training run logged
    it (:func:`alpr.train.tracking.promotion_gate`, :func:`alpr.recognizer.loop.gate`): the
    exact-match (O/0) scores of the new model and of its baseline on the same crops."""

    decision: str  # "promoted" or "kept_champion"
    baseline: str | None = None  # "champion" or "shipped model"
    side: str | None = None  # e.g. "test (412 crops)"
    new_score: float | None = None
    baseline_score: float | None = None

    def text(self) -> str:
        """The decision in a sentence.

        >>> Gate("promoted", "champion", "test (412 crops)", 0.951, 0.932).text()
        "promoted: 95.1% exact (O/0) against the champion's 93.2% on the test side (412 crops)"
        >>> Gate("kept_champion").text()
        'not promoted: the champion stays'
        """
        verdict = "promoted" if self.decision == "promoted" else \
            f"not promoted: the {self.baseline or 'champion'} stays"
        if self.new_score is None:
            return verdict
        against = (f" against the {self.baseline}'s {self.baseline_score:.1%}"
                   if self.baseline_score is not None and self.baseline else "")
        side = ""
        if self.side:  # "test (412 crops)" -> "on the test side (412 crops)"
            side = " on the " + (self.side.replace(" (", " side (", 1) if " (" in self.side
                                 else f"{self.side} side")
        return f"{verdict}: {self.new_score:.1%} exact (O/0){against}{side}"


def gate_from(tags: dict[str, str], metrics: dict[str, float]) -> Gate | None:
    """The gate's decision from a run's tags and metrics; ``None`` when the run went
    through no gate (a version registered directly, e.g. the shipped model as the first
    champion)."""
    decision = tags.get("gate_decision")
    if not decision:
        return None
    return Gate(decision, tags.get("gate_baseline"), tags.get("gate_side"),
                metrics.get("gate_new_score"), metrics.get("gate_champion_score"))


@dataclass(frozen=True)
class ModelInfo:
    """One model's figures as the page shows them."""

    role: str  # "champion" or "challenger"
    source: str  # where the figures came from, shown on the page
    name: str
    metrics: dict[str, float]
    calibration: dict[str, Any] = field(default_factory=dict)
    per_state: pd.DataFrame = field(default_factory=pd.DataFrame)
    gate: Gate | None = None  # registry versions: how the gate decided (None: no gate)
    registered: bool = False  # from the registry (else the shipped card)
    test_figures: dict[str, str] = field(default_factory=dict)  # the card's, read once


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
                     per_state_table(report.read_text()) if report.exists() else pd.DataFrame(),
                     test_figures=test_figures(card))


def test_figures(card: dict[str, Any]) -> dict[str, str]:
    """The card's test-side figures (read once, at shipping), without the machine line."""
    raw = card.get("figures_test") or {}
    return {str(k): str(v) for k, v in raw.items() if k != "measured"} if isinstance(
        raw, dict) else {}


def _tracking_configured() -> bool:
    from alpr.train.tracking import tracking_uri

    uri = tracking_uri()  # $MLFLOW_TRACKING_URI or the project's mlflow.db
    if uri.startswith("sqlite:///"):  # no file, no registry: skip importing MLflow (slow)
        return Path(uri[len("sqlite:///"):]).exists()
    return True


def _model_folder(client: Any, version: Any) -> str | None:
    """The artifact URI of the model folder inside a registered version (where its
    ``card.json`` and ``val_report.txt`` are), or None. MLflow 3 keeps a logged model apart
    from its run (``models:/m-<id>``); older versions under the run (``runs:/<id>/model``)."""
    import mlflow

    source = str(version.source)
    base = source
    if source.startswith("models:/m-"):
        base = client.get_logged_model(source.split("/")[-1]).artifact_location
    for item in mlflow.artifacts.list_artifacts(artifact_uri=f"{base}/artifacts"):
        if item.is_dir:
            return f"{base}/artifacts/{Path(item.path).name}"
    return None


def _from_registry(client: Any, version: Any, role: str) -> ModelInfo:
    """A registered version's figures: its training run's final metrics, else (a version
    registered without training, e.g. the shipped model as first champion) the validation
    metrics of the model card it carries; and the promotion gate's decision."""
    run = client.get_run(version.run_id)
    raw = dict(run.data.metrics)
    metrics = {k[len("final_"):]: v for k, v in raw.items() if k.startswith("final_")}
    import mlflow

    card: dict[str, Any] = {}
    per_state = pd.DataFrame()
    folder: str | None = None
    with contextlib.suppress(Exception):  # each artifact is optional; metrics matter most
        card = mlflow.artifacts.load_dict(f"runs:/{version.run_id}/model_card.json")
    with contextlib.suppress(Exception):
        per_state = per_state_table(mlflow.artifacts.load_text(
            f"runs:/{version.run_id}/report.txt"))
    with contextlib.suppress(Exception):
        folder = _model_folder(client, version)
    where = "run metrics"
    if folder is not None and (not card or not metrics or per_state.empty):
        with contextlib.suppress(Exception):
            card = card or mlflow.artifacts.load_dict(f"{folder}/card.json")
        with contextlib.suppress(Exception):
            if per_state.empty:
                per_state = per_state_table(mlflow.artifacts.load_text(
                    f"{folder}/val_report.txt"))
    if not metrics:
        metrics = card_metrics(card) or {k: v for k, v in raw.items()
                                         if not k.startswith("gate_")}
        where = "the model card it carries"
    return ModelInfo(role, f"MLflow registry: {version.name} version {version.version} "
                     f"({where})", f"{version.name} v{version.version}", metrics,
                     dict(card.get("calibration") or {}), per_state,
                     gate_from(dict(run.data.tags), raw), registered=True,
                     test_figures=test_figures(card))


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
