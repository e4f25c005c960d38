"""``alpr read``: plate text and state from images, one JSON line (or table row) per image.

``--crops``: each image is a plate crop, read as it is. ``--frames`` (also when neither is
given): each image is a camera frame; every plate in it is detected, cropped and read, and
each plate's read gains ``"box": [x, y, w, h]`` and ``"detection_confidence"`` (an empty
list when no plate is found). Bad files get an ``error`` line, the rest are still read, and
the exit code is 1 at the end.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from alpr.cli.errors import EXIT_FINDINGS, EXIT_OK, bad_input
from alpr.cli.output import print_jsonl, print_table

if TYPE_CHECKING:
    import numpy as np

CROP_BATCH = 256  # crops decoded and read together
FRAME_BATCH = 16  # frames decoded and read together
FRAME_ONLY = (("detector", "--detector"), ("threshold", "--threshold"),
              ("no_read_check", "--no-read-check"))


def register(sub: argparse._SubParsersAction) -> None:
    r = sub.add_parser("read", help="read plate text and state from plate crops (--crops) or "
                                    "camera frames (--frames, the default)")
    r.add_argument("images", nargs="+", metavar="IMAGE")
    kind = r.add_mutually_exclusive_group()
    kind.add_argument("--crops", action="store_true", help="images are plate crops")
    kind.add_argument("--frames", action="store_true",
                      help="images are camera frames: detect, crop and read every plate "
                           "(the default when neither is given)")
    r.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                   help="threads decoding image files (default: one per CPU core)")
    r.add_argument("--format", choices=["jsonl", "table"], default="jsonl")
    r.add_argument("--model", help="model folder or MLflow model URI (default: shipped model)")
    r.add_argument("--detector", help="frames: detector folder or MLflow model URI (default: "
                                      "models/plate-detector)")
    r.add_argument("--threshold", type=float,
                   help="frames: detection score threshold (default: the model's)")
    r.add_argument("--no-read-check", action="store_true",
                   help="frames: keep only boxes at the detection threshold (by default a "
                        "box scored a little lower is kept when the recognizer reads it "
                        "confidently; see the detector's model card)")
    r.add_argument("--no-reread", action="store_true",
                   help="read each plate once (by default a read under confidence 0.9 is "
                        "read again from a few tighter, looser and shifted views and their "
                        "posteriors combined; see docs/recognizer.md)")
    r.add_argument("--int8", action="store_true",
                   help="read with the model's 8-bit copy (model.int8.onnx): faster on a CPU, "
                        "judged against the float network on the tune side in "
                        "docs/recognizer.md; the float network is the default")
    r.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.jobs < 1:
        return bad_input(f"--jobs {args.jobs}: must be at least 1")
    if not args.crops:
        return read_frames(args)
    given = [flag for name, flag in FRAME_ONLY if getattr(args, name)]
    if given:
        return bad_input(f"{', '.join(given)}: for camera frames (--frames), not --crops")
    return read_crops(args)


def _decode(path: str) -> np.ndarray | str:
    """The image at ``path`` as RGB, or the line saying why it cannot be read."""
    from alpr.recognizer.preprocess import ImageReadError, load_rgb

    try:
        return load_rgb(path)
    except ImageReadError as exc:
        return str(exc)


def _read_in_batches(paths: Sequence[str], size: int, jobs: int,
                     read: Callable[[list[np.ndarray]], list[list[dict[str, Any]]]],
                     fmt: str) -> int:
    """Decode ``paths`` in threads (OpenCV releases the GIL), the next batch while ``read``
    reads this one; results are printed in input order, a batch at a time. The count of
    files that could not be read comes back."""
    from concurrent.futures import ThreadPoolExecutor

    failures = 0
    chunks = [list(paths[i:i + size]) for i in range(0, len(paths), size)]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        pending = pool.map(_decode, chunks[0]) if chunks else iter(())
        for k, chunk in enumerate(chunks):
            decoded = list(pending)
            if k + 1 < len(chunks):
                pending = pool.map(_decode, chunks[k + 1])
            results: list[dict[str, Any]] = []
            good: list[tuple[int, np.ndarray]] = []
            for path, img in zip(chunk, decoded, strict=True):
                if isinstance(img, str):
                    failures += 1
                    results.append({"image": path, "error": img})
                else:
                    good.append((len(results), img))
                    results.append({"image": path})
            for (pos, _), plates in zip(good, read([img for _, img in good]), strict=True):
                results[pos]["plates"] = plates
            if fmt == "jsonl":
                print_jsonl(results)
            else:
                print_table(row for result in results for row in table_rows(result))
    return failures


def read_crops(args: argparse.Namespace) -> int:
    from alpr.recognizer.recognizer import Recognizer

    try:
        rec = Recognizer.load(args.model, precision="int8" if args.int8 else "float")
    except (FileNotFoundError, OSError) as exc:
        return bad_input(exc)

    def read(crops: list[np.ndarray]) -> list[list[dict[str, Any]]]:
        return [[r.to_dict()] for r in rec.read_crops(crops, reread=not args.no_reread)]

    failures = _read_in_batches(args.images, CROP_BATCH, args.jobs, read, args.format)
    return EXIT_FINDINGS if failures else EXIT_OK


def read_frames(args: argparse.Namespace) -> int:
    from alpr.detector.detector import PlateDetector
    from alpr.detector.pipeline import find_plates
    from alpr.recognizer.recognizer import Recognizer

    if args.threshold is not None and not 0 < args.threshold < 1:
        return bad_input(f"--threshold {args.threshold}: must be between 0 and 1 (exclusive)")
    try:
        det = PlateDetector.load(args.detector, threshold=args.threshold,
                                 read_check=not args.no_read_check)
        rec = Recognizer.load(args.model, precision="int8" if args.int8 else "float")
    except (FileNotFoundError, OSError, ValueError) as exc:
        return bad_input(exc)

    def read(frames: list[np.ndarray]) -> list[list[dict[str, Any]]]:
        found = find_plates(frames, det, rec, reread=not args.no_reread)
        return [[p.to_dict() for p in plates] for plates in found]

    failures = _read_in_batches(args.images, FRAME_BATCH, args.jobs, read, args.format)
    return EXIT_FINDINGS if failures else EXIT_OK


def table_rows(result: dict[str, Any]) -> list[tuple[str, ...]]:
    """``--format table``: one row per plate read (a crop has one), a row for a frame with
    none, an ``ERROR`` row for a file that could not be read.

    >>> table_rows({"image": "a.png", "error": "a.png: empty file"})
    [('a.png', 'ERROR', 'a.png: empty file')]
    >>> table_rows({"image": "f.jpg", "plates": []})
    [('f.jpg', '(no plate found)')]
    """
    path = result["image"]
    if "error" in result:
        return [(path, "ERROR", result["error"])]
    if not result["plates"]:
        return [(path, "(no plate found)")]
    rows: list[tuple[str, ...]] = []
    for p in result["plates"]:
        row: tuple[str, ...] = (path, p["text"], f"{p['confidence']:.2f}", str(p["state"]),
               f"{p['state_confidence']:.2f}")
        if "box" in p:
            x, y, w, h = p["box"]
            row += (f"box {x},{y},{w},{h}", f"detection {p['detection_confidence']:.2f}")
        rows.append(row)
    return rows
