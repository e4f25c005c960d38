"""The recognizer artifact: weights plus everything needed to use them, in one folder.

A model folder holds ``model.pt`` (weights + spec), ``model.onnx`` (same network, for fast
CPU inference) and ``card.json`` (alphabet, jurisdictions, input size, preprocessing,
metrics, data provenance and the command that trained it). Loading needs nothing else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from alpr.recognizer.labels import LabelSpace
from alpr.recognizer.model import ModelSpec, PlateNet

WEIGHTS = "model.pt"
ONNX = "model.onnx"
CARD = "card.json"


@dataclass
class ModelArtifact:
    spec: ModelSpec
    labels: LabelSpace
    state_dict: dict[str, torch.Tensor]
    card: dict[str, Any] = field(default_factory=dict)

    def build(self) -> PlateNet:
        net = PlateNet(self.spec)
        net.load_state_dict(self.state_dict)
        return net.eval()


def save_artifact(folder: Path, net: PlateNet, labels: LabelSpace, card: dict[str, Any],
                  export_onnx: bool = True) -> Path:
    """Write weights, card and (optionally) ONNX export into ``folder``."""
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


def load_artifact(folder: Path) -> ModelArtifact:
    """Load a model folder (or a ``model.pt`` path) written by :func:`save_artifact`."""
    folder = Path(folder)
    weights = folder if folder.suffix == ".pt" else folder / WEIGHTS
    if not weights.exists():
        raise FileNotFoundError(f"{folder}: no {WEIGHTS} here; is this a recognizer model folder?")
    blob = torch.load(weights, map_location="cpu", weights_only=True)
    card_path = weights.parent / CARD
    card = json.loads(card_path.read_text()) if card_path.exists() else {}
    return ModelArtifact(
        spec=ModelSpec(**blob["spec"]),
        labels=LabelSpace(alphabet=blob["alphabet"], states=tuple(blob["states"])),
        state_dict=blob["state_dict"],
        card=card,
    )
