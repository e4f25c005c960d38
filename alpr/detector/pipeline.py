"""End-to-end frame reading: detect every plate, crop it, and read it with the recognizer.

``read_frames(frames)`` is the Python API behind ``alpr read`` without ``--crops``: for each
RGB frame it returns the plates found, each a recognizer :class:`PlateRead` whose ``box`` is
the detector's box, with the detection's confidence beside it.

``find_plates`` applies the detector card's read check: a box scored below the detection
threshold (but at least the check's ``min_score``) is kept only when the recognizer reads it
as a plate with high confidence (``FramePlate.kept_by_read``); a frame still without a plate
gets a closer look (the check's ``zoom_size``) where, too, only such boxes count.

``best_plates`` is the first plate ``find_plates`` lists for each frame, found with less
work: for frames where one plate matters, such as a camera's detection zone (the department
simulator reads its cameras so, the same read ``alpr read`` gives).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from alpr.detector.detector import Detection, PlateDetector
from alpr.recognizer.recognizer import PlateRead, Recognizer
from alpr.recognizer.reread import REREAD_BELOW, frame_views

CROP_MARGIN = (0.04, 0.08)  # (x, y) share of the box added on each side before reading


@dataclass(frozen=True)
class FramePlate:
    """One plate in a frame: the read (with ``box`` set) and the detection's confidence."""

    read: PlateRead
    detection_confidence: float
    kept_by_read: bool = False  # below the detection threshold, kept by the read check

    @property
    def detection(self) -> Detection:
        assert self.read.box is not None
        return Detection(self.read.box, self.detection_confidence)

    def to_dict(self) -> dict[str, Any]:
        d = self.read.to_dict()
        d["box"] = list(self.read.box) if self.read.box is not None else None
        d["detection_confidence"] = round(self.detection_confidence, 4)
        d["kept_by_read"] = self.kept_by_read
        return d


def plate_crop(frame: np.ndarray, box: tuple[int, int, int, int],
               margin: tuple[float, float] = CROP_MARGIN) -> np.ndarray:
    """The box plus a small margin, clipped to the frame (the recognizer's input).

    >>> plate_crop(np.zeros((100, 200, 3), np.uint8), (50, 40, 100, 20)).shape
    (24, 108, 3)
    """
    x, y, w, h = box
    mx, my = int(round(w * margin[0])), int(round(h * margin[1]))
    x0, y0 = max(0, x - mx), max(0, y - my)
    x1, y1 = min(frame.shape[1], x + w + mx), min(frame.shape[0], y + h + my)
    return frame[y0:y1, x0:x1]


def read_detections(frames: list[np.ndarray], detections: list[list[Detection]],
                    recognizer: Recognizer, reread: bool = False) -> list[list[FramePlate]]:
    """Read the given detections of each frame in one recognizer batch (with ``reread``,
    unsure reads again from several views: :func:`reread_unsure`)."""
    crops = [plate_crop(f, d.box) for f, ds in zip(frames, detections, strict=True) for d in ds]
    reads = iter(recognizer.read_crops(crops) if crops else [])
    plates = [[FramePlate(replace(next(reads), box=d.box), d.score) for d in ds]
              for ds in detections]
    return reread_unsure(frames, plates, recognizer) if reread else plates


def reread_unsure(frames: list[np.ndarray], plates: list[list[FramePlate]],
                  recognizer: Recognizer) -> list[list[FramePlate]]:
    """Each plate read under :data:`~alpr.recognizer.reread.REREAD_BELOW` read again from
    a few views of its box in the frame, their posteriors combined
    (:meth:`Recognizer.read_views`); the box and detection stay as they were."""
    unsure = [(i, j) for i, ps in enumerate(plates) for j, p in enumerate(ps)
              if p.read.confidence < REREAD_BELOW and p.read.box is not None]
    if not unsure:
        return plates
    again = recognizer.read_views([frame_views(frames[i], plates[i][j].read.box)  # type: ignore[arg-type]
                                   for i, j in unsure])
    out = [list(ps) for ps in plates]
    for (i, j), r in zip(unsure, again, strict=True):
        out[i][j] = replace(out[i][j], read=replace(r, box=out[i][j].read.box))
    return out


