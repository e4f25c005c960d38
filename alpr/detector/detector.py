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


def resolve_model(model: str | Path | None) -> Path:
    """A local folder for a path, an MLflow model URI, or None (the shipped detector)."""
    return resolve_model_folder(model, default_model_dir(), "detector")


class PlateDetector:
    """Plate boxes in RGB frames of any size (letterboxed to the model's input size)."""

    def __init__(self, artifact: DetectorArtifact, folder: Path | None = None,
                 backend: str = "auto", threads: int | None = None,
                 threshold: float | None = None) -> None:
        self.artifact = artifact
        self.spec = artifact.spec
        self.threshold = float(threshold if threshold is not None
                               else artifact.card.get("score_threshold", 0.3))
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
             threads: int | None = None, threshold: float | None = None) -> PlateDetector:
        folder = resolve_model(model)
        if not folder.exists():
            raise FileNotFoundError(
                f"detector model {folder} not found: train one (`alpr train --config "
                f"training/configs/detector-full.yaml`) or pass --detector PATH|URI")
        folder = folder.parent if folder.suffix == ".pt" else folder
        return cls(load_artifact(folder), folder, backend=backend, threads=threads,
                   threshold=threshold)

    def raw(self, batch: np.ndarray) -> np.ndarray:
        """(B, 3, H, W) float32 -> (B, 5, H/4, W/4) raw network output."""
        if self.backend == "onnx":
            return self._session.run(None, {"image": batch})[0]
        with self._torch.inference_mode():
            return self._net(self._torch.from_numpy(batch)).numpy()

    def detect(self, frame: np.ndarray, threshold: float | None = None) -> list[Detection]:
        """Plates in one RGB uint8 frame (H, W, 3), best score first."""
        x, lb = letterbox(frame, self.spec.input_size)
        out = self.raw(x[None])[0]
        found = self._detections(out, lb, frame.shape[:2], threshold)
        return found or self._fallback(frame, threshold)

    def _fallback(self, frame: np.ndarray, threshold: float | None) -> list[Detection]:
        if not self.fallback_size or self.fallback_size >= self.spec.input_size:
            return []
        x, lb = letterbox(frame, self.fallback_size)
        return self._detections(self.raw(x[None])[0], lb, frame.shape[:2], threshold)

    def detect_batch(self, frames: list[np.ndarray], threshold: float | None = None
                     ) -> list[list[Detection]]:
        """:meth:`detect` over several frames; same-shaped inputs run as one batch."""
        prepared = [letterbox(f, self.spec.input_size) for f in frames]
        out: list[list[Detection] | None] = [None] * len(frames)
        groups: dict[tuple[int, ...], list[int]] = {}
        for i, (x, _) in enumerate(prepared):
            groups.setdefault(x.shape, []).append(i)
        for idx in groups.values():
            raw = self.raw(np.stack([prepared[i][0] for i in idx]))
            for k, i in enumerate(idx):
                out[i] = self._detections(raw[k], prepared[i][1], frames[i].shape[:2], threshold)
        return [o or self._fallback(f, threshold) for o, f in zip(out, frames, strict=True)]

    def _detections(self, out: np.ndarray, lb: Letterbox, shape: tuple[int, ...],
                    threshold: float | None) -> list[Detection]:
        th = self.threshold if threshold is None else threshold
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
