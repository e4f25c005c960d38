"""The recognizer's model folder (:mod:`alpr.model_folder`'s layout): what it adds is the
label space (alphabet and jurisdictions) beside the spec, and its card page.

``model.pt`` (weights, spec, labels), ``model.onnx`` (same network, for fast CPU
inference), ``card.json`` (alphabet, jurisdictions, input size, preprocessing, metrics, data
provenance and the command that trained it) and ``README.md``. Loading needs nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alpr.model_folder import CARD, ONNX, WEIGHTS, FolderKind
from alpr.recognizer.card import render
from alpr.recognizer.labels import LabelSpace
from alpr.recognizer.spec import ModelSpec

if TYPE_CHECKING:
    from alpr.recognizer.model import PlateNet

__all__ = ["CARD", "ONNX", "RECOGNIZER", "WEIGHTS", "ModelArtifact", "load_artifact",
           "save_artifact"]

RECOGNIZER = FolderKind(name="plate-ocr", spec_field="num_chars", render=render,
                        meta=("spec", "alphabet", "states"))


@dataclass
class ModelArtifact:
    spec: ModelSpec
    labels: LabelSpace
    state_dict: dict[str, Any] | None  # None: loaded for ONNX Runtime, without the weights
    card: dict[str, Any] = field(default_factory=dict)

    def build(self) -> PlateNet:
        """The torch network with the weights (torch needed)."""
        from alpr.recognizer.model import PlateNet

        if self.state_dict is None:
            raise ValueError("this artifact was loaded without its weights (weights=False); "
                             "load it with weights=True to build the torch network")
        net = PlateNet(self.spec)
        net.load_state_dict(self.state_dict)
        return net.eval()


def save_artifact(folder: Path, net: PlateNet, labels: LabelSpace, card: dict[str, Any],
                  export_onnx: bool = True) -> Path:
    """Write weights, card (``card.json`` and ``README.md``) and, with ``export_onnx``,
    the ONNX export into ``folder``."""
    meta = {"spec": net.spec.to_dict(), "alphabet": labels.alphabet, "states": list(labels.states)}
    head = {"preprocessing": {"resize": [net.spec.height, net.spec.width], "color": "RGB",
                              "mean": 0.5, "std": 0.25}}

    def onnx(path: Path) -> None:
        from alpr.recognizer.onnx_export import export_onnx as export

        export(net, path)

    return RECOGNIZER.save(folder, net.state_dict(), meta, {**head, **card},
                           onnx if export_onnx else None)


def load_artifact(folder: Path, weights: bool = True) -> ModelArtifact:
    """Load a model folder (or a ``model.pt`` path) written by :func:`save_artifact`.

    ``weights=False``: the spec and labels from ``card.json`` only, without torch (for ONNX
    Runtime); a card without them falls back to the weights file.
    """
    got = RECOGNIZER.load(folder, weights)
    return ModelArtifact(spec=ModelSpec(**got.meta["spec"]),
                         labels=LabelSpace(alphabet=got.meta["alphabet"],
                                           states=tuple(got.meta["states"])),
                         state_dict=got.state_dict, card=got.card)
