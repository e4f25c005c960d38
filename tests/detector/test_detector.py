"""Detector building blocks: letterboxing, targets and decoding, matching, metrics, scenes."""

from pathlib import Path

import numpy as np
import pytest

from alpr.datasets import LabelledCrop
from alpr.detector.detector import Detection
from alpr.detector.evaluation import build_report
from alpr.detector.geometry import decode, iou, letterbox, letterbox_shape, match, nms
from alpr.detector.pipeline import plate_crop
from alpr.detector.targets import encode
from alpr.synth.scenes import SceneRenderer, eu_plate


def test_letterbox_keeps_aspect_and_pads_to_multiples_of_32():
    assert letterbox_shape(1080, 1920, 640) == (1 / 3, 384, 640)
    assert letterbox_shape(480, 640, 640) == (1.0, 480, 640)
    x, lb = letterbox(np.zeros((720, 1280, 3), np.uint8), 640)
    assert x.shape == (3, 384, 640) and lb.scale == 0.5
    # the 360 image rows are frame, the 24 below are grey padding
    assert np.allclose(x[:, 359], (0 / 255 - 0.5) / 0.25)
    assert np.allclose(x[:, 360], (114 / 255 - 0.5) / 0.25)


def test_letterbox_rejects_non_rgb_arrays():
    with pytest.raises(ValueError, match="RGB frame"):
        letterbox(np.zeros((10, 10, 5), np.uint8), 640)


def test_iou_by_hand():
    # 10x10 boxes overlapping on a 5x10 strip: 50 / (100 + 100 - 50)
    assert iou(np.array([[0, 0, 10, 10]]), np.array([[5, 0, 10, 10]]))[0, 0] == pytest.approx(1 / 3)
    assert iou(np.array([[0, 0, 10, 10]]), np.array([[20, 20, 5, 5]]))[0, 0] == 0.0


def test_duplicate_detections_match_once_and_nms_removes_them():
    pred = np.array([[0, 0, 10, 10], [1, 0, 10, 10], [50, 50, 10, 10]], float)
    assert match(pred, np.array([[0, 0, 10, 10]])) == [(0, 0)]
    assert list(nms(pred, np.array([0.9, 0.8, 0.7]), 0.4)) == [0, 2]


def test_encoded_targets_decode_back_to_the_boxes():
    boxes = [(40.0, 60.0, 64.0, 32.0), (150.0, 20.0, 30.0, 15.0)]
    heat, reg, mask = encode(boxes, 64, 64, 4)
    assert heat.max() == 1.0 and mask.sum() >= 2
    logit = np.log(np.clip(heat, 1e-6, 1 - 1e-6) / (1 - np.clip(heat, 1e-6, 1 - 1e-6)))
    # the regression targets are what the network should output on positive cells
    out = np.concatenate([logit[None], reg], axis=0)
    found, scores = decode(out, 4, 0.5)
    assert len(found) == 2 and scores.min() > 0.99
    for box in boxes:
        best = iou(found, np.array([box])).max()
        assert best > 0.97, (box, found)


def test_detection_report_counts_by_hand():
    items = [LabelledCrop(image=Path(f"f{i}.jpg"), plate=p, state=None,
                          box=b) for i, (p, b) in enumerate([
                              ("ABC123", (0, 0, 100, 50)), ("XYZ0", (10, 10, 50, 25)),
                              ("Q1", (200, 200, 40, 20))])]
    dets = [
        [Detection((2, 1, 98, 50), 0.9), Detection((300, 300, 50, 20), 0.5)],  # found + false
        [Detection((12, 12, 48, 23), 0.8)],  # found
        [],  # missed
    ]
    rep = build_report(items, dets, texts=[["ABC123", "JUNK"], ["XYZO"], []])
    assert (rep.plates, rep.found, rep.detections) == (3, 2, 3)
    assert rep.recall == pytest.approx(2 / 3) and rep.precision == pytest.approx(2 / 3)
    assert rep.false_per_frame == pytest.approx(1 / 3)
    m = rep.metrics()
    # strict: only ABC123; O/0-folded: XYZO reads as XYZ0 too; the missed plate is wrong
    assert m["end_to_end_exact"] == pytest.approx(1 / 3)
    assert m["end_to_end_exact_o_folded"] == pytest.approx(2 / 3)
    assert [r["found"] for r in rep.rows] == [True, True, False]


def test_threshold_is_the_lowest_meeting_the_false_plate_target():
    from alpr.detector.threshold import pick_threshold

    items = [LabelledCrop(Path(f"{i}.jpg"), "A1", None, (0, 0, 20, 10)) for i in range(2)]
    dets = [[Detection((0, 0, 20, 10), 0.95), Detection((90, 90, 20, 10), 0.5)],
            [Detection((1, 0, 20, 10), 0.8), Detection((60, 0, 20, 10), 0.33)]]
    # two false plates (0.5, 0.33): 1 per frame below 0.35, 0.5 per frame up to 0.5, then 0
    assert pick_threshold(items, dets, 1.0) == 0.2
    assert pick_threshold(items, dets, 0.5) == 0.35
    assert pick_threshold(items, dets, 0.0) == 0.55


