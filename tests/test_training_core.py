"""The one training core: every shipped config loads through one base, dotted ``--set``
reaches nested keys, and both tasks run the same loop (budget cool-down included)."""

from __future__ import annotations

from pathlib import Path

import pytest

from alpr.detector.config import DetectorTrainConfig, is_detector_config, load_detector_config
from alpr.train.base import RunConfig
from alpr.recognizer.config import TrainConfig, load_config

CONFIGS = sorted((Path(__file__).resolve().parents[1] / "training" / "configs").glob("*.yaml"))


@pytest.mark.parametrize("path", CONFIGS, ids=[p.name for p in CONFIGS])
def test_every_shipped_config_loads(path: Path) -> None:
    cfg = load_detector_config(path) if is_detector_config(path) else load_config(path)
    assert isinstance(cfg, RunConfig)
    assert isinstance(cfg, DetectorTrainConfig if is_detector_config(path) else TrainConfig)
    assert cfg.total_steps > 0 and cfg.stages


def test_dotted_overrides_reach_nested_keys_and_bad_ones_are_named() -> None:
    smoke = next(p for p in CONFIGS if p.name == "smoke.yaml")
    cfg = load_config(smoke, {"stages.0.lr": 0.0005, "data.val_fraction": 0.25,
                              "num_workers": 0})
    assert cfg.stages[0].lr == 0.0005 and cfg.data.val_fraction == 0.25
    assert cfg.num_workers == 0
    with pytest.raises(ValueError, match="stages.9.lr"):
        load_config(smoke, {"stages.9.lr": 0.1})
    with pytest.raises(ValueError, match="val_fraction"):
        load_config(smoke, {"data.val_fraction": 2})


def test_both_tasks_share_the_run_settings() -> None:
    """The budget cool-down, threads and the rest are the base's, for both models."""
    shared = set(RunConfig.model_fields)
    assert shared <= set(TrainConfig.model_fields)
    assert shared <= set(DetectorTrainConfig.model_fields)
    assert TrainConfig.model_fields["budget_cooldown"].default == 0.2


def test_the_core_runs_any_task(tmp_path) -> None:
    """A tiny task through :func:`alpr.train.core.fit`: stages, validation cadence,
    checkpoint, the budget's cool-down and the task's finish."""
    import torch
    from torch.utils.data import IterableDataset

    from alpr.train.core import fit

    class Numbers(IterableDataset):
        def __iter__(self):
            g = torch.Generator().manual_seed(0)
            while True:
                x = torch.randn(4, generator=g)
                yield x, x.sum()

    class Line:
        pct_start = 0.3

        def __init__(self, cfg: RunConfig) -> None:
            self.cfg = cfg
            self.validated: list[float] = []

        @staticmethod
        def collate(items):
            xs, ys = zip(*items, strict=True)
            return {"x": torch.stack(xs), "y": torch.stack(ys)}

        def prepare(self, main_proc: bool) -> torch.nn.Module:
            return torch.nn.Linear(4, 1)

        def manifests(self) -> dict[str, str]:
            return {}

        def stream(self, stage, stage_index, seed):
            return Numbers()

        def loss(self, model, batch, stage, device):
            err = ((model(batch["x"]).squeeze(1) - batch["y"]) ** 2).mean()
            return err, {"mse": float(err.detach())}

        def validate(self, net):
            x = torch.eye(4)
            err = float(((net(x).squeeze(1) - 1.0) ** 2).mean())
            self.validated.append(err)
            return -err, {"mse": err}, f"mse {err:.3f}"

        def finish(self, net, mlflow, command, stopped_early, seconds, steps):
            self.steps, self.net = steps, net
            return tmp_path / "model"

    from pydantic import Field

    from alpr.train.base import Frozen

    class Stage(Frozen):
        name: str
        steps: int
        batch_size: int = 16
        lr: float = 0.05
        weight_decay: float = 0.0

    class Cfg(RunConfig):
        stages: tuple[Stage, ...] = Field(default=(Stage(name="a", steps=60),
                                                   Stage(name="b", steps=40)))

    task = Line(Cfg(name="line", output=str(tmp_path / "run"), tracking=False,
                    num_workers=0, eval_every=25))
    assert fit(task, progress=False) == tmp_path / "model"
    assert task.steps == 100
    assert len(task.validated) == 5  # at 25, 50, 60 (a ends) and 25, 40 (b ends)
    assert task.validated[-1] < task.validated[0] / 4  # it learned
    assert (tmp_path / "run" / "checkpoint.pt").is_file()
