"""``alpr review``: what a data-staff member should look at before a retraining.
``alpr review labels`` finds likely label errors in a crop set with out-of-fold reads
(:mod:`alpr.recognizer.label_review`, docs/review.md) and writes the corrections chosen;
``alpr review queue`` (:mod:`alpr.cli.review_queue`) ranks the store's verified reads.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from alpr.cli import review_queue
from alpr.cli.errors import EXIT_FINDINGS, EXIT_OK, bad_input

DEFAULT_OUT = Path("runs/label-review")


def _count(flag: str, least: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{flag} {text!r}: must be a whole number") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"{flag} {text!r}: must be at least {least}")
        return value
    return parse


def _share(flag: str) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{flag} {text!r}: must be a number") from None
        if not 0.0 < value <= 1.0:
            raise argparse.ArgumentTypeError(f"{flag} {text!r}: must be above 0 and at most 1")
        return value
    return parse


def register(sub: argparse._SubParsersAction) -> None:
    r = sub.add_parser("review", help="what to look at before a retraining: likely label "
                                      "errors (labels), the store's verified reads (queue)")
    review_sub = r.add_subparsers(dest="review_command", required=True)
    lab = review_sub.add_parser(
        "labels", help="find likely label errors in a crop set with out-of-fold reads",
        description="Cut the crops into folds by plate text, fine-tune a fold model from the "
                    "base model on the other folds, read the held-out fold and flag the crops "
                    "whose label the model confidently disagrees with. Writes OUT/review.csv "
                    "(every crop), OUT/flags.csv, OUT/gallery.html and OUT/gallery.png; with "
                    "--accept or --accept-file, the chosen corrections to --corrections.")
    lab.add_argument("--labels", required=True, type=Path,
                     help="image,state,plate CSV (paths relative to it; the state may be empty)")
    lab.add_argument("--corrections", type=Path,
                     help="image,old,new corrections applied on load, and the file --accept "
                          "and --accept-file write to (e.g. training/label_corrections.csv)")
    lab.add_argument("--model", help="base model folder or MLflow URI (default: the shipped "
                                     "models/plate-ocr)")
    lab.add_argument("--folds", type=_count("--folds", 0), default=5,
                     help="folds by plate text (default 5); 0 reads with the base model only, "
                          "for crops it never trained on")
    lab.add_argument("--no-finetune", action="store_true", help="the same as --folds 0")
    lab.add_argument("--steps", type=_count("--steps", 1), default=300,
                     help="fine-tuning steps of each fold model (default 300)")
    lab.add_argument("--batch-size", type=_count("--batch-size", 1), default=32)
    lab.add_argument("--workers", type=_count("--workers", 0), default=1,
                     help="data-loader processes of each fine-tune (default 1)")
    lab.add_argument("--threshold", type=_share("--threshold"), default=0.5,
                     help="flag crops scoring at or above this (default 0.5)")
    lab.add_argument("--accept", type=_share("--accept"), metavar="SCORE",
                     help="write a correction (label -> read) for every text flag at or above "
                          "SCORE to --corrections")
    lab.add_argument("--accept-file", type=Path,
                     help="write corrections for the crops listed (one image per line as the "
                          "labels CSV writes it, or a CSV with image[,new] columns)")
    lab.add_argument("--out", type=Path, default=DEFAULT_OUT,
                     help=f"folder for the review, gallery and fold models (default {DEFAULT_OUT})")
    lab.add_argument("--gallery-size", type=_count("--gallery-size", 1), default=24,
                     help="flags shown in gallery.png (gallery.html shows all)")
    lab.add_argument("--seed", type=int, default=0)
    lab.add_argument("--no-progress", action="store_true", help="no fine-tuning progress lines")
    lab.set_defaults(func=run_labels)
    review_queue.register(review_sub)


def _blocked(out: Path) -> Path | None:
    """The file standing where ``out`` or one of its folders must be, if any."""
    for p in [out, *out.parents]:
        if p.exists():
            return None if p.is_dir() else p
    return None


def run_labels(args: argparse.Namespace) -> int:
    from alpr.datasets import LabelFileError, load_crops
    from alpr.recognizer.label_review.folds import FoldError, plate_folds
    from alpr.recognizer.label_review.outputs import (
        accepted_by_score,
        accepted_from_file,
        write_corrections,
        write_outputs,
    )
    from alpr.recognizer.label_review.review import ReviewConfig, review_labels

    folds = 0 if args.no_finetune else args.folds
    if (args.accept is not None or args.accept_file) and args.corrections is None:
        return bad_input("--accept/--accept-file: give --corrections FILE to write the "
                         "corrections to (e.g. training/label_corrections.csv)")
    if args.accept_file is not None and not args.accept_file.is_file():
        return bad_input(f"--accept-file {args.accept_file}: file not found")
    try:
        labels = load_crops(args.labels, corrections=args.corrections, require_state=False)
        if not labels.items:
            return bad_input(f"--labels {args.labels}: no usable rows "
                             f"({len(labels.errors)} bad)")
        if folds:
            plate_folds(labels.items, folds)
    except (LabelFileError, FoldError) as exc:
        return bad_input(exc if isinstance(exc, LabelFileError) else f"--{exc}")
    blocker = _blocked(args.out)
    if blocker is not None:
        return bad_input(f"--out {args.out}: {blocker} is a file where a folder is needed")
    cfg = ReviewConfig(labels=str(args.labels), model=args.model, folds=folds,
                       corrections=None if args.corrections is None else str(args.corrections),
                       steps=args.steps, batch_size=args.batch_size, workers=args.workers,
                       threshold=args.threshold, seed=args.seed)
    try:
        review = review_labels(cfg, args.out, progress=not args.no_progress)
    except (FileNotFoundError, OSError) as exc:
        return bad_input(exc)
    for problem in review.skipped:
        print(f"skipped {problem}", file=sys.stderr)
    paths = write_outputs(review, args.out, gallery_size=args.gallery_size)
    print(review.summary())
    print(f"every crop's score in {paths['review']}; flags in {paths['flags']}; gallery "
          f"{paths['gallery_html']}")
    chosen = accepted_by_score(review, args.accept) if args.accept is not None else []
    if args.accept_file is not None:
        try:
            listed = accepted_from_file(review, args.accept_file)
        except ValueError as exc:
            return bad_input(exc)
        chosen = list({c.image: c for c in [*chosen, *listed]}.values())
    if args.corrections is not None and (args.accept is not None or args.accept_file):
        try:
            n = write_corrections(args.corrections, chosen)
        except ValueError as exc:
            return bad_input(exc)
        print(f"{n} correction(s) written to {args.corrections} "
              f"(image,old,new; applied wherever it is given as corrections)")
        for c in chosen:
            print(f"  {c.image}: {c.old} -> {c.new}")
    return EXIT_FINDINGS if review.skipped else EXIT_OK
