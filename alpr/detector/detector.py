"""Finding plates in full camera frames: the detector users call, from Python or ``alpr read``.

``PlateDetector.load()`` opens the shipped model (ONNX Runtime when the folder has an ONNX
export, else PyTorch); ``detect(frame)`` returns plain :class:`Detection` records in frame
pixels, best first. No plate is a valid answer (an empty list).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from alpr.detector.artifact import ONNX, DetectorArtifact, load_artifact
from alpr.detector.geometry import Letterbox, decode, letterbox, nms
from alpr.model_uri import resolve_model_folder, shipped_model_dir

DEFAULT_MODEL_NAME = "plate-detector"


def default_model_dir() -> Path:
    """``$ALPR_DETECTOR_MODEL`` if set, else ``models/plate-detector`` in the checkout."""
    return shipped_model_dir("ALPR_DETECTOR_MODEL", DEFAULT_MODEL_NAME)


@dataclass(frozen=True)
class Detection:
    """One plate found in a frame: ``box`` = (x, y, w, h) in frame pixels, ``score`` in [0, 1].

    ``corners`` (TL, TR, BR, BL) are the box's corners: this detector does not rectify.
    """

    box: tuple[int, int, int, int]
    score: float

    @property
    def corners(self) -> tuple[tuple[int, int], ...]:
        x, y, w, h = self.box
        return ((x, y), (x + w, y), (x + w, y + h), (x, y + h))

    def to_dict(self) -> dict[str, Any]:
        return {"box": list(self.box), "score": round(self.score, 4)}


@dataclass(frozen=True)
class ReadCheck:
    """A second look at detections scored between ``min_score`` and the detector's threshold:
    such a box is kept when the recognizer reads it as a plate — confidence at least
    ``min_confidence`` — and the read is :meth:`plausible` as a whole plate.

    The card's ``read_check`` holds it, chosen on the training frames
    (:func:`alpr.detector.threshold.pick_read_check`); :func:`alpr.detector.pipeline.find_plates`
    applies it. A faint plate the detector is unsure of but the recognizer reads cleanly is
    a plate; a wheel, a grille or a bumper it is unsure of reads as nothing confident.

    >>> rc = ReadCheck(0.2, 0.8)
    >>> rc.accepts("EUS664", 0.91), rc.accepts("EUS664", 0.5), rc.accepts("201406181", 0.95)
    (True, False, False)
    >>> rc.accepts("EXIT", 0.98), rc.accepts("0NLY", 0.9)  # words on signs
    (False, False)
    >>> rc.accepts("1405720", 0.95, box=(19, 1, 61, 20), shape=(720, 1280))  # a timestamp
    False
    """

    min_score: float
    min_confidence: float
    min_chars: int = 4
    max_chars: int = 8
    border_px: int = 2
    method: str = ""
    recognizer: str | None = None  # the recognizer (card name) whose confidences chose it
    # a frame with no plate kept gets a last look at up to this long side (not beyond its
    # own), where only boxes the check accepts count: distant, small plates (None: no look)
    zoom_size: int | None = None
    zoom_method: str = ""

    def plausible(self, text: str, box: tuple[int, int, int, int] | None = None,
                  shape: tuple[int, ...] | None = None) -> bool:
        """Reads like a whole plate: ``min_chars``..``max_chars`` characters with a digit
        other than 0 (a word on a sign has none, and 0 is the reader's confusion for O), in a
        box at least ``border_px`` clear of the frame's edge (burnt-in camera timestamps sit
        on it, and a plate cut by the edge is not read whole anyway)."""
        if not self.min_chars <= len(text) <= self.max_chars:
            return False
        if not any(c in "123456789" for c in text):
            return False
        if box is not None and shape is not None:
            x, y, w, h = box
            b = self.border_px
            if x < b or y < b or x + w > shape[1] - b or y + h > shape[0] - b:
                return False
        return True

    def describe(self, threshold: float) -> str:
        """One line for reports: what the check keeps."""
        return (f"read check: boxes scored {self.min_score}..{threshold} kept when read as a "
                f"whole plate ({self.min_chars}-{self.max_chars} characters with a digit 1-9, "
                f"{self.border_px} px clear of the edge) with confidence >= "
                f"{self.min_confidence}" + (f"; a frame with no plate gets a closer look at up "
                                            f"to {self.zoom_size} px" if self.zoom_size else ""))

    def accepts(self, text: str, confidence: float,
                box: tuple[int, int, int, int] | None = None,
                shape: tuple[int, ...] | None = None) -> bool:
        return confidence >= self.min_confidence and self.plausible(text, box, shape)

    @classmethod
    def from_card(cls, card: dict[str, Any]) -> ReadCheck | None:
        rc = card.get("read_check")
        if not rc:
            return None
        return cls(float(rc["min_score"]), float(rc["min_confidence"]),
                   int(rc.get("min_chars", 4)), int(rc.get("max_chars", 8)),
                   int(rc.get("border_px", 2)), str(rc.get("method", "")),
                   rc.get("recognizer"),
                   int(rc["zoom_size"]) if rc.get("zoom_size") else None,
                   str(rc.get("zoom_method", "")))

    def to_dict(self) -> dict[str, Any]:
        return {"min_score": self.min_score, "min_confidence": self.min_confidence,
                "min_chars": self.min_chars, "max_chars": self.max_chars,
                "border_px": self.border_px, "method": self.method,
                "recognizer": self.recognizer, "zoom_size": self.zoom_size,
                "zoom_method": self.zoom_method}


def resolve_model(model: str | Path | None) -> Path:
    """A local folder for a path, an MLflow model URI, or None (the shipped detector)."""
    return resolve_model_folder(model, default_model_dir(), "detector")


class PlateDetector:
    """Plate boxes in RGB frames of any size (letterboxed to the model's input size)."""

    def __init__(self, artifact: DetectorArtifact, folder: Path | None = None,
                 backend: str = "auto", threads: int | None = None,
                 threshold: float | None = None, read_check: bool = True) -> None:
        self.artifact = artifact
        self.spec = artifact.spec
        self.threshold = float(threshold if threshold is not None
                               else artifact.card.get("score_threshold", 0.3))
        # None: every detection below the threshold is dropped (the card has no read check,
        # or the caller asked for the detector alone)
        self.read_check = ReadCheck.from_card(artifact.card) if read_check else None
        if self.read_check is not None and self.read_check.min_score >= self.threshold:
            self.read_check = None
        # a frame with no plate at input_size is looked at again at this smaller size, for
        # close-ups whose plate is larger than any the network was trained on
        fallback = artifact.card.get("fallback_input_size")
        self.fallback_size = int(fallback) if fallback else None
        onnx_path = folder / ONNX if folder else None
        self.backend = backend
        if backend == "auto":
            self.backend = "onnx" if onnx_path and onnx_path.exists() else "torch"
        if self.backend == "onnx":
            import onnxruntime as ort

            if onnx_path is None or not onnx_path.exists():
                raise FileNotFoundError(f"{folder}: no {ONNX} for the onnx backend")
            opts = ort.SessionOptions()
            if threads:
                opts.intra_op_num_threads = threads
            self._session = ort.InferenceSession(str(onnx_path), opts,
                                                 providers=["CPUExecutionProvider"])
        else:
            import torch

            self._net = artifact.build()
            self._torch = torch

    @classmethod
    def load(cls, model: str | Path | None = None, backend: str = "auto",
             threads: int | None = None, threshold: float | None = None,
             read_check: bool = True) -> PlateDetector:
        folder = resolve_model(model)
        if not folder.exists():
            raise FileNotFoundError(
                f"detector model {folder} not found: train one (`alpr train --config "
                f"training/configs/detector-full.yaml`) or pass --detector PATH|URI")
        folder = folder.parent if folder.suffix == ".pt" else folder
        onnx = backend == "onnx" or (backend == "auto" and (folder / ONNX).is_file())
        # ONNX Runtime reads from the card's spec: no torch, no weights loaded
        return cls(load_artifact(folder, weights_too=not onnx), folder, backend=backend, threads=threads,
                   threshold=threshold, read_check=read_check)

    def raw(self, batch: np.ndarray) -> np.ndarray:
        """(B, 3, H, W) float32 -> (B, 5, H/4, W/4) raw network output."""
        if self.backend == "onnx":
            return self._session.run(None, {"image": batch})[0]
        with self._torch.inference_mode():
            return self._net(self._torch.from_numpy(batch)).numpy()

    def detect(self, frame: np.ndarray, threshold: float | None = None,
               floor: float | None = None) -> list[Detection]:
        """Plates in one RGB uint8 frame (H, W, 3), best score first.

        With ``floor`` below the threshold, detections down to ``floor`` are returned too
        (candidates for the read check); the smaller fallback look still happens only when
        nothing reaches the threshold.
        """
        return self.detect_batch([frame], threshold, floor)[0]

    def zoom(self, frame: np.ndarray, size: int, floor: float) -> list[Detection]:
        """Detections down to ``floor`` with the frame letterboxed to ``size`` on its long
        side, but not beyond the frame's own (no upscaling); [] when that is no larger than
        the model's input size (nothing more to see)."""
        z = min(int(size), max(frame.shape[:2]))
        if z <= self.spec.input_size:
            return []
        x, lb = letterbox(frame, z)
        return self._detections(self.raw(x[None])[0], lb, frame.shape[:2], floor)

    def _fallback(self, frame: np.ndarray, th: float, lo: float,
                  primary: list[Detection]) -> list[Detection]:
        if not self.fallback_size or self.fallback_size >= self.spec.input_size:
            return primary
        x, lb = letterbox(frame, self.fallback_size)
        found = self._detections(self.raw(x[None])[0], lb, frame.shape[:2], lo)
        return found if any(d.score >= th for d in found) else primary

    def detect_batch(self, frames: list[np.ndarray], threshold: float | None = None,
                     floor: float | None = None) -> list[list[Detection]]:
        """:meth:`detect` over several frames; same-shaped inputs run as one batch."""
        th = self.threshold if threshold is None else threshold
        lo = th if floor is None else min(floor, th)
        prepared = [letterbox(f, self.spec.input_size) for f in frames]
        out: list[list[Detection]] = [[] for _ in frames]
        groups: dict[tuple[int, ...], list[int]] = {}
        for i, (x, _) in enumerate(prepared):
            groups.setdefault(x.shape, []).append(i)
        for idx in groups.values():
            raw = self.raw(prepared[idx[0]][0][None] if len(idx) == 1
                           else np.stack([prepared[i][0] for i in idx]))
            for k, i in enumerate(idx):
                out[i] = self._detections(raw[k], prepared[i][1], frames[i].shape[:2], lo)
        return [o if any(d.score >= th for d in o) else self._fallback(f, th, lo, o)
                for o, f in zip(out, frames, strict=True)]

    def _detections(self, out: np.ndarray, lb: Letterbox, shape: tuple[int, ...],
                    th: float) -> list[Detection]:
        boxes, scores = decode(out, self.spec.stride, th)
        if len(boxes) == 0:
            return []
        keep = nms(boxes, scores, 0.4)
        boxes, scores = lb.to_frame(boxes[keep]), scores[keep]
        h, w = shape[0], shape[1]
        dets = []
        for (x, y, bw, bh), s in zip(boxes, scores, strict=True):
            x0, y0 = max(0, int(round(x))), max(0, int(round(y)))
            x1, y1 = min(w, int(round(x + bw))), min(h, int(round(y + bh)))
            if x1 - x0 >= 2 and y1 - y0 >= 2:
                dets.append(Detection((x0, y0, x1 - x0, y1 - y0), float(s)))
        return dets
