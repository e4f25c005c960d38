"""The frames benchmark's core (benchmarks/bench_frames.py), on synthetic plates pasted into
gray frames at known boxes: the padding crops, the height buckets and the paired counts."""

import importlib.util
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from alpr.datasets import LabelledCrop
from alpr.recognizer.preprocess import load_rgb

pytest.importorskip("torch")  # the benchmark reads the split through alpr.train
BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_frames.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_frames", BENCH)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_frames"] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    yield mod
    sys.modules.pop("bench_frames", None)


@pytest.fixture
def frames(tmp_path):
    """Three 200x320 gray frames, each with a rendered plate 30, 40 and 60 px high."""
    from alpr.synth import PlateRenderer
    from alpr.synth.fonts import FontNotFoundError

    try:
        plates = [PlateRenderer(seed=s).render(state="CA", text=t)
                  for s, t in enumerate(("7ABC123", "8XYZ900", "1OAK234"))]
    except FontNotFoundError as e:
        pytest.skip(f"synthetic plates need the fonts: {e}")
    folder = tmp_path / "openalpr-us-frames" / "images"
    folder.mkdir(parents=True)
    items, pasted = [], []
    for k, (p, (x, y, w, h)) in enumerate(zip(plates, [(20, 30, 60, 30), (100, 80, 80, 40),
                                                       (190, 130, 120, 60)], strict=True)):
        frame = np.full((200, 320, 3), 128, np.uint8)
        plate = cv2.resize(p.image, (w, h), interpolation=cv2.INTER_AREA)
        frame[y:y + h, x:x + w] = plate
        path = folder / f"f{k}.png"
        cv2.imwrite(str(path), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
        items.append(LabelledCrop(path, p.text, None, (x, y, w, h)))
        pasted.append(plate)
    return items, pasted


def test_height_buckets(bench):
    assert [bench.height_bucket(h) for h in (22, 34, 35, 50, 51, 90)] == \
        ["<35", "<35", "35-50", "35-50", ">50", ">50"]


def test_true_box_crops(bench, frames):
    items, pasted = frames
    for k, (it, plate) in enumerate(zip(items, pasted, strict=True)):
        cases = {c.view: c for c in bench.true_box_cases(it, load_rgb(it.image))}
        _, _, w, h = it.box
        assert set(cases) == {"none", "margin", "pad10"}
        assert all(c.height == h and c.region == "us" for c in cases.values())
        # no padding: exactly the plate's pixels (PNG is lossless)
        assert np.array_equal(cases["none"].image, plate)
        # the pipeline's margin (4% of the width, 8% of the height each side), then 10%
        assert cases["margin"].image.shape[:2] == (h + 2 * round(h * 0.08),
                                                   w + 2 * round(w * 0.04))
        if k < 2:
            assert cases["pad10"].image.shape[:2] == (h + 2 * round(h * 0.1),
                                                      w + 2 * round(w * 0.1))
        else:  # 10 px from the frame's right edge: 10% (12 px) is clipped there
            assert cases["pad10"].image.shape[:2] == (72, 12 + 120 + 10)
    assert [bench.height_bucket(it.box[3]) for it in items] == ["<35", "35-50", ">50"]


def test_summary_counts_paired_reads(bench, frames):
    items, _ = frames
    cases = [c for it in items for c in bench.true_box_cases(it, load_rgb(it.image))
             if c.view == "none"]
    truth = [c.plate for c in cases]  # 7ABC123, 8XYZ900, 1OAK234
    ours = [truth[0], "8XYZ9OO", "1QAK234"]  # right; right only O/0-folded; wrong
    peer = [truth[0], "8XY900", truth[2]]  # right; wrong; right
    table = bench.summarise(cases, ours, ["CA"] * 3, peer)["true-box"]["none"]
    both = table["all"]["all"]
    assert both["n"] == 3
    assert both["ours_strict"] == pytest.approx(1 / 3)
    assert both["ours_folded"] == pytest.approx(2 / 3)
    assert both["peer_folded"] == pytest.approx(2 / 3)
    assert both["paired_folded"] == {"ours_only": 1, "peer_only": 1, "both": 1, "neither": 0}
    assert "ours_state" not in both  # frames carry no state label
    assert table["us"][">50"]["paired_folded"] == {"ours_only": 0, "peer_only": 1, "both": 0,
                                                   "neither": 0}
    assert table["us"]["35-50"]["ours_strict"] == 0.0


def test_frame_like_copies_are_fixed_per_crop(bench, frames):
    items, pasted = frames
    crop = LabelledCrop(Path("openalpr-us-crops/images/ca1.png"), items[2].plate, "CA")
    a = bench.frame_like_cases(crop, pasted[2], copies=3)
    b = bench.frame_like_cases(crop, pasted[2], copies=3)
    assert [c.name for c in a] == [f"ca1.png#{k}" for k in range(3)]
    assert all(np.array_equal(x.image, y.image) for x, y in zip(a, b, strict=True))
    assert not np.array_equal(a[0].image, a[1].image)  # copies differ from each other
    assert all(22 <= c.height <= 60 and c.height == c.image.shape[0] for c in a)
    table = bench.summarise(a, [c.plate for c in a], ["CA", "CA", "TX"], None)
    assert table["frame-like"]["degraded"]["us"]["all"]["ours_state"] == pytest.approx(2 / 3)