def test_plate_crop_adds_a_margin_and_stays_inside_the_frame():
    frame = np.zeros((100, 200, 3), np.uint8)
    assert plate_crop(frame, (50, 40, 100, 20)).shape == (24, 108, 3)
    assert plate_crop(frame, (0, 0, 50, 25)).shape == (27, 52, 3)


def test_scenes_are_deterministic_and_boxes_cover_pasted_plates():
    a, b = SceneRenderer(seed=3).render(2), SceneRenderer(seed=3).render(2)
    assert np.array_equal(a.image, b.image) and a.boxes == b.boxes
    assert a.image.shape == (320, 320, 3) and 1 <= len(a.boxes) <= 2
    for (x, y, w, h), quad in zip(a.boxes, a.corners, strict=True):
        assert x >= 0 and y >= 0 and x + w <= 320 and y + h <= 320
        assert quad.shape == (4, 2)
    plain = SceneRenderer(seed=3).render(0)
    assert plain.boxes == ()


def test_scene_renderer_rejects_bad_settings():
    with pytest.raises(ValueError, match="plate_width"):
        SceneRenderer(plate_width=(50, 10))
    with pytest.raises(ValueError, match="size"):
        SceneRenderer(size=(16, 16))


def test_eu_plates_are_long_and_light():
    import random

    plate = eu_plate(random.Random(0))
    h, w = plate.shape[:2]
    assert 3.9 <= w / h <= 5.0
    assert plate[h // 2, w // 2:].mean() > 0  # drawn, not empty


def test_known_boxes_are_neither_found_nor_false():
    from alpr.detector.threshold import pick_threshold

    items = [LabelledCrop(Path("a.jpg"), "A1", None, (0, 0, 20, 10))]
    dets = [[Detection((0, 0, 20, 10), 0.9), Detection((100, 100, 40, 20), 0.8),
             Detection((300, 10, 20, 10), 0.7)]]
    plain = build_report(items, dets, texts=[["A1", "B2", "C3"]])
    assert (plain.found, plain.detections) == (1, 3)
    # a second real plate at (100, 100) that the labels leave out: not a false plate
    known = [[(102.0, 101.0, 38.0, 20.0)]]
    rep = build_report(items, dets, texts=[["A1", "B2", "C3"]], known=known)
    assert (rep.found, rep.detections, rep.false_per_frame) == (1, 2, 1.0)
    assert rep.rows[0]["read"] == "A1" and rep.read_exact == 1
    # a known box on the labelled plate never hides the labelled plate itself
    assert build_report(items, dets, known=[[(0.0, 0.0, 20.0, 10.0)]]).found == 1
    # without the known plate both others are false: only 0.85 keeps none; with it, 0.75
    assert pick_threshold(items, dets, 0.0) == 0.85
    assert pick_threshold(items, dets, 0.0, known=known) == 0.75
    assert pick_threshold(items, dets, 1.0, known=known) == 0.2


def _extra_csv(tmp_path, rows):
    path = tmp_path / "extra.csv"
    path.write_text("image,x,y,w,h,kind\n" + "".join(f"{r}\n" for r in rows))
    return path


def test_extra_box_files_name_the_bad_row(tmp_path):
    from alpr.detector.data import load_extra_boxes

    ok = load_extra_boxes(_extra_csv(tmp_path, ["us/images/a.jpg,1,2,30,15,plate",
                                                "us/images/a.jpg,5,5,10,5,negative"]))
    assert ok["us/images/a.jpg"]["plate"] == [(1.0, 2.0, 30.0, 15.0)]
    assert ok["us/images/a.jpg"]["negative"] == [(5.0, 5.0, 10.0, 5.0)]
    with pytest.raises(ValueError, match=r"extra.csv:3: kind must be one of"):
        load_extra_boxes(_extra_csv(tmp_path, ["us/images/a.jpg,1,2,30,15,plate",
                                               "us/images/a.jpg,1,2,30,15,car"]))
    with pytest.raises(ValueError, match=r"extra.csv:2: x, y, w, h must be numbers"):
        load_extra_boxes(_extra_csv(tmp_path, ["us/images/a.jpg,1,two,30,15,plate"]))
    with pytest.raises(ValueError, match=r"extra.csv:2: w and h must be positive"):
        load_extra_boxes(_extra_csv(tmp_path, ["us/images/a.jpg,1,2,0,15,plate"]))


def test_real_crops_teach_extra_plates_grey_unsure_ones_and_centre_on_false_ones(tmp_path):
    import random

    import cv2

    from alpr.detector.config import DetDataConfig
    from alpr.detector.data import FramePool, frame_key, load_extra_boxes, real_sample
    from alpr.detector.geometry import PAD_VALUE

    frame = np.full((400, 600, 3), 40, np.uint8)
    frame[300:340, 100:180] = 250  # the labelled plate
    frame[100:130, 400:460] = 250  # a second plate the labels leave out
    frame[20:50, 20:80] = 200  # unsure: greyed out in every crop
    frame[350:370, 500:560] = 180  # a mined false plate
    img = tmp_path / "us" / "images" / "f.png"
    img.parent.mkdir(parents=True)
    cv2.imwrite(str(img), frame)
    extra = load_extra_boxes(_extra_csv(tmp_path, [
        "us/images/f.png,400,100,60,30,plate", "us/images/f.png,20,20,60,30,ignore",
        "us/images/f.png,500,350,60,20,negative"]))
    pool = FramePool()
    pool.add(LabelledCrop(img, "A1", None, (100, 300, 80, 40)), extra.get(frame_key(img)))
    assert len(pool.plates[0]) == 2 and pool.negatives[0] == [(500.0, 350.0, 60.0, 20.0)]
    data = DetDataConfig(crop=640, scale_range=(1.0, 1.0), hard_negative_fraction=0.0)
    rng = random.Random(0)
    crop, boxes = real_sample(pool, rng, data, 600)  # the whole frame fits the crop
    assert len(boxes) == 2  # both plates are targets
    bright = crop.max(axis=2) == 200
    assert not bright.any()  # the unsure region is grey, not a lesson either way
    assert (crop == PAD_VALUE).all(axis=2).sum() >= 60 * 30
    data = DetDataConfig(crop=128, scale_range=(1.0, 1.0), hard_negative_fraction=1.0)
    for _ in range(5):
        crop, boxes = real_sample(pool, rng, data, 600)
        assert (crop.max(axis=2) == 180).sum() == 60 * 20  # the false plate is in view
        assert boxes == []


def test_scenes_carry_burnt_in_timestamps_and_badges():
    import random

    from alpr.synth.scenes import badge, overlay_text

    img = np.full((240, 320, 3), 90, np.uint8)
    x, y, w, h = overlay_text(random.Random(1), img, ["2014-05-12", "06:26:44"])
    assert x >= 0 and y >= 0 and x + w <= 320 and y + h <= 240 and w > h
    changed = (img != 90).any(axis=2)
    ys, xs = np.nonzero(changed)
    assert changed.sum() > 50
    assert xs.min() >= x - 3 and xs.max() <= x + w + 3  # the ink lies within the box
    img2 = np.full((240, 320, 3), 90, np.uint8)
    badge(random.Random(2), img2)
    assert (img2 != 90).any(axis=2).sum() > 30


def test_scenes_paste_real_plate_crops_when_given():
    magenta = np.zeros((50, 100, 3), np.uint8)
    magenta[:] = (255, 0, 255)
    scene = SceneRenderer(seed=4, size=(256, 256), real_plates=[magenta],
                          real_plate_share=1.0).render(1)
    assert len(scene.boxes) == 1
    x, y, w, h = (int(round(v)) for v in scene.boxes[0])
    inside = scene.image[y:y + h, x:x + w].astype(int)
    pinkish = (inside[..., 0] - inside[..., 1] > 60) & (inside[..., 2] - inside[..., 1] > 60)
    assert pinkish.mean() > 0.3  # the real crop is the plate in the box
    plain = SceneRenderer(seed=4, size=(256, 256)).render(1)
    assert not np.array_equal(plain.image, scene.image)


def test_real_plate_crops_for_scenes_keep_the_recognizers_held_out_crops_out(tmp_path):
    import cv2

    from alpr.datasets import load_crops, split
    from alpr.detector.config import DetDataConfig
    from alpr.detector.data import plate_crops

    rows = ["image,state,plate"]
    for i in range(40):
        cv2.imwrite(str(tmp_path / f"p{i}.png"), np.full((60, 300, 3), i, np.uint8))
        rows.append(f"p{i}.png,CA,ABC{i:03d}")
    (tmp_path / "labels.csv").write_text("\n".join(rows) + "\n")
    data = DetDataConfig(plate_crops=(str(tmp_path / "labels.csv"),), real_plate_share=0.3)
    got = plate_crops(data)
    train, held = split(load_crops(tmp_path / "labels.csv").items, 0.15)
    assert len(got) == len(train) and held  # every held-out crop is left out
    assert {int(g[0, 0, 0]) for g in got} == {int(it.plate[3:]) for it in train}
    assert all(g.shape[1] <= 240 for g in got)  # scaled down for pasting
