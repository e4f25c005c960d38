"""The shipped detector on real frames it never trained on (skipped without model or data)."""

from pathlib import Path

import pytest
from split_kit import split_sides

from alpr.datasets import load_frames, split
from alpr.detector.detector import PlateDetector, default_model_dir
from alpr.detector.evaluation import evaluate_frames
from alpr.recognizer.preprocess import load_rgb

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not (default_model_dir() / "model.onnx").exists(),
                                reason="no shipped detector in models/plate-detector")
SETS = ("openalpr-us-frames", "openalpr-eu-frames")


def held_out(shared: Path, name: str, val_fraction: float):
    items = load_frames(shared / name / "labels.csv",
                        corrections=ROOT / "training" / "label_corrections.csv").items
    return split(items, val_fraction)[1]


def test_card_carries_the_contract_and_files_are_small():
    det = PlateDetector.load()
    card = det.artifact.card
    for key in ("spec", "preprocessing", "output", "score_threshold", "command", "config",
                "data", "metrics_val", "metrics_val_per_set", "thresholds_val", "parameters"):
        assert key in card, key
    assert card["config"]["data"]["val_fraction"] >= 0.15  # superset of the recognizer's split
    for name in ("model.onnx", "model.pt", "card.json", "README.md"):
        assert (default_model_dir() / name).stat().st_size < 8_000_000, name


def test_the_folder_loads_the_same_from_its_card_and_its_weights():
    """The shipped folder, unchanged, through the one model-folder reader."""
    from alpr.detector.artifact import load_artifact

    card_only = load_artifact(default_model_dir(), weights_too=False)
    full = load_artifact(default_model_dir())
    assert card_only.state_dict is None and full.state_dict
    assert card_only.spec == full.spec and card_only.card == full.card
    assert full.card["kind"] == "plate-detector"


def test_onnx_and_torch_backends_find_the_same_boxes(shared_datasets):
    card = PlateDetector.load().artifact.card
    items = held_out(shared_datasets, SETS[0], card["config"]["data"]["val_fraction"])[:6]
    frames = [load_rgb(it.image) for it in items]
    a = [PlateDetector.load(backend="onnx").detect(f) for f in frames]
    b = [PlateDetector.load(backend="torch").detect(f) for f in frames]
    assert [len(x) for x in a] == [len(x) for x in b]
    for da, db in zip(a, b, strict=True):
        for x, y in zip(da, db, strict=True):
            assert max(abs(p - q) for p, q in zip(x.box, y.box, strict=True)) <= 2
            assert abs(x.score - y.score) < 1e-2


@pytest.mark.slow
def test_held_out_figures_reproduce_the_model_card(shared_datasets):
    """Anyone can re-measure the card's held-out figures: same frames, same numbers."""
    from alpr.recognizer.recognizer import Recognizer

    det = PlateDetector.load()
    card = det.artifact.card
    val_fraction = card["config"]["data"]["val_fraction"]
    rec = Recognizer.load() if card.get("read_check") else None  # the check reads boxes
    tune = [it for it in split_sides(shared_datasets).tune if it.box is not None]
    for name in SETS:
        # a card re-chosen on the tune side of the plate-text split measures there
        items = ([it for it in tune if name in str(it.image)] if card.get("metrics_val_side")
                 else held_out(shared_datasets, name, val_fraction))
        report = evaluate_frames(det, items, rec)
        want = card["metrics_val_per_set"][name]
        assert report.frames == int(want["frames"])
        assert report.recall == pytest.approx(want["recall"], abs=0.034), report.summary()
        assert report.false_per_frame == pytest.approx(want["false_plates_per_frame"],
                                                       abs=0.034), report.summary()


def test_read_check_in_the_card_is_loaded_and_can_be_turned_off(tmp_path):
    import shutil

    from alpr.detector.threshold import set_read_check

    card = PlateDetector.load().artifact.card
    if not card.get("read_check"):
        pytest.skip("the shipped detector has no read check")
    rc = PlateDetector.load().read_check
    assert rc is not None and rc.min_score < PlateDetector.load().threshold
    # chosen on frames the test side never touched (training or tune frames), and says so
    assert "training frames" in rc.method or "tune-side frames" in rc.method
    assert rc.zoom_size is None or any(w in rc.zoom_method
                                       for w in ("training frames", "tune-side frames"))
    assert PlateDetector.load(read_check=False).read_check is None
    assert PlateDetector.load(threshold=rc.min_score).read_check is None  # nothing below
    folder = tmp_path / "det"
    shutil.copytree(default_model_dir(), folder)
    set_read_check(folder, None)
    assert PlateDetector.load(folder).read_check is None
    assert "- read check:" not in (folder / "README.md").read_text()
    set_read_check(folder, rc)
    assert PlateDetector.load(folder).read_check == rc
    assert f"confidence >= {rc.min_confidence}" in (folder / "README.md").read_text()
