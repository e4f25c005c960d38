"""An 8-bit copy of the recognizer's ONNX network, for reading at volume on a CPU.

Static quantisation (ONNX Runtime's QDQ format): weights int8 per output channel, activations
uint8 with ranges measured on calibration crops. Every operator ONNX Runtime can run in 8 bits
is quantised (the convolutions, pooling, the heads), so tensors stay 8-bit between them
(VNNI/AMX on recent x86 CPUs); the GRU stays in float. It is written beside ``model.onnx`` as
``model.int8.onnx`` and used only when asked for (``Recognizer.load(..., precision="int8")``,
``alpr read --int8``): the float network stays the default, and the model card records how
often the two agree on the tune side (``benchmarks/bench_int8.py``).

Calibration crops come from the **train** side of the plate-text split (never tune or test),
tight and degraded to frame conditions, so the activation ranges cover what the detector hands
the reader.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from alpr.recognizer.preprocess import batch_inputs

INT8_ONNX = "model.int8.onnx"
CALIBRATION_BATCH = 32


def calibration_images(crops: Sequence[np.ndarray], seed: int = 0,
                       frame_like: float = 0.5) -> list[np.ndarray]:
    """The crops, a ``frame_like`` share of them degraded to frame conditions
    (:func:`alpr.recognizer.augment.frame_degrade`), in a fixed order for a given seed."""
    from alpr.recognizer.augment import frame_degrade

    rng = random.Random(seed)
    out = []
    for crop in crops:
        out.append(frame_degrade(crop, rng) if rng.random() < frame_like else crop)
    return out


def quantize_onnx(src: Path, dst: Path, images: Sequence[np.ndarray], height: int,
                  width: int) -> Path:
    """Write the int8 copy of ``src`` (a float recognizer ONNX) to ``dst``, calibrated on
    ``images`` (RGB uint8 crops; a few hundred suffice)."""
    if not images:
        raise ValueError("calibration images: none given (need crops from the train side)")
    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quant_pre_process,
        quantize_static,
    )

    class Reader(CalibrationDataReader):
        """Preprocessed batches of the calibration crops, one at a time."""

        def __init__(self) -> None:
            self.batches = (batch_inputs(list(images[i:i + CALIBRATION_BATCH]), height, width)
                            for i in range(0, len(images), CALIBRATION_BATCH))

        def get_next(self) -> dict[str, np.ndarray] | None:
            batch = next(self.batches, None)
            return None if batch is None else {"image": batch}

    with tempfile.TemporaryDirectory() as tmp:
        pre = Path(tmp) / "pre.onnx"
        quant_pre_process(str(src), str(pre))
        quantize_static(str(pre), str(dst), Reader(),
                        quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
    return dst
