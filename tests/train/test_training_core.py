"""The one training core: every shipped config loads through one base, dotted ``--set``
reaches nested keys, and both tasks run the same loop (budget cool-down included)."""

from __future__ import annotations

from pathlib import Path

import pytest

from alpr.detector.config import DetectorTrainConfig, is_detector_config, load_detector_config
from alpr.recognizer.config import TrainConfig, load_config
from alpr.train.base import RunConfig

CONFIGS = sorted((Path(__file__).resolve().parents[2] / "training" / "configs").glob("*.yaml"))


@pytest.fixture
def loaded(monkeypatch) -> list:
    """What ``alpr train`` hands the training core, with the core replaced by a recorder
    (nothing trains): the configs the CLI's loader made."""
    import alpr.detector.loop
    import alpr.recognizer.loop

    got: list = []

    def record(task, **kw):
        got.append(task.cfg)

    monkeypatch.setattr(alpr.recognizer.loop, "fit", record)
    monkeypatch.setattr(alpr.detector.loop, "fit", record)
    return got


def test_there_are_shipped_configs_of_both_tasks() -> None:
    names = {p.name for p in CONFIGS}
    assert {"smoke.yaml", "full.yaml", "detector-smoke.yaml", "detector-full.yaml"} <= names


@pytest.mark.parametrize("path", CONFIGS, ids=[p.name for p in CONFIGS])
def test_every_shipped_config_loads_through_alpr_train(path: Path, loaded, capsys) -> None:
    """Each ``training/configs/*.yaml`` as ``alpr train --config`` reads it: the loader the
    command uses, its task chosen by the file's ``task:``."""
    from alpr.cli import main

    code = main(["train", "--config", str(path), "--no-progress"])
    assert code == 0, f"{path.name} does not load: {capsys.readouterr().err.strip()}"
    assert len(loaded) == 1, path.name
    cfg = loaded[0]
    want = DetectorTrainConfig if is_detector_config(path) else TrainConfig
    assert isinstance(cfg, RunConfig) and isinstance(cfg, want), path.name
    assert cfg.total_steps > 0 and cfg.stages
    assert cfg == (load_detector_config(path) if want is DetectorTrainConfig
                   else load_config(path))


def test_a_config_that_does_not_load_is_named(tmp_path, loaded, capsys) -> None:
    from alpr.cli import main

    bad = tmp_path / "typo.yaml"
    bad.write_text("name: x\nstages: [{name: a, steps: 10}]\nnum_workrs: 2\n")
    assert main(["train", "--config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "num_workrs" in err
    assert loaded == []
    # one line per wrong field, naming it and its rule; none of pydantic's links
    bad.write_text("name: x\nstages: [{name: a, steps: many}]\nmodel: {height: 63}\n")
    assert main(["train", "--config", str(bad)]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert "  stages.0.steps: Input should be a valid integer, unable to parse string as an " \
           "integer (got 'many')" in lines
    assert "  model.height: Input should be a multiple of 16 (got 63)" in lines
    assert not any("errors.pydantic.dev" in line for line in lines)


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
            with torch.no_grad():
                err = float(((net(torch.eye(4)).squeeze(1) - 1.0) ** 2).mean())
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
