"""Write the 8-bit copy of a recognizer (``model.int8.onnx``) beside its ``model.onnx``.

    python training/quantize_recognizer.py [--model models/plate-ocr]
        [--config training/configs/frames-finetune.yaml] [--n 640]

Calibration uses crops from the **train** side of the config's plate-text split only (US and
Brazilian crops, and the frames' plates cut as the pipeline cuts them), half of them degraded
to frame conditions; the tune and test sides are never read here. Then judge the copy on the
tune side with ``python benchmarks/bench_int8.py`` before anyone reads with ``--int8``.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def train_side_crops(config: Path, n: int, seed: int = 0) -> list:
    """Up to ``n`` RGB crops from the train side of ``config``'s split, a fixed sample."""
    from alpr.detector.pipeline import plate_crop
    from alpr.recognizer.config import load_config
    from alpr.recognizer.data import split_items
    from alpr.recognizer.preprocess import load_rgb

    cwd = os.getcwd()
    os.chdir(ROOT)  # the config's data paths are relative to the checkout
    try:
        train = list(split_items(load_config(config).data).train)
    finally:
        os.chdir(cwd)
    random.Random(seed).shuffle(train)
    crops = []
    for it in train[:n]:
        image = load_rgb(it.image)
        crops.append(plate_crop(image, it.box) if it.box is not None else image)
    return crops


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=ROOT / "models" / "plate-ocr")
    ap.add_argument("--config", type=Path,
                    default=ROOT / "training" / "configs" / "frames-finetune.yaml")
    ap.add_argument("--n", type=int, default=640, help="calibration crops (train side)")
    args = ap.parse_args()

    from alpr.recognizer.artifact import ONNX, load_artifact
    from alpr.recognizer.quantize import INT8_ONNX, calibration_images, quantize_onnx

    spec = load_artifact(args.model, weights=False).spec
    t0 = time.perf_counter()
    crops = calibration_images(train_side_crops(args.config, args.n))
    out = quantize_onnx(args.model / ONNX, args.model / INT8_ONNX, crops, spec.height, spec.width)
    print(f"{out}: {out.stat().st_size / 1e6:.1f} MB, calibrated on {len(crops)} train-side "
          f"crops of {args.config.name} in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
