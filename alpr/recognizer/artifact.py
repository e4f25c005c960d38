"""The recognizer artifact: weights plus everything needed to use them, in one folder.

A model folder holds ``model.pt`` (weights + spec), ``model.onnx`` (same network, for fast
CPU inference) and ``card.json`` (alphabet, jurisdictions, input size, preprocessing,
metrics, data provenance and the command that trained it). Loading needs nothing else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alpr.recognizer.labels import LabelSpace
from alpr.recognizer.spec import ModelSpec

if TYPE_CHECKING:
    from alpr.recognizer.model import PlateNet

WEIGHTS = "model.pt"
ONNX = "model.onnx"
CARD = "card.json"


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
    """Write weights, card and (optionally) ONNX export into ``folder``."""
    import torch

    folder.mkdir(parents=True, exist_ok=True)
    meta = {"spec": net.spec.to_dict(), "alphabet": labels.alphabet, "states": list(labels.states)}
    torch.save({"state_dict": net.state_dict(), **meta}, folder / WEIGHTS)
    full_card = {**meta, "preprocessing": {"resize": [net.spec.height, net.spec.width],
                                           "color": "RGB", "mean": 0.5, "std": 0.25},
                 **card}
    (folder / CARD).write_text(json.dumps(full_card, indent=2, default=str))
    if export_onnx:
        from alpr.recognizer.onnx_export import export_onnx as _export

        _export(net, folder / ONNX)
    return folder


def load_artifact(folder: Path, weights: bool = True) -> ModelArtifact:
    """Load a model folder (or a ``model.pt`` path) written by :func:`save_artifact`.

    ``weights=False``: the spec and labels from ``card.json`` only, without torch (for ONNX
    Runtime); a card without them falls back to the weights file.
    """
    folder = Path(folder)
    if not weights and folder.suffix != ".pt" and (folder / CARD).is_file():
        card = json.loads((folder / CARD).read_text())
        if all(k in card for k in ("spec", "alphabet", "states")):
            return ModelArtifact(spec=ModelSpec(**card["spec"]),
                                 labels=LabelSpace(alphabet=card["alphabet"],
                                                   states=tuple(card["states"])),
                                 state_dict=None, card=card)
    import torch

    weights_path = folder if folder.suffix == ".pt" else folder / WEIGHTS
    if not weights_path.exists():
        raise FileNotFoundError(f"{folder}: no {WEIGHTS} here; is this a recognizer model folder?")
    blob = torch.load(weights_path, map_location="cpu", weights_only=True)
    card_path = weights_path.parent / CARD
    card = json.loads(card_path.read_text()) if card_path.exists() else {}
    return ModelArtifact(
        spec=ModelSpec(**blob["spec"]),
        labels=LabelSpace(alphabet=blob["alphabet"], states=tuple(blob["states"])),
        state_dict=blob["state_dict"],
        card=card,
    )
