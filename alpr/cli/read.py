"""``alpr read FRAME...`` (no ``--crops``): detect, crop and read every plate in each frame.

One JSON line per frame: ``{"image", "plates": [...]}``, each plate the recognizer's read plus
``"box": [x, y, w, h]`` and ``"detection_confidence"``; an empty list when no plate is found.
Bad files get an ``error`` line, the rest are still read, and the exit code is 1 at the end.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

CHUNK = 16  # frames decoded and read together


def read_frames_cli(args: argparse.Namespace) -> int:
    from alpr.detector.detector import PlateDetector
    from alpr.detector.pipeline import find_plates
    from alpr.recognizer.preprocess import ImageReadError, load_rgb
    from alpr.recognizer.recognizer import Recognizer

    threshold = getattr(args, "threshold", None)
    if threshold is not None and not 0 < threshold < 1:
        print(f"error: --threshold {threshold}: must be between 0 and 1 (exclusive)",
              file=sys.stderr)
        return 2
    try:
        det = PlateDetector.load(getattr(args, "detector", None), threshold=threshold,
                                 read_check=not getattr(args, "no_read_check", False))
        rec = Recognizer.load(args.model)
    except (FileNotFoundError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    failures = 0
    for i in range(0, len(args.images), CHUNK):  # read in chunks, print in input order
        chunk = args.images[i:i + CHUNK]
        results: list[dict] = []
        good: list[tuple[int, np.ndarray]] = []
        for path in chunk:
            try:
                good.append((len(results), load_rgb(path)))
                results.append({"image": path})
            except ImageReadError as exc:
                failures += 1
                results.append({"image": path, "error": str(exc)})
        frames = [f for _, f in good]
        plates = find_plates(frames, det, rec, reread=not getattr(args, "no_reread", False))
        for (pos, _), found in zip(good, plates, strict=True):
            results[pos]["plates"] = [p.to_dict() for p in found]
        for result in results:
            print_frame(result, args.format)
    return 1 if failures else 0


def print_frame(result: dict, fmt: str) -> None:
    path = result["image"]
    if fmt == "jsonl":
        print(json.dumps(result), flush=True)
    elif "error" in result:
        print(f"{path}\tERROR\t{result['error']}")
    elif not result["plates"]:
        print(f"{path}\t(no plate found)")
    else:
        for p in result["plates"]:
            x, y, w, h = p["box"]
            print(f"{path}\t{p['text']}\t{p['confidence']:.2f}\t{p['state']}\t"
                  f"{p['state_confidence']:.2f}\tbox {x},{y},{w},{h}\t"
                  f"detection {p['detection_confidence']:.2f}")
