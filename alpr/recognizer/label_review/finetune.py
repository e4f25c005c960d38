"""A fold model: the base model fine-tuned on the other folds' crops through the project's one
training core (:func:`alpr.recognizer.loop.train`, the department fine-tune of
``training/configs/department.yaml`` with the whole fold set on the train side)."""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from pathlib import Path

from alpr.datasets import CROP_COLUMNS, LabelledCrop
from alpr.recognizer.config import TrainConfig, load_config
from alpr.recognizer.retrain import DEPARTMENT_CONFIG


def write_fold_labels(items: Sequence[LabelledCrop], path: Path) -> Path:
    """The fold's training crops as a crop-contract CSV (paths relative to it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(CROP_COLUMNS)
        for it in items:
            w.writerow([os.path.relpath(it.image, path.parent), it.state or "", it.plate])
    return path


def fold_config(labels: Path, output: Path, init_from: Path, steps: int, batch_size: int,
                workers: int, seed: int, name: str) -> TrainConfig:
    """The department fine-tune pointed at one fold's training crops: every crop trains
    (no tune or test side: the held-out fold is the evaluation), states where labelled
    (``text_crops``, so a set without states trains the text head), nothing tracked or
    registered."""
    return load_config(DEPARTMENT_CONFIG, {
        "name": name, "output": str(output), "init_from": str(init_from), "seed": seed,
        "tracking": False, "register_as": None, "num_workers": workers,
        "eval_every": steps, "log_every": max(1, steps // 5),
        "data.real_crops": [], "data.text_crops": [str(labels)],
        "data.val_fraction": 0.0, "data.test_fraction": 0.0,
        "stages.0.steps": steps, "stages.0.batch_size": batch_size})


def finetune_fold(items: Sequence[LabelledCrop], folder: Path, init_from: Path, steps: int,
                  batch_size: int, workers: int = 1, seed: int = 0, name: str = "fold",
                  progress: bool = True) -> Path:
    """Fine-tune ``init_from`` on ``items``; the fold model's folder (``folder/model``)."""
    from alpr.recognizer.loop import train  # torch: the 'train' extra

    labels = write_fold_labels(items, folder / "train.csv")
    cfg = fold_config(labels, folder, init_from, steps, batch_size, workers, seed, name)
    model = train(cfg, progress=progress, command=f"alpr review labels ({name})")
    assert model is not None  # one process: always the main one
    return model
