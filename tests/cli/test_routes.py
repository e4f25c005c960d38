"""Commands that do two jobs are told which, never guess: ``alpr train`` trains what
``--task`` or the config's ``task:`` says (else the recognizer; the two may not disagree);
``alpr read`` and ``alpr evaluate`` refuse a flag that belongs to the other kind of input.
The training itself is replaced here (tests/test_training*.py and
tests/detector/test_detector_training.py run it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from alpr.cli import main
from alpr.cli.train import main as train_main

CONFIGS = Path(__file__).resolve().parents[2] / "training" / "configs"


@pytest.fixture
def trained(monkeypatch) -> list[tuple[str, str]]:
    """(task, config name) of each run started."""
    import alpr.detector.loop
    import alpr.recognizer.loop

    runs: list[tuple[str, str]] = []
    monkeypatch.setattr(alpr.recognizer.loop, "train",
                        lambda cfg, **_: runs.append(("recognizer", cfg.name)))
    monkeypatch.setattr(alpr.detector.loop, "train_detector",
                        lambda cfg, **_: runs.append(("detector", cfg.name)))
    return runs


def test_the_config_declares_the_task_and_the_flag_agrees(trained, capsys) -> None:
    smoke, det = str(CONFIGS / "smoke.yaml"), str(CONFIGS / "detector-smoke.yaml")
    assert main(["train", "--config", smoke]) == 0
    assert main(["train", "--config", det]) == 0
    assert main(["train", "--config", det, "--task", "detector"]) == 0
    assert [t for t, _ in trained] == ["recognizer", "detector", "detector"]
    assert main(["train", "--config", det, "--task", "recognizer"]) == 2
    assert "--task recognizer" in capsys.readouterr().err and len(trained) == 3


def test_a_task_that_is_none_is_refused_by_name(tmp_path, trained, capsys) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("name: c\ntask: detektor\nstages: [{name: a, steps: 1}]\n")
    assert main(["train", "--config", str(cfg)]) == 2
    assert "task 'detektor': must be one of recognizer, detector" in capsys.readouterr().err
    assert trained == []


def test_the_old_entry_points_route_the_same(trained) -> None:
    """``python training/train.py`` and ``python -m alpr.detector.train_cli``."""
    assert train_main(["--config", str(CONFIGS / "detector-smoke.yaml")]) == 0
    assert train_main(["--config", str(CONFIGS / "detector-smoke.yaml")], task="detector") == 0
    assert [t for t, _ in trained] == ["detector", "detector"]


@pytest.mark.parametrize("argv, needle", [
    (["read", "--crops", "--threshold", "0.5", "a.png"], "--threshold: for camera frames"),
    (["read", "--crops", "--detector", "d", "--no-read-check", "a.png"],
     "--detector, --no-read-check: for camera frames (--frames), not --crops"),
    (["evaluate", "--labels", "l.csv", "--known-boxes", "k.csv"],
     "--known-boxes: for labelled frames (--frames), not --labels"),
])
def test_a_flag_for_the_other_kind_of_input_is_refused(argv, needle, capsys) -> None:
    assert main(argv) == 2
    assert needle in capsys.readouterr().err


@pytest.mark.parametrize("argv, needle", [
    (["read", "--crops", "--frames", "a.png"], "not allowed with argument --crops"),
    (["evaluate", "--labels", "l.csv", "--frames", "f.csv"], "not allowed with argument"),
    (["calibrate", "--model", "m"], "one of the arguments --labels --config is required"),
])
def test_two_routes_at_once_or_none_is_a_usage_error(argv, needle, capsys) -> None:
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 2 and needle in capsys.readouterr().err
