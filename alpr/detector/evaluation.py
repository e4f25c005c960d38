"""Evaluating plate detection and end-to-end reading on labelled frames.

``score_frames`` is pure (truth boxes + detections in, counts out); ``evaluate_frames`` runs a
detector (and optionally the recognizer) over an ``image,x,y,w,h,plate`` set first. A truth
plate is found when a detection overlaps it with IoU >= 0.4 (one detection per plate);
every other detection is a false plate. The end-to-end read counts a plate right only when
it is found and its detection reads exactly the label (a missed plate is a wrong read).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from alpr.datasets import LabelledCrop
from alpr.detector.detector import Detection, PlateDetector
from alpr.detector.geometry import iou, match
from alpr.recognizer.preprocess import load_rgb
from alpr.recognizer.recognizer import Recognizer
from alpr.vocabulary.plate_text import fold_o_to_zero

IOU_THRESHOLD = 0.4


@dataclass
class DetectionReport:
    frames: int
    plates: int
    found: int
    detections: int
    read_exact: int | None = None
    read_folded: int | None = None
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.plates if self.plates else 0.0

    @property
    def precision(self) -> float:
        return self.found / self.detections if self.detections else 1.0

    @property
    def false_per_frame(self) -> float:
        return (self.detections - self.found) / self.frames if self.frames else 0.0

    def metrics(self) -> dict[str, float]:
        m = {"recall": self.recall, "precision": self.precision,
             "false_plates_per_frame": self.false_per_frame, "frames": float(self.frames)}
        if self.read_exact is not None and self.read_folded is not None and self.plates:
            m["end_to_end_exact"] = self.read_exact / self.plates
            m["end_to_end_exact_o_folded"] = self.read_folded / self.plates
        return m

    def summary(self) -> str:
        m = self.metrics()
        lines = [f"frames: {self.frames}, labelled plates: {self.plates}, detections: "
                 f"{self.detections}",
                 f"detection recall (IoU >= {IOU_THRESHOLD}):    {self.recall:.1%}",
                 f"detection precision (IoU >= {IOU_THRESHOLD}): {self.precision:.1%}",
                 f"false plates per frame:          {self.false_per_frame:.3f}"]
        if "end_to_end_exact" in m:
            lines += [f"end-to-end exact read (strict):  {m['end_to_end_exact']:.1%}",
                      f"end-to-end exact read (O/0):     {m['end_to_end_exact_o_folded']:.1%}"]
        return "\n".join(lines)


def score_frames(truth: list[list[tuple[int, int, int, int]]], dets: list[list[Detection]],
                 iou_threshold: float = IOU_THRESHOLD) -> list[list[tuple[int, int]]]:
    """Per frame, the (detection index, truth index) pairs that count as found plates.

    >>> a = Detection((0, 0, 10, 10), 0.9)
    >>> score_frames([[(0, 0, 10, 10)], [(50, 50, 10, 10)]], [[a, a], [a]])
    [[(0, 0)], []]
    """
    return [match(np.array([d.box for d in ds], np.float64).reshape(-1, 4),
                  np.array(t, np.float64).reshape(-1, 4), iou_threshold)
            for t, ds in zip(truth, dets, strict=True)]


Box = tuple[float, float, float, float]


def drop_known(items: list[LabelledCrop], dets: list[list[Detection]],
               texts: list[list[str]] | None, known: list[list[Box]]
               ) -> tuple[list[list[Detection]], list[list[str]] | None]:
    """Remove detections that overlap a known box (IoU >= the threshold) but not the label.

    Known boxes are plates the one-plate-per-frame labels leave out and unsure regions: a
    detection there is neither a found plate nor a false one (COCO's "ignore" regions).
    """
    out_d: list[list[Detection]] = []
    out_t: list[list[str]] | None = [] if texts is not None else None
    for k, (it, ds, kn) in enumerate(zip(items, dets, known, strict=True)):
        keep = list(range(len(ds)))
        if ds and kn:
            boxes = np.array([d.box for d in ds], np.float64)
            on_label = iou(boxes, np.array([it.box], np.float64))[:, 0] >= IOU_THRESHOLD
            on_known = iou(boxes, np.array(kn, np.float64)).max(axis=1) >= IOU_THRESHOLD
            keep = [i for i in keep if on_label[i] or not on_known[i]]
        out_d.append([ds[i] for i in keep])
        if out_t is not None and texts is not None:
            out_t.append([texts[k][i] for i in keep])
    return out_d, out_t


def build_report(items: list[LabelledCrop], dets: list[list[Detection]],
                 texts: list[list[str]] | None = None,
                 known: list[list[Box]] | None = None) -> DetectionReport:
    """Counts and per-frame rows from one-plate-per-frame labels, detections and reads.

    ``known`` boxes per frame (see :func:`drop_known`) are left out of the counts.
    """
    assert all(it.box is not None for it in items)
    if known is not None:
        dets, texts = drop_known(items, dets, texts, known)
    pairs = score_frames([[it.box] for it in items if it.box is not None], dets)
    rep = DetectionReport(frames=len(items), plates=len(items),
                          found=sum(len(p) for p in pairs), detections=sum(len(d) for d in dets))
    if texts is not None:
        rep.read_exact = rep.read_folded = 0
    for k, (it, ds, ps) in enumerate(zip(items, dets, pairs, strict=True)):
        row: dict[str, Any] = {"image": it.image.name, "truth": it.plate,
                               "found": bool(ps), "detections": len(ds),
                               "false_plates": len(ds) - len(ps),
                               "score": round(ds[ps[0][0]].score, 4) if ps else None}
        if texts is not None and rep.read_exact is not None and rep.read_folded is not None:
            read = texts[k][ps[0][0]] if ps else ""
            row["read"] = read
            row["correct"] = bool(ps) and read == it.plate
            row["correct_o_folded"] = bool(ps) and fold_o_to_zero(read) == fold_o_to_zero(
                it.plate)
            rep.read_exact += row["correct"]
            rep.read_folded += row["correct_o_folded"]
        rep.rows.append(row)
    return rep


def detect_and_read(detector: PlateDetector, frames: list[np.ndarray],
                    recognizer: Recognizer | None = None
                    ) -> tuple[list[list[Detection]], list[list[str]] | None]:
    """Detections per frame and, when a recognizer is given, the text read from each.

    With a recognizer the detections are the pipeline's (:func:`find_plates`: the detector's
    read check applies, when it has one); without one, the detector's alone.
    """
    from alpr.detector.pipeline import find_plates

    if recognizer is None:
        return [detector.detect(f) for f in frames], None
    plates = [find_plates([f], detector, recognizer)[0] for f in frames]
    return ([[p.detection for p in ps] for ps in plates],
            [[p.read.text for p in ps] for ps in plates])


def evaluate_frames(detector: PlateDetector, items: list[LabelledCrop],
                    recognizer: Recognizer | None = None,
                    frames: list[np.ndarray] | None = None) -> DetectionReport:
    """Run the detector (and the recognizer, when given) over labelled frames."""
    frames = frames if frames is not None else [load_rgb(it.image) for it in items]
    return build_report(items, *detect_and_read(detector, frames, recognizer))


def per_set_reports(det: PlateDetector, items: list[LabelledCrop], frames: list[np.ndarray],
                    recognizer: Any) -> dict[str, dict[str, float]]:
    """Metrics per source set (the folder the frames came from)."""
    out: dict[str, dict[str, float]] = {}
    sets = sorted({it.image.parent.parent.name for it in items})
    for name in sets:
        idx = [i for i, it in enumerate(items) if it.image.parent.parent.name == name]
        rep = evaluate_frames(det, [items[i] for i in idx], recognizer,
                              frames=[frames[i] for i in idx])
        out[name] = rep.metrics()
    return out
