"""``alpr evaluate``: measure a recognizer on labelled crops (``--labels``), or the detector
and recognizer on labelled full frames (``--frames``: detection recall/precision at IoU >= 0.4,
false plates per frame, end-to-end exact reads); print, write with ``--out``, log to MLflow.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from alpr.cli.errors import EXIT_FINDINGS, EXIT_OK, bad_input

FRAME_ONLY = (("known_boxes", "--known-boxes"), ("detector", "--detector"),
              ("no_read_check", "--no-read-check"))


def register(sub: argparse._SubParsersAction) -> None:
    e = sub.add_parser("evaluate", help="measure a recognizer on labelled crops (--labels), or "
                                        "the detector + recognizer on labelled frames (--frames)")
    kind = e.add_mutually_exclusive_group(required=True)
    kind.add_argument("--labels", type=Path, help="image,state,plate CSV of plate crops")
    kind.add_argument("--frames", type=Path, help="image,x,y,w,h,plate CSV of full frames: "
                                                  "detection recall/precision + end-to-end reads")
    e.add_argument("--known-boxes", type=Path,
                   help="with --frames: image,x,y,w,h,kind CSV of other plates in the frames "
                        "that the one-plate labels leave out (kind plate or ignore); also "
                        "reports the figures without counting detections there as false")
    e.add_argument("--detector", help="detector folder or MLflow URI (with --frames)")
    e.add_argument("--no-read-check", action="store_true",
                   help="with --frames: the detector alone, without the read check")
    e.add_argument("--model", help="model folder or MLflow model URI (default: shipped model)")
    e.add_argument("--corrections", type=Path, help="image,old,new label corrections CSV")
    e.add_argument("--out", type=Path, help="folder for the report, plots and per-read CSV")
    e.add_argument("--no-track", action="store_true", help="do not log to MLflow")
    e.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.frames is not None:
        return evaluate_frames(args)
    given = [flag for name, flag in FRAME_ONLY if getattr(args, name)]
    if given:
        return bad_input(f"{', '.join(given)}: for labelled frames (--frames), not --labels")
    return evaluate_crops(args)


def _write_rows(path: Path, rows: list[dict[str, Any]]) -> None:
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def evaluate_crops(args: argparse.Namespace) -> int:
    from alpr.contracts.gates import check_crop_manifests
    from alpr.contracts.runner import ContractRefused
    from alpr.datasets import LabelFileError, load_crops
    from alpr.recognizer.evaluation import evaluate, load_items
    from alpr.recognizer.plots import save_plots
    from alpr.recognizer.recognizer import Recognizer, resolve_model

    try:
        labels = load_crops(args.labels, corrections=args.corrections, require_state=False)
    except LabelFileError as exc:
        return bad_input(exc)
    try:  # the crop-manifest contract: reported, and an unusable set refused
        check_crop_manifests([args.labels], args.corrections)
    except ContractRefused as exc:
        return bad_input(exc)
    for err in labels.errors:
        print(f"skipped {args.labels}: {err}", file=sys.stderr)
    if not labels.items:
        return bad_input(f"{args.labels}: no usable rows")
    try:
        rec = Recognizer.load(args.model)
    except (FileNotFoundError, OSError) as exc:
        return bad_input(exc)
    items, images, unreadable = load_items(labels.items)
    for problem in unreadable:
        print(f"skipped {args.labels}: {problem}", file=sys.stderr)
    if not items:
        return bad_input(f"{args.labels}: no readable image")
    report = evaluate(rec, items, images)
    print(report.summary())
    out = args.out
    plots: list[Path] = []
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "report.txt").write_text(report.summary())
        _write_rows(out / "reads.csv", report.rows)
        plots = save_plots(report, out / "plots")
        print(f"\nreport, per-read CSV and plots in {out}")
    if not args.no_track:
        log_evaluation(f"evaluate {Path(args.labels).parent.name}",
                       {"labels": str(args.labels), "model": str(resolve_model(args.model)),
                        "n": report.n, "skipped_rows": len(labels.errors),
                        "unreadable_images": len(unreadable)},
                       report.metrics(), report.summary(), plots)
    return EXIT_FINDINGS if unreadable else EXIT_OK  # evaluated, some images unreadable


def evaluate_frames(args: argparse.Namespace) -> int:
    from alpr.datasets import LabelFileError, load_frames
    from alpr.detector.detector import PlateDetector
    from alpr.detector.detector import resolve_model as resolve_detector
    from alpr.detector.evaluation import build_report, detect_and_read
    from alpr.recognizer.preprocess import load_rgb
    from alpr.recognizer.recognizer import Recognizer, resolve_model

    try:
        labels = load_frames(args.frames, corrections=args.corrections)
    except LabelFileError as exc:
        return bad_input(exc)
    for err in labels.errors:
        print(f"skipped {args.frames}: {err}", file=sys.stderr)
    if not labels.items:
        return bad_input(f"{args.frames}: no usable rows")
    try:
        det = PlateDetector.load(args.detector, read_check=not args.no_read_check)
        rec = Recognizer.load(args.model)
    except (FileNotFoundError, OSError, ValueError) as exc:
        return bad_input(exc)
    known = None
    if args.known_boxes is not None:
        from alpr.detector.data import frame_key, load_extra_boxes

        try:
            extra = load_extra_boxes(args.known_boxes)
        except (OSError, ValueError) as exc:
            return bad_input(exc)
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
        _write_rows(args.out / "frames.csv", report.rows)
        print(f"\nreport and per-frame CSV in {args.out}")
    if not args.no_track:
        log_evaluation(f"evaluate frames {Path(args.frames).parent.name}",
                       {"frames": str(args.frames),
                        "detector": str(resolve_detector(args.detector)),
                        "model": str(resolve_model(args.model)), "n": report.frames,
                        "skipped_rows": len(labels.errors),
                        "detector_threshold": det.threshold,
                        "read_check": (f"score>={det.read_check.min_score}, read "
                                       f"confidence>={det.read_check.min_confidence}"
                                       if det.read_check else "off")},
                       report.metrics(), report.summary())
    return EXIT_OK


def log_evaluation(run_name: str, params: dict[str, Any], metrics: dict[str, float],
                   summary: str, plots: Sequence[Path] = ()) -> None:
    """One MLflow run in the ``alpr-evaluations`` experiment: parameters, metrics, the
    printed report and its plots."""
    from alpr.train import tracking

    mlflow = tracking.setup("alpr-evaluations")
    with mlflow.start_run(run_name=run_name):
        mlflow.log_params(params)
        mlflow.log_metrics(metrics)
        mlflow.log_text(summary, "report.txt")
        for p in plots:
            mlflow.log_artifact(str(p), artifact_path="plots")
    print(f"logged to MLflow ({tracking.tracking_uri()}, experiment alpr-evaluations)")
