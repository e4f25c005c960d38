"""Reading plate crops: the recognizer users call, from Python or ``alpr read``.

Runs the shipped network through ONNX Runtime when the model folder has an ONNX export
(fast on CPU), else through PyTorch. Returns plain data, ready to serialise.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from alpr.model_uri import resolve_model_folder, shipped_model_dir
from alpr.recognizer.artifact import ONNX, ModelArtifact, load_artifact
from alpr.recognizer.decode import Candidate, greedy_decode, softmax
from alpr.recognizer.preprocess import batch_inputs
from alpr.recognizer.quantize import INT8_ONNX
from alpr.recognizer.reread import REREAD_BELOW, combine, crop_views
from alpr.vocabulary.jurisdictions import UNKNOWN

DEFAULT_MODEL_NAME = "plate-ocr"
PRECISIONS = ("float", "int8")


def default_model_dir() -> Path:
    """``$ALPR_MODEL`` if set, else ``models/plate-ocr`` in the project checkout."""
    return shipped_model_dir("ALPR_MODEL", DEFAULT_MODEL_NAME)


@dataclass(frozen=True)
class PlateRead:
    text: str
    confidence: float
    char_confidences: tuple[float, ...]
    state: str
    state_confidence: float
    candidates: tuple[Candidate, ...]
    box: tuple[int, int, int, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The read as JSON-ready data (confidences to 4 places; no ``box`` for a crop)."""
        d: dict[str, Any] = {
            "text": self.text, "confidence": round(self.confidence, 4),
            "char_confidences": [round(c, 4) for c in self.char_confidences],
            "state": self.state, "state_confidence": round(self.state_confidence, 4),
            "candidates": [{"text": c.text, "confidence": round(c.confidence, 4)}
                           for c in self.candidates]}
        if self.box is not None:
            d["box"] = self.box
        return d


def resolve_model(model: str | Path | None) -> Path:
    """A local model folder for a path, an MLflow model URI, or None (the shipped model)."""
    return resolve_model_folder(model, default_model_dir(), "recognizer")


