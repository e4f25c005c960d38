"""Plate detection in full camera frames, and end-to-end frame reading.

- :mod:`alpr.detector.model` the network; :mod:`alpr.detector.geometry` letterboxing and
  box maths; :mod:`alpr.detector.targets` training targets and loss;
- :mod:`alpr.detector.detector` :class:`PlateDetector` (``load()``, ``detect(frame)``);
- :mod:`alpr.detector.pipeline` :func:`read_frames` (detect, crop, recognise);
- :mod:`alpr.detector.evaluation` recall/precision at IoU >= 0.4 and end-to-end reads;
- :mod:`alpr.detector.config`, :mod:`alpr.detector.data`, :mod:`alpr.detector.loop` training.
"""

from alpr.detector.detector import Detection, PlateDetector
from alpr.detector.pipeline import FramePlate, read_frames

__all__ = ["Detection", "FramePlate", "PlateDetector", "read_frames"]
