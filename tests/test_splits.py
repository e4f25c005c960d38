"""The honest split (alpr.splits): by plate text, across sets, nothing dropped."""

from __future__ import annotations

from pathlib import Path

from alpr.datasets import LabelledCrop, split_key
from alpr.splits import plate_key, split_by_plate


def crop(name: str, plate: str, box=None) -> LabelledCrop:
    return LabelledCrop(image=Path(f"/data/{name}.jpg"), plate=plate, state="CA", box=box)


def test_a_department_with_few_plates_still_mostly_trains():
    # 384 verified crops of 17 plates (the demo department): every crop lands on a side,
    # with its plate; most of them train
    items = [crop(f"p{p}-{k}", f"7ABC{p:03d}") for p in range(17) for k in range(384 // 17)]
    sides = split_by_plate([items], tune=0.15, test=0.15)
    counts = sides.counts()
    assert sum(c["crops"] for c in counts.values()) == len(items)
    assert [counts[s]["plates"] for s in ("train", "tune", "test")] == [12, 2, 3]
    assert counts["train"]["crops"] >= 0.6 * len(items)


def test_one_plate_text_lives_on_one_side_across_sets_and_o_folds_to_zero():
    crops = [crop(f"c{i}", f"ABC{i:03d}") for i in range(60)]
    same_car = [crop(f"f{i}", f"ABC{i:03d}".replace("0", "O"), box=(1, 1, 10, 5))
                for i in range(60)]
    sides = split_by_plate([crops], [same_car], frames_heldout=None)
    seen: dict[str, str] = {}
    for name in ("train", "tune", "test"):
        for it in sides.side(name):
            assert seen.setdefault(plate_key(it.plate), name) == name
    # frames are pinned to train here (no detector hold-out), so their plates all train
    assert not sides.tune and not sides.test


def test_only_frames_the_detector_held_out_can_be_tune_or_test():
    frames = [crop(f"frame{i}", f"F{i:05d}", box=(1, 1, 10, 5)) for i in range(200)]
    sides = split_by_plate([], [frames], frames_heldout=0.3)
    held = [f for f in frames if split_key(f) < 0.3]
    assert {f.image for f in sides.tune + sides.test} == {f.image for f in held}
    assert abs(len(sides.tune) - len(sides.test)) <= 1
    assert all(split_key(f) >= 0.3 for f in sides.train)


def test_the_split_does_not_depend_on_row_order():
    items = [crop(f"c{i}", f"P{i:04d}") for i in range(100)]
    a = split_by_plate([items])
    b = split_by_plate([items[::-1]])
    assert {i.image for i in a.test} == {i.image for i in b.test}
