"""End-to-end frame reading: detect every plate, crop it, and read it with the recognizer.

``read_frames(frames)`` is the Python API behind ``alpr read`` without ``--crops``: for each
RGB frame it returns the plates found, each a recognizer :class:`PlateRead` whose ``box`` is
the detector's box, with the detection's confidence beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from alpr.detector.detector import Detection, PlateDetector
from alpr.recognizer.recognizer import PlateRead, Recognizer

CROP_MARGIN = (0.04, 0.08)  # (x, y) share of the box added on each side before reading


@dataclass(frozen=True)
class FramePlate:
    """One plate in a frame: the read (with ``box`` set) and the detection's confidence."""

    read: PlateRead
    detection_confidence: float

    def to_dict(self) -> dict[str, Any]:
        d = self.read.to_dict()
        d["box"] = list(self.read.box) if self.read.box is not None else None
        d["detection_confidence"] = round(self.detection_confidence, 4)
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
                    recognizer: Recognizer) -> list[list[FramePlate]]:
    """Read the given detections of each frame in one recognizer batch."""
    crops = [plate_crop(f, d.box) for f, ds in zip(frames, detections, strict=True) for d in ds]
    reads = iter(recognizer.read_crops(crops) if crops else [])
    return [[FramePlate(replace(next(reads), box=d.box), d.score) for d in ds]
            for ds in detections]


def read_frames(frames: list[np.ndarray], detector: PlateDetector | None = None,
                recognizer: Recognizer | None = None) -> list[list[FramePlate]]:
    """Every plate in each RGB uint8 frame (H, W, 3), best detection first.

    Loads the shipped detector and recognizer when none are given.
    """
    detector = detector or PlateDetector.load()
    recognizer = recognizer or Recognizer.load()
    return read_detections(frames, detector.detect_batch(frames), recognizer)
