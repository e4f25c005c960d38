"""The whole training path at smoke size: stages, checkpoints, resume, DDP, MLflow, gate."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from alpr.recognizer.config import load_config
from alpr.recognizer.loop import NonFiniteLossError, train
from alpr.recognizer.recognizer import Recognizer
from alpr.synth.writer import write_dataset

ROOT = Path(__file__).resolve().parents[2]
SMOKE = ROOT / "training" / "configs" / "smoke.yaml"


@pytest.fixture(scope="module")
def crops(tmp_path_factory) -> Path:
    """A small labelled crop set in the image,state,plate contract."""
    return write_dataset(tmp_path_factory.mktemp("crops") / "set", n=24, seed=5, progress=False)


def smoke(tmp_path: Path, crops: Path, **over):
    data = {"real_crops": [str(crops)], "val_fraction": 0.3, "synth_size": [128, 64]}
    return load_config(SMOKE, {"data": data, "output": str(tmp_path / "run"), **over})


def test_smoke_training_writes_a_loadable_model_with_its_card(tmp_path, crops):
    cfg = smoke(tmp_path, crops)
    folder = train(cfg, progress=False, command="pytest smoke")
    assert folder is not None
    card = json.loads((folder / "card.json").read_text())
    assert card["kind"] == "plate-ocr" and card["command"] == "pytest smoke"
    assert card["config"]["name"] == "smoke"
    assert card["steps_done"] == cfg.total_steps
    readme = (folder / "README.md").read_text()
    assert "- command: `pytest smoke`" in readme and f", {cfg.total_steps:,} steps" in readme
    assert card["alphabet"].startswith("ABC") and "CA" in card["states"]
    sides = card["split"]
    assert sides["train"]["crops"] + sides["tune"]["crops"] + sides["test"]["crops"] == 24
    assert card["data"]["train_real_crops"] == sides["train"]["crops"]
    assert card["data"]["val_real_crops"] == sides["tune"]["crops"] > 0
    assert {"char_temperature", "state_temperature"} <= set(card["calibration"])
    rec = Recognizer.load(folder)
    read = rec.read_crop(np.full((64, 128, 3), 200, np.uint8))
    assert 0.0 <= read.confidence <= 1.0 and read.state in card["states"]
    assert (folder.parent / "checkpoint.pt").exists()


def test_onnx_export_matches_torch(tmp_path, crops):
    folder = train(smoke(tmp_path, crops), progress=False)
    torch_rec = Recognizer.load(folder, backend="torch")
    onnx_rec = Recognizer.load(folder, backend="onnx")
    rng = np.random.default_rng(0)
    batch = rng.normal(size=(4, 3, 32, 64)).astype(np.float32)
    tc, ts = torch_rec.logits(batch)
    oc, os_ = onnx_rec.logits(batch)
    np.testing.assert_allclose(tc, oc, atol=1e-4, rtol=1e-3)
    np.testing.assert_allclose(ts, os_, atol=1e-4, rtol=1e-3)


def test_resume_continues_from_the_checkpoint(tmp_path, crops):
    cfg = smoke(tmp_path, crops)
    train(cfg, progress=False)
    ckpt = torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=False)
    assert ckpt["stage"] == 1 and ckpt["step"] == 4
    # resuming a finished run trains no further steps and keeps the weights
    before = {k: v.clone() for k, v in ckpt["model"].items()}
    train(cfg, resume=tmp_path / "run" / "checkpoint.pt", progress=False)
    after = torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=False)["model"]
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_non_finite_loss_stops_training(tmp_path, crops):
    cfg = smoke(tmp_path, crops, stages=[{"name": "boom", "steps": 3, "batch_size": 4,
                                          "lr": 1e30}])
    with pytest.raises(NonFiniteLossError, match="non-finite loss"):
        train(cfg, progress=False)


def test_invalid_config_names_the_field(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nstages: [{name: a, steps: 0}]\n")
    with pytest.raises(ValueError, match="steps"):
        load_config(bad)


def test_mlflow_tracking_registry_and_promotion_gate(tmp_path, crops, capsys):
    import mlflow

    train(smoke(tmp_path / "a", crops, tracking=True, register_as="alpr-plate-ocr"),
          progress=False)
    client = mlflow.MlflowClient()
    runs = mlflow.search_runs(experiment_names=["alpr-plate-ocr"], order_by=["start_time"])
    first = runs.iloc[0]
    # with no champion yet, the 4-step model is compared with the shipped model on the test
    # side of the split and is worse: it must not become the champion
    assert first["tags.gate_baseline"] == "shipped model"
    assert first["metrics.gate_champion_score"] > first["metrics.gate_new_score"]
    assert first["tags.gate_decision"] == "kept_champion"
    assert first["tags.gate_side"].startswith("test (")
    out = capsys.readouterr().out
    assert "promotion gate on the test side" in out and "not promoted: the shipped model" in out
    with pytest.raises(Exception, match="champion"):
        client.get_model_version_by_alias("alpr-plate-ocr", "champion")

    client.set_registered_model_alias("alpr-plate-ocr", "champion", "1")
    train(smoke(tmp_path / "b", crops, tracking=True, register_as="alpr-plate-ocr"),
          progress=False)
    assert len(client.search_model_versions("name='alpr-plate-ocr'")) == 2
    second = mlflow.search_runs(experiment_names=["alpr-plate-ocr"],
                                order_by=["start_time"]).iloc[1]
    # the second run was compared with the champion on the same crops, and the rule held
    assert second["tags.gate_baseline"] == "champion"
    decision = second["tags.gate_decision"]
    new, champ = second["metrics.gate_new_score"], second["metrics.gate_champion_score"]
    assert decision == ("promoted" if new > champ else "kept_champion")
    assert first["params.stages.0.steps"] == "4"
    assert len(first["tags.train_manifest"]) == 64
    arts = {a.path for a in client.list_artifacts(first["run_id"], "plots")}
    assert {"plots/calibration.png", "plots/confusions.png", "plots/per_state_accuracy.png"} <= arts
    rec = Recognizer.load("models:/alpr-plate-ocr@champion")
    assert rec.read_crop(np.zeros((40, 80, 3), np.uint8)).state


def test_init_from_resolves_against_the_project_not_the_current_folder(tmp_path, crops,
                                                                       monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    cfg = smoke(tmp_path, crops, init_from="models/plate-ocr",
                model={"height": 64, "width": 128, "width_mult": 1.0, "rnn_hidden": 128})
    folder = train(cfg, progress=False)
    assert folder is not None and (folder / "model.pt").exists()
    assert "from models/plate-ocr; new: none" in capsys.readouterr().out


def test_ddp_two_cpu_processes_with_gloo(tmp_path, crops):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    out = tmp_path / "ddp"
    data = json.dumps({"real_crops": [str(crops)], "val_fraction": 0.3, "synth_size": [128, 64]})
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
           "--master_port", "29517", str(ROOT / "training" / "train.py"), "--config", str(SMOKE),
           "--set", f"data={data}", "--set", f"output={out}", "--no-progress"]
    res = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert res.returncode == 0, res.stderr[-3000:]
    assert "model written to" in res.stdout
    assert (out / "model" / "model.onnx").exists()
