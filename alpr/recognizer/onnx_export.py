"""ONNX export of the recognizer network, for camera-side and fast CPU inference."""

from __future__ import annotations

import warnings
from pathlib import Path

import torch

from alpr.recognizer.model import PlateNet


def export_onnx(net: PlateNet, path: Path) -> Path:
    """Export with a dynamic batch axis; inputs 'image' (B,3,H,W), outputs 'chars', 'states'."""
    net = net.eval()
    dummy = torch.zeros(1, 3, net.spec.height, net.spec.width)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            net, (dummy,), str(path), input_names=["image"], output_names=["chars", "states"],
            dynamic_axes={"image": {0: "batch"}, "chars": {0: "batch"}, "states": {0: "batch"}},
            opset_version=17, dynamo=False,
        )
    return path
