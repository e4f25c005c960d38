"""The detector's training path at smoke size: stages, checkpoints, resume, NaN stop, ONNX,
MLflow registry and promotion gate, ``alpr train`` dispatch and torchrun."""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from alpr.detector.config import is_detector_config, load_detector_config
from alpr.detector.detector import Detection, PlateDetector
from alpr.detector.loop import train_detector
from alpr.detector.threshold import GRID
from alpr.recognizer.loop import NonFiniteLossError
from alpr.synth.scenes import SceneRenderer

ROOT = Path(__file__).resolve().parents[2]
SMOKE = ROOT / "training" / "configs" / "detector-smoke.yaml"


def write_frames(folder: Path, n: int, seed: int = 0) -> Path:
    """n synthetic frames with one plate each, in the image,x,y,w,h,plate contract."""
    folder.mkdir(parents=True, exist_ok=True)
    r = SceneRenderer(seed=seed, size=(240, 180), plate_width=(30, 80))
    rows = []
    for i in range(n):
        s = r.render(1)
        while not s.boxes:
            s = r.render(1)
        Image.fromarray(s.image).save(folder / f"f{i}.png")
        x, y, w, h = (int(round(v)) for v in s.boxes[0])
        rows.append({"image": f"f{i}.png", "x": x, "y": y, "w": w, "h": h, "plate": "ABC123"})
    labels = folder / "labels.csv"
    with open(labels, "w", newline="") as fh:
        w_ = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w_.writeheader()
        w_.writerows(rows)
    return labels


@pytest.fixture(scope="module")
def frames(tmp_path_factory) -> Path:
    return write_frames(tmp_path_factory.mktemp("frames") / "set", 8, seed=2)


def smoke(tmp_path: Path, frames: Path, **over):
    data = {"real_frames": [str(frames)], "val_fraction": 0.4, "crop": 128,
            "plate_width": [12, 90]}
    return load_detector_config(SMOKE, {"data": data, "output": str(tmp_path / "run"), **over})


def test_smoke_training_writes_a_loadable_detector_with_its_card(tmp_path, frames):
    folder = train_detector(smoke(tmp_path, frames, max_false_per_frame=0.5,
                                  read_check_min_score=0.1), progress=False,
                            command="pytest smoke")
    assert folder is not None
    card = json.loads((folder / "card.json").read_text())
    assert card["command"] == "pytest smoke" and card["config"]["task"] == "detector"
    assert card["data"]["train_real_frames"] + card["data"]["val_real_frames"] == 8
    assert card["preprocessing"]["letterbox_long_side"] == 256
    assert {"recall", "precision", "false_plates_per_frame"} <= set(card["metrics_val"])
    assert "Held-out figures" in (folder / "README.md").read_text()
    # the threshold was chosen on the training frames, from the 0.2..0.9 grid
    assert card["score_threshold"] in GRID and "training frames" in card["threshold_method"]
    # so was the read check's confidence (with the shipped recognizer), and the card gives
    # the held-out figures with and without it
    rc = card["read_check"]
    assert rc["min_score"] == 0.1 and 0.5 <= rc["min_confidence"] <= 0.95
    assert "training frames" in rc["method"] and "recall" in card["metrics_val_detector_only"]
    assert PlateDetector.load(folder).read_check is not None
    det = PlateDetector.load(folder, threshold=0.01)
    found = det.detect(np.full((480, 640, 3), 90, np.uint8))
    assert all(isinstance(d, Detection) for d in found)
    for d in found:  # boxes are in frame pixels, inside the frame
        x, y, w, h = d.box
        assert x >= 0 and y >= 0 and x + w <= 640 and y + h <= 480 and 0 <= d.score <= 1
    assert (folder.parent / "checkpoint.pt").exists()


def test_onnx_export_matches_torch_at_any_frame_size(tmp_path, frames):
    folder = train_detector(smoke(tmp_path, frames), progress=False)
    a = PlateDetector.load(folder, backend="torch")
    b = PlateDetector.load(folder, backend="onnx")
    rng = np.random.default_rng(0)
    for shape in ((1, 3, 256, 256), (2, 3, 160, 256)):
        x = rng.normal(size=shape).astype(np.float32)
        np.testing.assert_allclose(a.raw(x), b.raw(x), atol=1e-3, rtol=1e-3)


def test_resume_continues_from_the_checkpoint(tmp_path, frames):
    cfg = smoke(tmp_path, frames)
    train_detector(cfg, progress=False)
    ckpt = torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=False)
    assert ckpt["stage"] == 1 and ckpt["step"] == 3
    before = {k: v.clone() for k, v in ckpt["model"].items()}
    train_detector(cfg, resume=tmp_path / "run" / "checkpoint.pt", progress=False)
    after = torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=False)["model"]
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_non_finite_loss_stops_training(tmp_path, frames):
    cfg = smoke(tmp_path, frames, stages=[{"name": "boom", "steps": 4, "batch_size": 4,
                                           "lr": 1e30}])
    with pytest.raises(NonFiniteLossError, match="non-finite loss"):
        train_detector(cfg, progress=False)


def test_invalid_config_names_the_field(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("task: detector\nname: x\ndata: {crop: 100}\nstages: [{name: a, steps: 1}]\n")
    with pytest.raises(ValueError, match="crop"):
        load_detector_config(bad)
    assert is_detector_config(SMOKE)
    assert not is_detector_config(ROOT / "training" / "configs" / "smoke.yaml")


def test_mlflow_tracking_registry_and_promotion_gate(tmp_path, frames):
    import mlflow

    for sub in ("a", "b"):
        train_detector(smoke(tmp_path / sub, frames, tracking=True,
                             register_as="alpr-plate-detector"), progress=False)
    versions = mlflow.MlflowClient().search_model_versions("name='alpr-plate-detector'")
    assert len(versions) == 2
    runs = mlflow.search_runs(experiment_names=["alpr-plate-detector"], order_by=["start_time"])
    first, second = runs.iloc[0], runs.iloc[1]
    assert first["tags.gate_decision"] == "promoted"
    new, champ = second["metrics.gate_new_score"], second["metrics.gate_champion_score"]
    assert second["tags.gate_decision"] == ("promoted" if new > champ else "kept_champion")
    assert len(first["tags.val_manifest"]) == 64
    det = PlateDetector.load("models:/alpr-plate-detector@champion")
    assert isinstance(det.detect(np.zeros((100, 200, 3), np.uint8)), list)


def test_alpr_train_selects_the_detector_by_the_config(tmp_path, frames):
    data = json.dumps({"real_frames": [str(frames)], "val_fraction": 0.4, "crop": 128,
                       "plate_width": [12, 90]})
    res = subprocess.run([sys.executable, "-m", "alpr.cli", "train", "--config", str(SMOKE),
                          "--set", f"data={data}", "--set", f"output={tmp_path / 'cli'}",
                          "--no-progress"], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    assert "model written to" in res.stdout
    assert json.loads((tmp_path / "cli" / "model" / "card.json").read_text())["kind"] == \
        "plate-detector"


@pytest.mark.slow
def test_ddp_two_cpu_processes_with_gloo(tmp_path, frames):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    out = tmp_path / "ddp"
    data = json.dumps({"real_frames": [str(frames)], "val_fraction": 0.4, "crop": 128,
                       "plate_width": [12, 90]})
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
           "--master_port", "29527", "-m", "alpr.detector.train_cli", "--config", str(SMOKE),
           "--set", f"data={data}", "--set", f"output={out}", "--no-progress"]
    res = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    assert "model written to" in res.stdout
    assert (out / "model" / "model.onnx").exists()
