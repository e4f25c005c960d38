"""The detector's model folder (:mod:`alpr.model_folder`'s layout, like the recognizer's):
what it adds is the letterbox preprocessing, the output layout, an ONNX export with dynamic
input size, and its card page.

``model.pt`` (weights + spec), ``model.onnx`` (the same network with dynamic input size, for
ONNX Runtime), ``card.json`` (input size, preprocessing, threshold, metrics, provenance and
the command that trained it) and ``README.md``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alpr.detector.card import render
from alpr.detector.geometry import MEAN, PAD_VALUE, STD
from alpr.detector.spec import DetectorSpec
from alpr.model_folder import CARD, ONNX, WEIGHTS, FolderKind

if TYPE_CHECKING:
    from alpr.detector.model import PlateDetNet

__all__ = ["CARD", "DETECTOR", "ONNX", "WEIGHTS", "DetectorArtifact", "export_onnx",
           "load_artifact", "save_artifact"]

DETECTOR = FolderKind(name="plate-detector", spec_field="input_size", render=render)


@dataclass
class DetectorArtifact:
    spec: DetectorSpec
    state_dict: dict[str, Any] | None  # None: loaded for ONNX Runtime, without the weights
    card: dict[str, Any] = field(default_factory=dict)

    def build(self) -> PlateDetNet:
        """The torch network with the weights (torch needed)."""
        from alpr.detector.model import PlateDetNet

        if self.state_dict is None:
            raise ValueError("this detector was loaded without its weights (weights=False); "
                             "load it with weights=True to build the torch network")
        net = PlateDetNet(self.spec)
        net.load_state_dict(self.state_dict)
        return net.eval()


def export_onnx(net: PlateDetNet, path: Path) -> Path:
    """Export with dynamic batch, height and width: 'image' (B,3,H,W) -> 'out' (B,5,H/4,W/4)."""
    import torch

    net = net.eval()
    dummy = torch.zeros(1, 3, 384, 640)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            net, (dummy,), str(path), input_names=["image"], output_names=["out"],
            dynamic_axes={"image": {0: "batch", 2: "height", 3: "width"},
                          "out": {0: "batch", 2: "out_height", 3: "out_width"}},
            opset_version=17, dynamo=False,
        )
    return path


def save_artifact(folder: Path, net: PlateDetNet, card: dict[str, Any],
                  onnx: bool = True) -> Path:
    """Write weights, card (``card.json`` and ``README.md``) and, with ``onnx``, the ONNX
    export into ``folder``."""
    head = {"preprocessing": {"letterbox_long_side": net.spec.input_size, "multiple_of": 32,
                              "pad_value": PAD_VALUE, "color": "RGB",
                              "mean": float(MEAN[0]), "std": float(STD[0])},
            "output": {"stride": net.spec.stride,
                       "channels": ["heat_logit", "dx", "dy", "log_w", "log_h"]}}
    return DETECTOR.save(folder, net.state_dict(), {"spec": net.spec.to_dict()},
                         {**head, **card}, (lambda path: export_onnx(net, path)) if onnx else None)


def load_artifact(folder: Path, weights_too: bool = True) -> DetectorArtifact:
    """Load a detector folder (or its ``model.pt``) written by :func:`save_artifact`.

    ``weights_too=False``: the spec and card from ``card.json`` only, without torch (for ONNX
    Runtime); a card without a detector spec falls back to the weights file.
    """
    got = DETECTOR.load(folder, weights_too)
    return DetectorArtifact(DetectorSpec(**got.meta["spec"]), got.state_dict, got.card)
