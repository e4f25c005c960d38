"""The detector artifact: weights plus everything needed to use them, in one folder.

``model.pt`` (weights + spec), ``model.onnx`` (the same network with dynamic input size, for
ONNX Runtime) and ``card.json`` (input size, preprocessing, threshold, metrics, provenance
and the command that trained it), like the recognizer's model folder.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alpr.detector.geometry import MEAN, PAD_VALUE, STD
from alpr.detector.spec import DetectorSpec

if TYPE_CHECKING:
    from alpr.detector.model import PlateDetNet

WEIGHTS = "model.pt"
ONNX = "model.onnx"
CARD = "card.json"


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
    """Write weights, card and (optionally) the ONNX export into ``folder``."""
    import torch

    folder.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu() for k, v in net.state_dict().items()}
    torch.save({"state_dict": state, "spec": net.spec.to_dict()}, folder / WEIGHTS)
    full = {"kind": "plate-detector", "spec": net.spec.to_dict(),
            "preprocessing": {"letterbox_long_side": net.spec.input_size, "multiple_of": 32,
                              "pad_value": PAD_VALUE, "color": "RGB",
                              "mean": float(MEAN[0]), "std": float(STD[0])},
            "output": {"stride": net.spec.stride, "channels": ["heat_logit", "dx", "dy",
                                                               "log_w", "log_h"]},
            **card}
    (folder / CARD).write_text(json.dumps(full, indent=2, default=str))
    if onnx:
        export_onnx(net, folder / ONNX)
    return folder


def load_artifact(folder: Path, weights_too: bool = True) -> DetectorArtifact:
    """Load a detector folder (or its ``model.pt``) written by :func:`save_artifact`.

    ``weights_too=False``: the spec and card from ``card.json`` only, without torch (for ONNX
    Runtime); a card without a detector spec falls back to the weights file.
    """
    folder = Path(folder)
    if not weights_too and folder.suffix != ".pt" and (folder / CARD).is_file():
        card = json.loads((folder / CARD).read_text())
        if card.get("kind") == "plate-detector" and "width" in card.get("spec", {}):
            return DetectorArtifact(DetectorSpec(**card["spec"]), None, card)
    import torch

    weights = folder if folder.suffix == ".pt" else folder / WEIGHTS
    if not weights.exists():
        raise FileNotFoundError(f"{folder}: no {WEIGHTS} here; is this a detector model folder?")
    blob = torch.load(weights, map_location="cpu", weights_only=True)
    if "spec" not in blob or "width" not in blob["spec"]:
        raise ValueError(f"{weights}: not a plate-detector model (no detector spec inside)")
    card_path = weights.parent / CARD
    card = json.loads(card_path.read_text()) if card_path.exists() else {}
    return DetectorArtifact(DetectorSpec(**blob["spec"]), blob["state_dict"], card)