class Recognizer:
    """Plate text + jurisdiction reader over a model folder."""

    def __init__(self, artifact: ModelArtifact, folder: Path | None = None,
                 backend: str = "auto", threads: int | None = None,
                 precision: str = "float") -> None:
        if precision not in PRECISIONS:
            raise ValueError(f"precision {precision!r}: one of {', '.join(PRECISIONS)}")
        self.artifact = artifact
        self.precision = precision
        self.folder = folder
        self.spec = artifact.spec
        self.labels = artifact.labels
        cal = artifact.card.get("calibration", {})
        self.char_temperature = float(cal.get("char_temperature", 1.0))
        self.state_temperature = float(cal.get("state_temperature", 1.0))
        onnx_path = folder / (INT8_ONNX if precision == "int8" else ONNX) if folder else None
        if precision == "int8" and (backend == "torch" or not (onnx_path and onnx_path.exists())):
            raise FileNotFoundError(
                f"model {folder}: no 8-bit copy ({INT8_ONNX}); write one with "
                f"`python training/quantize_recognizer.py --model {folder}`")
        self.backend = backend
        if backend == "auto":
            self.backend = "onnx" if onnx_path and onnx_path.exists() else "torch"
        if self.backend == "onnx":
            import onnxruntime as ort

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
             threads: int | None = None, precision: str = "float") -> Recognizer:
        """The recognizer of a model folder, MLflow URI or the shipped model; ``precision``
        ``"int8"`` reads with the folder's 8-bit copy (:mod:`alpr.recognizer.quantize`)."""
        folder = resolve_model(model)
        if not folder.exists():
            raise FileNotFoundError(
                f"model {folder} not found: train one (`alpr train`) or pass --model PATH|URI"
            )
        folder = folder.parent if folder.suffix == ".pt" else folder
        onnx = backend == "onnx" or (backend == "auto" and (folder / ONNX).is_file())
        # ONNX Runtime reads from the card's spec and labels: no torch, no weights loaded
        return cls(load_artifact(folder, weights=not onnx), folder, backend=backend,
                   threads=threads, precision=precision)

    def logits(self, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(B, 3, H, W) float32 -> (char logits (B, T, C+1), state logits (B, S))."""
        if self.backend == "onnx":
            chars, states = self._session.run(None, {"image": batch})
            return chars, states
        with self._torch.inference_mode():
            c, s = self._net(self._torch.from_numpy(batch))
        return c.numpy(), s.numpy()

    def read_crops(self, images: list[np.ndarray], batch_size: int = 256,
                   top_k: int = 5, reread: bool = False) -> list[PlateRead]:
        """Read a list of RGB crops (H, W, 3) uint8; with ``reread``, a read under
        :data:`~alpr.recognizer.reread.REREAD_BELOW` is read again from a few views of its
        crop (:meth:`read_views`)."""
        out: list[PlateRead] = []
        for i in range(0, len(images), batch_size):
            batch = batch_inputs(images[i:i + batch_size], self.spec.height, self.spec.width)
            chars, states = self.logits(batch)
            out.extend(self._decode(c, s, top_k) for c, s in zip(chars, states, strict=True))
        if reread:
            unsure = [i for i, r in enumerate(out) if r.confidence < REREAD_BELOW]
            again = self.read_views([crop_views(images[i]) for i in unsure], top_k)
            for i, r in zip(unsure, again, strict=True):
                out[i] = r
        return out

    def read_views(self, views: list[list[np.ndarray]], top_k: int = 5) -> list[PlateRead]:
        """One read per plate from several views of it (:mod:`alpr.recognizer.reread`): the
        text with the highest CTC probability averaged over the views (its confidence), the
        state with the highest averaged probability."""
        flat = [v for vs in views for v in vs]
        chars_l, states_l = [], []
        for i in range(0, len(flat), 256):
            c, s = self.logits(batch_inputs(flat[i:i + 256], self.spec.height, self.spec.width))
            chars_l.append(c)
            states_l.append(s)
        if not flat:
            return []
        chars = softmax(np.concatenate(chars_l) / self.char_temperature, axis=-1)
        states = softmax(np.concatenate(states_l) / self.state_temperature, axis=-1)
        out, k = [], 0
        for vs in views:
            cp, sp = list(chars[k:k + len(vs)]), list(states[k:k + len(vs)])
            k += len(vs)
            firsts = [greedy_decode(p, self.labels.alphabet, top_k=top_k) for p in cp]
            cands = [c.text for r in firsts for c in r.candidates] + [r.text for r in firsts]
            ranked, si, s_conf = combine(cp, sp, cands, self.labels.alphabet)
            text, conf = ranked[0] if ranked else ("", 0.0)
            same = [r.char_confidences for r in firsts if r.text == text]
            char_conf = tuple(float(np.mean(c)) for c in zip(*same, strict=True)) if same \
                else tuple(conf ** (1 / max(1, len(text))) for _ in text)
            out.append(PlateRead(text=text, confidence=conf, char_confidences=char_conf,
                                 state=self.labels.states[si], state_confidence=s_conf,
                                 candidates=tuple(Candidate(t, round(p, 6))
                                                  for t, p in ranked[:top_k])))
        return out

    def read_crop(self, image: np.ndarray) -> PlateRead:
        return self.read_crops([image])[0]

    def _decode(self, char_logits: np.ndarray, state_logits: np.ndarray, top_k: int) -> PlateRead:
        sp = softmax(state_logits / self.state_temperature)
        si = int(sp.argmax())
        state = self.labels.states[si]
        probs = softmax(char_logits / self.char_temperature, axis=-1)
        read = greedy_decode(probs, self.labels.alphabet, top_k=top_k,
                             state=None if state == UNKNOWN else state)
        return PlateRead(text=read.text, confidence=read.confidence,
                         char_confidences=read.char_confidences, state=state,
                         state_confidence=float(sp[si]), candidates=read.candidates)