def find_plates(frames: list[np.ndarray], detector: PlateDetector, recognizer: Recognizer,
                reread: bool = True) -> list[list[FramePlate]]:
    """Detect and read every plate in each frame, with the detector's read check.

    Without a read check this is the detections at the threshold, read. With one, the
    candidates down to its ``min_score`` are read too and kept when their read passes. With
    ``reread`` (the default), a kept plate whose read is unsure is then read again from
    several views (:func:`reread_unsure`); which boxes are kept does not change.
    """
    kept = _find_plates(frames, detector, recognizer)
    return reread_unsure(frames, kept, recognizer) if reread else kept


def _find_plates(frames: list[np.ndarray], detector: PlateDetector, recognizer: Recognizer
                 ) -> list[list[FramePlate]]:
    rc = detector.read_check
    if rc is None:
        return read_detections(frames, detector.detect_batch(frames), recognizer)
    reader = str(recognizer.artifact.card.get("name", "?"))
    if rc.recognizer and reader != rc.recognizer:
        warnings.warn(f"the detector's read check was chosen with the confidences of "
                      f"recognizer {rc.recognizer!r}, not {reader!r}: run "
                      f"alpr.detector.threshold.retune_read_check for this recognizer, or "
                      f"turn the check off (--no-read-check)", stacklevel=2)
    found = read_detections(frames, detector.detect_batch(frames, floor=rc.min_score),
                            recognizer)
    th = detector.threshold
    kept = [[p if p.detection_confidence >= th else replace(p, kept_by_read=True)
             for p in ps
             if p.detection_confidence >= th
             or rc.accepts(p.read.text, p.read.confidence, p.detection.box, f.shape)]
            for f, ps in zip(frames, found, strict=True)]
    if rc.zoom_size:  # frames still without a plate: a closer look, read-checked only
        empty = [i for i, ps in enumerate(kept) if not ps]
        zoomed = [detector.zoom(frames[i], rc.zoom_size, rc.min_score) for i in empty]
        looked = read_detections([frames[i] for i in empty], zoomed, recognizer)
        for i, ps in zip(empty, looked, strict=True):
            kept[i] = [replace(p, kept_by_read=True) for p in ps
                       if rc.accepts(p.read.text, p.read.confidence, p.detection.box,
                                     frames[i].shape)]
    return kept


def best_plates(frames: list[np.ndarray], detector: PlateDetector, recognizer: Recognizer,
                reread: bool = True) -> list[FramePlate | None]:
    """The best plate of each frame: the first of :func:`find_plates`'s plates for it (the
    same box, read and flags), or None where it finds none.

    It reads less: a frame with a box at the detector's threshold has that box read alone
    (the best box at the threshold is the best of all the candidates, and comes first), and
    only frames without one go through the read check (:func:`find_plates` reads every
    candidate down to the check's ``min_score`` in every frame, to keep a second plate).
    With ``reread``, the plate is read again from several views when unsure, as there.
    """
    at_threshold = detector.detect_batch(frames)
    found = read_detections(frames, [ds[:1] for ds in at_threshold], recognizer)
    rest = [i for i, ds in enumerate(at_threshold) if not ds]
    if detector.read_check is not None and rest:
        for i, ps in zip(rest, _find_plates([frames[i] for i in rest], detector, recognizer),
                         strict=True):
            found[i] = ps[:1]
    if reread:
        found = reread_unsure(frames, found, recognizer)
    return [ps[0] if ps else None for ps in found]


def read_frames(frames: list[np.ndarray], detector: PlateDetector | None = None,
                recognizer: Recognizer | None = None, reread: bool = True
                ) -> list[list[FramePlate]]:
    """Every plate in each RGB uint8 frame (H, W, 3), best detection first.

    Loads the shipped detector and recognizer when none are given.
    """
    detector = detector or PlateDetector.load()
    recognizer = recognizer or Recognizer.load()
    return find_plates(frames, detector, recognizer, reread=reread)
