"""``alpr evaluate --frames LABELS.csv``: detection recall/precision at IoU >= 0.4, false plates
per frame and end-to-end exact reads (strict and O/0-folded) on labelled full frames.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path


def run_evaluate_frames(args: argparse.Namespace) -> int:
    from alpr.datasets import LabelFileError, load_frames
    from alpr.detector.detector import PlateDetector
    from alpr.detector.detector import resolve_model as resolve_detector
    from alpr.detector.evaluation import build_report, detect_and_read
    from alpr.recognizer.preprocess import load_rgb
    from alpr.recognizer.recognizer import Recognizer, resolve_model

    try:
        labels = load_frames(args.frames, corrections=args.corrections)
    except LabelFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for err in labels.errors:
        print(f"skipped {args.frames}: {err}", file=sys.stderr)
    if not labels.items:
        print(f"error: {args.frames}: no usable rows", file=sys.stderr)
        return 2
    try:
        det = PlateDetector.load(args.detector,
                                 read_check=not getattr(args, "no_read_check", False))
        rec = Recognizer.load(args.model)
    except (FileNotFoundError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    known = None
    if args.known_boxes is not None:
        from alpr.detector.data import frame_key, load_extra_boxes

        try:
            extra = load_extra_boxes(args.known_boxes)
        except (OSError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        known = [[b for kind in ("plate", "ignore")
                  for b in extra.get(frame_key(it.image), {}).get(kind, [])]
                 for it in labels.items]
    dets, texts = detect_and_read(det, [load_rgb(it.image) for it in labels.items], rec)
    report = build_report(labels.items, dets, texts)
    if det.read_check is not None:
        print(f"detector threshold {det.threshold}; {det.read_check.describe(det.threshold)} "
              f"({sum(d.score < det.threshold for ds in dets for d in ds)} kept so; "
              f"--no-read-check for the detector alone)")
    print(report.summary())
    if known is not None:
        with_known = build_report(labels.items, dets, texts, known=known)
        n = sum(len(k) for k in known)
        print(f"\nnot counting the {n} other plates listed in {args.known_boxes} as false:\n"
              f"{with_known.summary()}")
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "report.txt").write_text(report.summary())
        with open(args.out / "frames.csv", "w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(report.rows[0]))
            w.writeheader()
            w.writerows(report.rows)
        print(f"\nreport and per-frame CSV in {args.out}")
    if not args.no_track:
        from alpr.train import tracking

        mlflow = tracking.setup("alpr-evaluations")
        with mlflow.start_run(run_name=f"evaluate frames {Path(args.frames).parent.name}"):
            mlflow.log_params({"frames": str(args.frames),
                               "detector": str(resolve_detector(args.detector)),
                               "model": str(resolve_model(args.model)), "n": report.frames,
                               "skipped_rows": len(labels.errors),
                               "detector_threshold": det.threshold,
                               "read_check": (f"score>={det.read_check.min_score}, read "
                                              f"confidence>={det.read_check.min_confidence}"
                                              if det.read_check else "off")})
            mlflow.log_metrics(report.metrics())
            mlflow.log_text(report.summary(), "report.txt")
        print(f"logged to MLflow ({tracking.tracking_uri()}, experiment alpr-evaluations)")
    return 0
