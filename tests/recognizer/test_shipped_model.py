"""The shipped recognizer on real plates it never trained on (skipped without the data)."""

from pathlib import Path

import numpy as np
import pytest
from split_kit import split_sides

from alpr.datasets import load_crops
from alpr.recognizer.evaluation import evaluate
from alpr.recognizer.preprocess import load_rgb
from alpr.recognizer.recognizer import Recognizer, default_model_dir

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not (default_model_dir() / "model.pt").exists(),
                                reason="no shipped model in models/plate-ocr")


def test_card_carries_the_contract():
    rec = Recognizer.load()
    card = rec.artifact.card
    for key in ("alphabet", "states", "preprocessing", "calibration", "command", "config",
                "data", "metrics_val", "parameters"):
        assert key in card, key
    assert card["parameters"] <= 2_000_000


def test_the_folder_loads_the_same_from_its_card_and_its_weights():
    """The shipped folder, unchanged, through the one model-folder reader: the card alone
    (ONNX Runtime, no torch) and the weights file carry the same spec and labels."""
    from alpr.recognizer.artifact import load_artifact

    card_only = load_artifact(default_model_dir(), weights=False)
    full = load_artifact(default_model_dir())
    assert card_only.state_dict is None and full.state_dict
    assert card_only.spec == full.spec and card_only.labels == full.labels
    assert card_only.card == full.card and full.card.get("kind", "plate-ocr") == "plate-ocr"


def test_onnx_and_torch_backends_read_the_same(shared_datasets):
    items = load_crops(shared_datasets / "openalpr-us-crops" / "labels.csv").items[:16]
    imgs = [load_rgb(i.image) for i in items]
    a = Recognizer.load(backend="onnx").read_crops(imgs)
    b = Recognizer.load(backend="torch").read_crops(imgs)
    assert [r.text for r in a] == [r.text for r in b]
    assert [r.state for r in a] == [r.state for r in b]
    np.testing.assert_allclose([r.confidence for r in a], [r.confidence for r in b], atol=1e-3)


def test_reads_real_plates_and_states_of_the_test_side(shared_datasets):
    """The US crops of the split's test side: what the card's test figures are measured on
    (docs/evaluation.md says which of them the shipped model's lineage saw)."""
    rec = Recognizer.load()
    test = [it for it in split_sides(shared_datasets).test if it.box is None and it.state]
    report = evaluate(rec, test)
    assert report.n >= 50
    assert report.exact_folded >= 0.9, report.summary()
    assert report.state_accuracy is not None and report.state_accuracy >= 0.9, report.summary()
    sure = next(r for r in report.thresholds if r["threshold"] == 0.9)
    assert sure["accuracy"] >= 0.97, report.summary()
