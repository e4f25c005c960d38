"""``alpr evaluate``: measure a recognizer on a labelled crop set, print and log the figures."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from alpr.datasets import LabelFileError, load_crops


def run_evaluate(args: argparse.Namespace) -> int:
    from alpr.recognizer.evaluation import evaluate
    from alpr.recognizer.plots import save_plots
    from alpr.recognizer.recognizer import Recognizer, resolve_model

    try:
        labels = load_crops(args.labels, corrections=args.corrections, require_state=False)
    except LabelFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from alpr.contracts.gates import check_crop_manifests
    from alpr.contracts.runner import ContractRefused

    try:  # the crop-manifest contract: reported, and an unusable set refused
        check_crop_manifests([args.labels], args.corrections)
    except ContractRefused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for err in labels.errors:
        print(f"skipped {args.labels}: {err}", file=sys.stderr)
    if not labels.items:
        print(f"error: {args.labels}: no usable rows", file=sys.stderr)
        return 2
    try:
        rec = Recognizer.load(args.model)
    except (FileNotFoundError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from alpr.recognizer.evaluation import load_items

    items, images, unreadable = load_items(labels.items)
    for problem in unreadable:
        print(f"skipped {args.labels}: {problem}", file=sys.stderr)
    if not items:
        print(f"error: {args.labels}: no readable image", file=sys.stderr)
        return 2
    report = evaluate(rec, items, images)
    print(report.summary())
    out = args.out
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "report.txt").write_text(report.summary())
        with open(out / "reads.csv", "w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(report.rows[0]))
            w.writeheader()
            w.writerows(report.rows)
        plots = save_plots(report, out / "plots")
        print(f"\nreport, per-read CSV and plots in {out}")
    if not args.no_track:
        from alpr.train import tracking

        mlflow = tracking.setup("alpr-evaluations")
        with mlflow.start_run(run_name=f"evaluate {Path(args.labels).parent.name}"):
            mlflow.log_params({"labels": str(args.labels),
                               "model": str(resolve_model(args.model)),
                               "n": report.n, "skipped_rows": len(labels.errors),
                               "unreadable_images": len(unreadable)})
            mlflow.log_metrics(report.metrics())
            mlflow.log_text(report.summary(), "report.txt")
            if out is not None:
                for p in plots:
                    mlflow.log_artifact(str(p), artifact_path="plots")
        print(f"logged to MLflow ({tracking.tracking_uri()}, experiment alpr-evaluations)")
    return 1 if unreadable else 0  # evaluated, but some images could not be read
