"""The typed, frozen detector training configuration (one YAML file per run).

Same conventions as the recognizer's :mod:`alpr.recognizer.config`: validated on load with errors
naming the field, logged whole to MLflow, saved in every checkpoint and in the model card.
A YAML file is a detector config when it says ``task: detector``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field

from alpr.train.base import Frozen as _Frozen
from alpr.train.base import RunConfig, load_run_config


class DetModelConfig(_Frozen):
    width: float = Field(1.0, gt=0, le=4)  # channel multiplier
    input_size: int = Field(640, ge=128, multiple_of=32)  # letterbox long side at inference
    # second look at a smaller size for frames with no plate found (big close-up plates)
    fallback_size: int | None = Field(None, ge=64, multiple_of=32)


class DetDataConfig(_Frozen):
    # image,x,y,w,h,plate CSVs; each is split train/validation by the file-name hash rule of
    # alpr.datasets.split (the recognizer's rule), so the held-out frames never change
    real_frames: tuple[str, ...] = ()
    corrections: str | None = None
    val_fraction: float = Field(0.3, ge=0, lt=1)
    crop: int = Field(320, ge=64, multiple_of=32)  # training crop side, at inference scale
    scale_range: tuple[float, float] = (0.6, 1.6)  # zoom around the inference scale
    plate_width: tuple[float, float] = (16.0, 220.0)  # synthetic plate widths, crop pixels
    real_background: float = Field(0.6, ge=0, le=1)  # share of synthetic scenes on real frames
    # image,x,y,w,h,kind CSV of boxes the one-plate-per-frame labels leave out, on training
    # frames: kind plate (another real plate: a target too), ignore (unsure: greyed out) or
    # negative (a mined false plate: crops are centred on it hard_negative_fraction of the time)
    extra_boxes: str | None = None
    hard_negative_fraction: float = Field(0.0, ge=0, le=1)
    # image,state,plate CSVs of tight real plate crops, pasted into synthetic scenes like the
    # rendered plates (real designs, dirt, fading); only their training side is used, split
    # by the recognizer's rule at plate_crops_val_fraction, so its held-out crops stay unseen
    plate_crops: tuple[str, ...] = ()
    plate_crops_val_fraction: float = Field(0.15, ge=0, lt=1)
    real_plate_share: float = Field(0.0, ge=0, le=1)  # share of scene plates that are real


class DetStageConfig(_Frozen):
    name: str
    steps: int = Field(gt=0)
    batch_size: int = Field(32, gt=0)
    lr: float = Field(2e-3, gt=0)
    weight_decay: float = Field(1e-4, ge=0)
    real_fraction: float = Field(0.0, ge=0, le=1)  # share of each batch from real frames


class DetectorTrainConfig(RunConfig):
    """The detector's run: the shared run settings (:class:`alpr.train.base.RunConfig`,
    with the detector's defaults) with its network, data, stages and threshold choices."""

    task: Literal["detector"] = "detector"
    model: DetModelConfig = DetModelConfig()
    data: DetDataConfig = DetDataConfig()
    stages: tuple[DetStageConfig, ...]
    eval_every: int = Field(250, gt=0)
    log_every: int = Field(25, gt=0)
    score_threshold: float = Field(0.3, gt=0, lt=1)  # shipped detection threshold
    # when set, the shipped threshold is instead the lowest (0.2..0.9) keeping false plates per
    # frame on the *training* frames within this (alpr.detector.threshold)
    max_false_per_frame: float | None = Field(None, ge=0)
    # when set (and the recognizer is there), boxes scored from this up to the threshold are
    # kept when the recognizer reads them confidently; the confidence is chosen on the
    # training frames so the check adds at most read_check_max_false_per_frame false plates
    # there (alpr.detector.threshold.pick_read_check)
    read_check_min_score: float | None = Field(None, gt=0, lt=1)
    read_check_max_false_per_frame: float = Field(0.0, ge=0)
    output: str = "runs/detector"
    experiment: str = "alpr-plate-detector"
    register_as: str | None = "alpr-plate-detector"
    grad_clip: float = Field(10.0, gt=0)
    box_weight: float = Field(1.0, ge=0)
    init_from: str | None = None  # a detector model folder or checkpoint to start from


def is_detector_config(path: str | Path) -> bool:
    """True when the YAML file at ``path`` declares ``task: detector``."""
    try:
        raw = yaml.safe_load(Path(path).read_text()) or {}
    except (OSError, yaml.YAMLError):
        return False
    return isinstance(raw, dict) and raw.get("task") == "detector"


def load_detector_config(path: str | Path, overrides: dict[str, Any] | None = None
                         ) -> DetectorTrainConfig:
    """Read and validate a detector YAML config (``overrides``: top-level or dotted keys);
    errors name the file and the field."""
    return load_run_config(path, DetectorTrainConfig, overrides, "detector training config")
