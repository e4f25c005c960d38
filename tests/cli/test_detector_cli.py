"""Full-frame reading as a user runs it: `alpr read FRAME...`, `alpr evaluate --frames`, and
the Python API (`PlateDetector`, `read_frames`) with the shipped detector and recognizer."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from alpr.detector.detector import default_model_dir
from alpr.detector.geometry import iou

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = (default_model_dir() / "model.pt").exists() and (
    ROOT / "models" / "plate-ocr" / "model.pt").exists()
needs_models = pytest.mark.skipif(not SHIPPED, reason="no shipped detector/recognizer in models/")
PLATE_BOX = (700, 420, 220, 110)  # where the test plate is pasted, x, y, w, h


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "alpr.cli", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def frame_with_plate(text: str = "7ABC123") -> np.ndarray:
    """A 1280x720 street-grey frame with one clean California plate at PLATE_BOX."""
    import cv2

    from alpr.synth.render import PlateRenderer

    rng = np.random.default_rng(0)
    frame = np.clip(rng.normal(110, 12, (720, 1280, 3)), 0, 255).astype(np.uint8)
    frame[380:560, 600:1020] = (60, 62, 70)  # a car's rear
    plate = PlateRenderer(seed=4).render(state="CA", text=text).image
    x, y, w, h = PLATE_BOX
    frame[y:y + h, x:x + w] = cv2.resize(plate, (w, h), interpolation=cv2.INTER_AREA)
    return frame


@pytest.fixture(scope="module")
def frames(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("frames")
    Image.fromarray(frame_with_plate()).save(folder / "car.png")
    Image.fromarray(np.full((480, 640, 3), 128, np.uint8)).save(folder / "empty_road.png")
    (folder / "broken.jpg").write_bytes(b"not a jpeg")
    return folder


@needs_models
def test_read_frames_api_finds_and_reads_the_plate():
    from alpr.detector import PlateDetector, read_frames

    det = PlateDetector.load()
    found = det.detect(frame_with_plate())
    assert found and iou(np.array([found[0].box]), np.array([PLATE_BOX]))[0, 0] >= 0.4
    plates = read_frames([frame_with_plate(), np.full((480, 640, 3), 128, np.uint8)], det)
    assert [p.read.text for p in plates[0]] == ["7ABC123"]
    assert plates[0][0].read.box == found[0].box
    assert plates[1] == []  # no plate is a valid answer


@needs_models
def test_alpr_read_frames_jsonl_boxes_confidences_and_bad_files(frames):
    res = run_cli("read", "--format", "jsonl", str(frames / "car.png"),
                  str(frames / "broken.jpg"), str(frames / "empty_road.png"))
    assert res.returncode == 1  # one unreadable file; the others are still read
    lines = [json.loads(x) for x in res.stdout.splitlines()]
    assert [Path(x["image"]).name for x in lines] == ["car.png", "broken.jpg", "empty_road.png"]
    (plate,) = lines[0]["plates"]
    assert plate["text"] == "7ABC123" and plate["state"]
    assert iou(np.array([plate["box"]]), np.array([PLATE_BOX]))[0, 0] >= 0.4
    assert 0 < plate["detection_confidence"] <= 1 and 0 <= plate["confidence"] <= 1
    assert plate["kept_by_read"] is False  # a clear plate: found by the detector alone
    assert "not a readable image" in lines[1]["error"]
    assert lines[2]["plates"] == []


@needs_models
def test_read_check_keeps_a_low_scored_box_only_when_it_reads_as_a_plate():
    """A plate the detector scores below its threshold is kept when the recognizer reads it
    confidently; with a stricter check, or the check off, it is dropped."""
    from alpr.detector.detector import PlateDetector, ReadCheck
    from alpr.detector.pipeline import find_plates
    from alpr.recognizer.recognizer import Recognizer

    frame, road = frame_with_plate(), np.full((480, 640, 3), 128, np.uint8)
    rec = Recognizer.load()
    det = PlateDetector.load()
    (score,) = [d.score for d in det.detect(frame)]
    # the same box, now under the threshold: the candidates down to the floor include it
    strict = PlateDetector.load(threshold=min(0.999, score + 0.001))
    assert strict.detect(frame) == [] or strict.detect(frame)[0].score < strict.threshold
    assert any(d.score == pytest.approx(score, abs=1e-4)
               for d in strict.detect(frame, floor=0.2))
    strict.read_check = ReadCheck(min_score=0.2, min_confidence=0.5)
    (plate,) = find_plates([frame], strict, rec)[0]
    assert plate.kept_by_read and plate.read.text == "7ABC123"
    assert plate.detection_confidence < strict.threshold
    assert find_plates([road], strict, rec) == [[]]
    strict.read_check = ReadCheck(min_score=0.2, min_confidence=1.01)  # no read is that sure
    assert find_plates([frame], strict, rec) == [[]]
    # a word, not a serial (no digit 1-9): a sign the detector is unsure of is not kept
    (word,) = find_plates([frame_with_plate("ABCDEF")], PlateDetector.load(), rec)[0]
    strict.read_check = ReadCheck(min_score=0.2, min_confidence=0.5)
    assert word.read.text == "ABCDEF"  # at the threshold it is a plate, whatever it reads
    assert find_plates([frame_with_plate("ABCDEF")], strict, rec) == [[]]
    # nor a box cut by the frame's edge (burnt-in timestamps sit there)
    cut = frame[:, PLATE_BOX[0] + 60:]  # the plate's left third is outside the frame
    (plate,) = find_plates([cut], PlateDetector.load(threshold=0.2), rec)[0]
    assert plate.read.box is not None and plate.read.box[0] <= 1
    assert find_plates([cut], strict, rec) == [[]]
    strict.read_check = None
    assert find_plates([frame], strict, rec) == [[]]
    # a check chosen with another recognizer's confidences says so
    strict.read_check = ReadCheck(min_score=0.2, min_confidence=0.5, recognizer="another")
    with pytest.warns(UserWarning, match="retune_read_check"):
        find_plates([frame], strict, rec)
    assert PlateDetector.load().read_check.recognizer == rec.artifact.card["name"]


@needs_models
def test_closer_look_finds_a_distant_plate_only_through_the_read_check():
    """A 1080p frame with a plate 100 px wide: at the 640 px input it is 33 px and scores
    low; the closer look (1280 px) sees it better, and keeps it because it reads as one."""
    import cv2

    from alpr.detector.detector import PlateDetector, ReadCheck
    from alpr.detector.pipeline import find_plates
    from alpr.recognizer.recognizer import Recognizer
    from alpr.synth.render import PlateRenderer

    frame = np.clip(np.random.default_rng(0).normal(110, 12, (1080, 1920, 3)), 0,
                    255).astype(np.uint8)
    frame[500:700, 800:1200] = (60, 62, 70)
    box = (950, 560, 100, 50)
    plate = PlateRenderer(seed=4).render(state="CA", text="7ABC123").image
    frame[560:610, 950:1050] = cv2.resize(plate, (100, 50), interpolation=cv2.INTER_AREA)
    rec = Recognizer.load()
    det = PlateDetector.load(threshold=0.99)
    far = max((d.score for d in det.detect(frame, floor=0.05)), default=0.0)
    near = det.zoom(frame, 1280, 0.05)
    assert near and near[0].score > far + 0.1
    assert iou(np.array([near[0].box]), np.array([box]))[0, 0] >= 0.4  # in frame pixels
    assert det.zoom(frame[:480, :640], 1280, 0.05) == []  # no bigger than the input: no look
    floor = (far + near[0].score) / 2  # only the closer look scores above the check's floor
    det.read_check = ReadCheck(min_score=floor, min_confidence=0.5)
    assert find_plates([frame], det, rec) == [[]]
    det.read_check = ReadCheck(min_score=floor, min_confidence=0.5, zoom_size=1280)
    (found,) = find_plates([frame], det, rec)[0]
    assert found.kept_by_read and found.read.text == "7ABC123"
    det.read_check = ReadCheck(min_score=floor, min_confidence=1.01, zoom_size=1280)
    assert find_plates([frame], det, rec) == [[]]  # the closer look is read-checked too


@needs_models
def test_alpr_read_frames_table_and_threshold_rule(frames):
    res = run_cli("read", "--format", "table", str(frames / "empty_road.png"))
    assert res.returncode == 0 and "(no plate found)" in res.stdout
    res = run_cli("read", "--threshold", "1.5", str(frames / "car.png"))
    assert res.returncode == 2 and "--threshold" in res.stderr


def test_read_frames_with_a_missing_detector_is_a_clear_error(tmp_path):
    res = run_cli("read", "--detector", str(tmp_path / "nodet"), str(tmp_path / "x.png"))
    assert res.returncode == 2 and "not found" in res.stderr


def test_evaluate_needs_exactly_one_label_kind(tmp_path):
    res = run_cli("evaluate")
    assert res.returncode == 2 and "--frames" in res.stderr and "--labels" in res.stderr
    res = run_cli("evaluate", "--labels", "a.csv", "--frames", "b.csv")
    assert res.returncode == 2 and "--frames: not allowed with argument --labels" in res.stderr


@needs_models
def test_evaluate_frames_reports_detection_and_end_to_end(frames, tmp_path):
    labels = frames / "labels.csv"
    x, y, w, h = PLATE_BOX
    with open(labels, "w", newline="") as fh:
        wr = csv.writer(fh)
        wr.writerow(["image", "x", "y", "w", "h", "plate"])
        wr.writerow(["car.png", x, y, w, h, "7ABC123"])
        wr.writerow(["empty_road.png", 10, 10, 100, 50, "ZZZ999"])  # a plate it cannot find
        wr.writerow(["missing.png", 1, 1, 5, 5, "ABC"])
    res = run_cli("evaluate", "--frames", str(labels), "--out", str(tmp_path / "rep"),
                  "--no-track")
    assert res.returncode == 0, res.stderr[-2000:]
    # one of two labelled plates found and read: 50% recall, 50% end to end
    assert "detection recall (IoU >= 0.4):    50.0%" in res.stdout
    assert "end-to-end exact read (O/0):     50.0%" in res.stdout
    assert "line 4: image='missing.png': file not found" in res.stderr
    with open(tmp_path / "rep" / "frames.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["found"] for r in rows] == ["True", "False"]
    assert rows[0]["read"] == "7ABC123"


@needs_models
def test_evaluate_frames_known_boxes_are_reported_apart(tmp_path):
    frame = frame_with_plate()
    x, y, w, h = PLATE_BOX
    frame[100:100 + h, 150:150 + w] = frame[y:y + h, x:x + w]  # a second plate, unlabelled
    folder = tmp_path / "set" / "images"
    folder.mkdir(parents=True)
    Image.fromarray(frame).save(folder / "two.png")
    labels = tmp_path / "set" / "labels.csv"
    labels.write_text(f"image,x,y,w,h,plate\nimages/two.png,{x},{y},{w},{h},7ABC123\n")
    known = tmp_path / "known.csv"
    known.write_text(f"image,x,y,w,h,kind\nset/images/two.png,150,100,{w},{h},plate\n")
    res = run_cli("evaluate", "--frames", str(labels), "--known-boxes", str(known),
                  "--no-track")
    assert res.returncode == 0, res.stderr[-2000:]
    plain, apart = res.stdout.split("not counting the 1 other plates listed")
    assert "false plates per frame:          1.000" in plain  # the second plate, as labelled
    assert "false plates per frame:          0.000" in apart
    assert "detection recall (IoU >= 0.4):    100.0%" in apart
    known.write_text("image,x,y,w,h,kind\nset/images/two.png,150,100,0,110,plate\n")
    res = run_cli("evaluate", "--frames", str(labels), "--known-boxes", str(known),
                  "--no-track")
    assert res.returncode == 2 and "known.csv:2: w and h must be positive" in res.stderr
