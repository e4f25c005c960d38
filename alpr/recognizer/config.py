"""The typed, frozen training configuration: one YAML file describes a whole run.

The config is logged whole to MLflow, saved in every checkpoint and in the model card.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from alpr.train.base import Frozen as _Frozen
from alpr.train.base import RunConfig, flatten, load_run_config

__all__ = ["DataConfig", "ModelConfig", "StageConfig", "TrainConfig", "flatten", "load_config"]


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
    # (plates 22-60 px high, optics, noise, JPEG; alpr.recognizer.augment.frame_degrade)
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


class TrainConfig(RunConfig):
    """The recognizer's run: the shared run settings (:class:`alpr.train.base.RunConfig`)
    with the network's shape, the data and the stages."""

    task: Literal["recognizer"] = "recognizer"
    model: ModelConfig = ModelConfig()
    data: DataConfig = DataConfig()
    stages: tuple[StageConfig, ...]


def load_config(path: str | Path, overrides: dict[str, Any] | None = None) -> TrainConfig:
    """Read and validate a YAML config (``overrides``: top-level or dotted keys, e.g.
    ``stages.0.lr``); errors name the file and the field."""
    return load_run_config(path, TrainConfig, overrides)
