"""One model folder for both models (:mod:`alpr.model_folder`): what a run saves loads back
whole (weights, ONNX, spec, card, README), with or without torch, and a folder of one kind
is never taken for the other."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from alpr.detector.artifact import DETECTOR
from alpr.detector.artifact import load_artifact as load_detector
from alpr.detector.artifact import save_artifact as save_detector
from alpr.detector.detector import PlateDetector
from alpr.detector.model import PlateDetNet
from alpr.detector.spec import DetectorSpec
from alpr.model_folder import README, read_card
from alpr.recognizer.artifact import load_artifact, save_artifact
from alpr.recognizer.labels import LabelSpace
from alpr.recognizer.model import PlateNet
from alpr.recognizer.recognizer import Recognizer
from alpr.recognizer.spec import ModelSpec

ROOT = Path(__file__).resolve().parents[1]
REC_CARD = {"name": "tiny-ocr", "parameters": 1234, "command": "pytest", "config": {},
            "training_seconds": 1.5, "steps_done": 20,
            "metrics_val": {"exact_match_o_folded": 0.875, "exact_match": 0.75},
            "calibration": {"char_temperature": 1.3, "state_temperature": 1.1}}
DET_CARD = {"name": "tiny-det", "parameters": 999, "command": "pytest", "config": {},
            "score_threshold": 0.4, "metrics_val": {"recall": 0.5, "precision": 0.25,
                                                    "false_plates_per_frame": 0.125}}


def same_weights(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.fixture(scope="module")
def recognizer_folder(tmp_path_factory) -> tuple[Path, PlateNet]:
    labels = LabelSpace.default()
    torch.manual_seed(0)
    net = PlateNet(ModelSpec(num_chars=len(labels.alphabet), num_states=len(labels.states),
                             height=32, width=64, width_mult=0.25, rnn_hidden=16)).eval()
    folder = tmp_path_factory.mktemp("ocr") / "model"
    return save_artifact(folder, net, labels, REC_CARD), net


@pytest.fixture(scope="module")
def detector_folder(tmp_path_factory) -> tuple[Path, PlateDetNet]:
    torch.manual_seed(0)
    net = PlateDetNet(DetectorSpec(width=0.25, input_size=128)).eval()
    folder = tmp_path_factory.mktemp("det") / "model"
    return save_detector(folder, net, DET_CARD), net


def test_a_recognizer_folder_round_trips(recognizer_folder):
    folder, net = recognizer_folder
    assert sorted(p.name for p in folder.iterdir()) == ["README.md", "card.json", "model.onnx",
                                                        "model.pt"]
    card = read_card(folder)
    assert card["kind"] == "plate-ocr" and card["name"] == "tiny-ocr"
    assert card["spec"] == net.spec.to_dict() and card["preprocessing"]["resize"] == [32, 64]
    full = load_artifact(folder)
    assert full.spec == net.spec and full.labels == LabelSpace.default()
    assert same_weights(full.state_dict, net.state_dict())
    card_only = load_artifact(folder, weights=False)
    assert card_only.state_dict is None and card_only.spec == net.spec
    assert card_only.labels == full.labels and card_only.card == card
    readme = (folder / README).read_text()
    assert readme.startswith("# Model card: tiny-ocr\n")
    assert "- training time: 1.5 s, 20 steps" in readme
    assert "- exact match, O folded to 0: 87.5% (strict: 75.0%)" in readme
    # the ONNX export reads as the weights do
    x = np.random.default_rng(0).normal(size=(2, 3, 32, 64)).astype(np.float32)
    onnx_chars, _ = Recognizer.load(folder, backend="onnx").logits(x)
    torch_chars, _ = Recognizer.load(folder, backend="torch").logits(x)
    np.testing.assert_allclose(onnx_chars, torch_chars, atol=1e-4, rtol=1e-3)


def test_a_detector_folder_round_trips(detector_folder):
    folder, net = detector_folder
    assert sorted(p.name for p in folder.iterdir()) == ["README.md", "card.json", "model.onnx",
                                                        "model.pt"]
    card = read_card(folder)
    assert card["kind"] == "plate-detector" and card["spec"] == {"width": 0.25,
                                                                 "input_size": 128}
    assert card["preprocessing"]["letterbox_long_side"] == 128 and card["output"]["stride"] == 4
    full = load_detector(folder)
    assert full.spec == net.spec and same_weights(full.state_dict, net.state_dict())
    card_only = load_detector(folder, weights_too=False)
    assert card_only.state_dict is None and card_only.card == card
    readme = (folder / README).read_text()
    assert readme.startswith("# Model card: plate detector (tiny-det)\n")
    assert "- detection recall at IoU >= 0.4: 50.0%; precision 25.0%; false plates per " \
           "frame 0.125" in readme
    frame = np.random.default_rng(1).integers(0, 255, (96, 128, 3), dtype=np.uint8)
    a = PlateDetector.load(folder, backend="onnx", threshold=0.01).detect(frame)
    b = PlateDetector.load(folder, backend="torch", threshold=0.01).detect(frame)
    assert len(a) == len(b) > 0
    np.testing.assert_allclose([d.box for d in a], [d.box for d in b], atol=2)


def test_an_edited_card_rewrites_its_readme(detector_folder, tmp_path):
    import shutil

    folder = Path(shutil.copytree(detector_folder[0], tmp_path / "det"))
    card = read_card(folder)
    card["score_threshold"] = 0.55
    DETECTOR.write_card(folder, card)
    assert PlateDetector.load(folder).threshold == 0.55
    assert "shipped threshold 0.55." in (folder / README).read_text()


def test_a_folder_of_one_kind_is_refused_by_the_other(recognizer_folder, detector_folder):
    with pytest.raises(ValueError, match="a plate-detector model folder, not a plate-ocr one"):
        load_artifact(detector_folder[0], weights=False)
    with pytest.raises(ValueError, match="a plate-ocr model folder, not a plate-detector one"):
        load_detector(recognizer_folder[0], weights_too=False)
    with pytest.raises(FileNotFoundError, match="no model.pt here; is this a plate-ocr"):
        load_artifact(recognizer_folder[0].parent)


def test_a_broken_card_is_named(tmp_path):
    (tmp_path / "card.json").write_text("{not json")
    with pytest.raises(ValueError, match=r"card\.json: not valid JSON"):
        load_artifact(tmp_path, weights=False)


def test_reading_the_cards_needs_no_torch(recognizer_folder, detector_folder):
    code = ("import sys\n"
            "from alpr.recognizer.artifact import load_artifact\n"
            "from alpr.detector.artifact import load_artifact as load_detector\n"
            f"a = load_artifact({str(recognizer_folder[0])!r}, weights=False)\n"
            f"b = load_detector({str(detector_folder[0])!r}, weights_too=False)\n"
            "assert a.spec.height == 32 and b.spec.input_size == 128\n"
            "heavy = [m for m in sys.modules if m.split('.')[0] == 'torch']\n"
            "assert not heavy, heavy[:3]\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.parametrize("name", ["plate-ocr", "plate-detector"])
def test_the_shipped_folders_render_their_readme(name):
    """The shipped cards load with today's code and render the README they ship with (notes
    aside: the recognizer's were edited by hand when a module moved)."""
    folder = ROOT / "models" / name
    if not (folder / "card.json").is_file():
        pytest.skip(f"no shipped {name}")
    if name == "plate-ocr":
        from alpr.recognizer.card import render_card
        assert load_artifact(folder, weights=False).spec.num_chars > 30
    else:
        from alpr.detector.card import render_card
        assert load_detector(folder, weights_too=False).spec.input_size >= 320
    card = json.loads((folder / "card.json").read_text())
    assert "kind" not in card or card["kind"] == name

    def lines(text: str) -> list[str]:
        return [ln for ln in text.splitlines() if not ln.startswith("- note:")]

    assert lines(render_card(folder)) == lines((folder / README).read_text())
