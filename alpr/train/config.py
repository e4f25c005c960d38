"""The typed, frozen training configuration: one YAML file describes a whole run.

The config is logged whole to MLflow, saved in every checkpoint and in the model card.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ModelConfig(_Frozen):
    height: int = Field(64, ge=16, multiple_of=16)
    width: int = Field(128, ge=32, multiple_of=4)
    width_mult: float = Field(1.0, gt=0, le=4)
    rnn_hidden: int = Field(128, ge=16)


class DataConfig(_Frozen):
    real_crops: tuple[str, ...] = ()  # image,state,plate CSVs
    # image,state,plate CSVs whose state column may be empty: they teach the text head only
    # (e.g. the Brazilian crops, which are not US plates)
    text_crops: tuple[str, ...] = ()
    text_crops_weight: float = Field(1.0, gt=0, le=1)  # their sampling rate against the rest
    real_frames: tuple[str, ...] = ()  # image,x,y,w,h,plate CSVs: text-only crops
    corrections: str | None = None  # image,old,new label fixes applied on load
    # Every real set is split by plate text (alpr.splits): val_fraction of the plates go to
    # the tune side (evaluation during training, calibration), test_fraction to the test
    # side, which training never loads.
    val_fraction: float = Field(0.15, ge=0, lt=1)
    test_fraction: float = Field(0.15, ge=0, lt=1)
    frames_val: bool = False  # frames the detector held out may be tune/test (else all train)
    # the plate detector's held-out share of the frames (file-name hash below it; 0.3 is the
    # shipped detector's); those frames' plates go half to tune, half to test
    frames_val_fraction: float | None = Field(None, ge=0, lt=1)
    # share of real and synthetic samples degraded to what a camera frame hands the reader
    # (plates 22-60 px high, optics, noise, JPEG; alpr.augment.frame_degrade)
    frame_degrade_p: float = Field(0.0, ge=0, le=1)
    # largest share of the plate box added as context on each side of a frame crop
    frame_context: float = Field(0.12, ge=0, le=0.25)
    synth_size: tuple[int, int] = (256, 128)
    augment_strength: float = Field(0.8, ge=0, le=1)
    # Weight of the state loss on synthetic plates (their names and slogans are real, their
    # artwork is not); 0 trains the state head on real crops only.
    synth_state_weight: float = Field(0.0, ge=0, le=1)


class StageConfig(_Frozen):
    name: str
    steps: int = Field(gt=0)
    batch_size: int = Field(64, gt=0)
    lr: float = Field(1e-3, gt=0)
    weight_decay: float = Field(1e-4, ge=0)
    real_fraction: float = Field(0.0, ge=0, le=1)  # share of each batch from real crops
    state_loss_weight: float = Field(1.0, ge=0)


class TrainConfig(_Frozen):
    name: str
    seed: int = 0
    model: ModelConfig = ModelConfig()
    data: DataConfig = DataConfig()
    stages: tuple[StageConfig, ...]
    num_workers: int = Field(1, ge=0)
    eval_every: int = Field(500, gt=0)
    log_every: int = Field(50, gt=0)
    output: str = "runs/default"
    tracking: bool = True
    experiment: str = "alpr-plate-ocr"
    register_as: str | None = "alpr-plate-ocr"
    grad_clip: float = Field(5.0, gt=0)
    max_minutes: float | None = Field(None, gt=0)  # wall-clock budget; stops cleanly
    # Start from an existing model folder or checkpoint (e.g. the shipped model when a
    # department fine-tunes on its own crops); tensors whose shape differs are left new.
    init_from: str | None = None

    @model_validator(mode="after")
    def _stages_named_uniquely(self) -> TrainConfig:
        names = [s.name for s in self.stages]
        if len(set(names)) != len(names):
            raise ValueError(f"stage names must be unique, got {names}")
        return self

    @property
    def total_steps(self) -> int:
        return sum(s.steps for s in self.stages)

    def flat(self) -> dict[str, Any]:
        """Dotted-key view for experiment trackers: {'stages.0.lr': 0.001, ...}."""
        return flatten(self.model_dump(mode="json"))


def load_config(path: str | Path, overrides: dict[str, Any] | None = None) -> TrainConfig:
    """Read and validate a YAML config; errors name the file and the field."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"config {path} not found")
    raw = yaml.safe_load(path.read_text()) or {}
    for key, value in (overrides or {}).items():
        raw[key] = value
    try:
        return TrainConfig.model_validate(raw)
    except Exception as exc:
        raise ValueError(f"{path}: invalid training config:\n{exc}") from exc


def flatten(data: dict[str, Any]) -> dict[str, Any]:
    """A nested config as dotted keys (lists of sections by index), for experiment trackers.

    >>> flatten({"stages": [{"lr": 0.1}], "seed": 0})
    {'stages.0.lr': 0.1, 'seed': 0}
    """
    out: dict[str, Any] = {}

    def walk(prefix: str, v: Any) -> None:
        if isinstance(v, dict):
            for k, x in v.items():
                walk(f"{prefix}.{k}" if prefix else k, x)
        elif isinstance(v, list | tuple) and v and isinstance(v[0], dict):
            for i, x in enumerate(v):
                walk(f"{prefix}.{i}", x)
        else:
            out[prefix] = v

    walk("", data)
    return out
