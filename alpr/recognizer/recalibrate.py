"""Re-fit a model folder's confidence calibration on labelled crops (``alpr calibrate``).

Departments can calibrate the shipped model on their own verified reads: only the
temperatures in ``card.json`` change, never the weights.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alpr.datasets import LabelledCrop, load_crops, split
from alpr.model_folder import read_card
from alpr.recognizer.artifact import RECOGNIZER
from alpr.recognizer.data import RealPool
from alpr.recognizer.recognizer import Recognizer


def _fit(model_dir: Path, items: list[LabelledCrop]) -> tuple[Recognizer, dict[str, Any]]:
    """(the model, temperatures fitted on ``items``) with the model's own calibration off."""
    from alpr.recognizer.loop import fit_calibration

    pool = RealPool()
    for it in items:
        pool.add(it)
    rec = Recognizer.load(model_dir, backend="torch")
    uncalibrated = Recognizer(rec.artifact.__class__(rec.spec, rec.labels, rec.artifact.state_dict,
                                                     {}), backend="torch")
    return rec, fit_calibration(uncalibrated, pool, rec.labels)


def recalibrate(model_dir: Path, labels_csv: Path, val_fraction: float | None = None,
                corrections: Path | None = None) -> dict[str, Any]:
    """Fit temperatures on ``labels_csv`` (its hash-split held-out part if ``val_fraction``)
    and write them into the model card; returns the new calibration block."""
    items = load_crops(labels_csv, corrections=corrections).items
    if val_fraction is not None:
        items = split(items, val_fraction)[1]
    if not items:
        raise ValueError(f"{labels_csv}: no usable crops to calibrate on")
    rec, cal = _fit(model_dir, items)
    card = read_card(model_dir)
    card["calibration"] = {**cal, "source": str(labels_csv), "val_fraction": val_fraction}
    held_out = card.get("config", {}).get("data", {}).get("val_fraction")
    if val_fraction is not None and val_fraction == held_out:
        from alpr.recognizer.evaluation import evaluate

        rec = Recognizer(rec.artifact.__class__(rec.spec, rec.labels, rec.artifact.state_dict,
                                                {"calibration": cal}), backend="torch")
        report = evaluate(rec, items)
        card["metrics_val"] = report.metrics()
        (Path(model_dir) / "val_report.txt").write_text(report.summary() + "\n")
    RECOGNIZER.write_card(model_dir, card)
    return card["calibration"]


def recalibrate_on_tune(model_dir: Path, config: Path) -> dict[str, Any]:
    """Fit temperatures on the *tune* side of a training config's split (never its test
    side): the crops at the pipeline's margin plus jittered and frame-degraded copies
    (:func:`alpr.recognizer.loop.calibration_set`); only ``card.json`` changes."""
    from alpr.recognizer.config import load_config
    from alpr.recognizer.data import split_items

    sides = split_items(load_config(config).data)
    if not sides.tune:
        raise ValueError(f"{config}: its split leaves no tune-side crops to calibrate on")
    _, cal = _fit(model_dir, sides.tune)
    card = read_card(model_dir)
    card["calibration"] = {**cal, "source": f"tune side of {config}"}
    RECOGNIZER.write_card(model_dir, card)
    return card["calibration"]
