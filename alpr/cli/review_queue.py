"""``alpr review queue``: the verified reads most worth a data-staff look before a retraining
(officer-corrected misreads, low-confidence reads, reads whose re-reads disagree), ranked
and exported in the crop contract through the access-control layer
(:mod:`alpr.governance.review_queue`). The ``review`` group itself lives in
:mod:`alpr.cli.review`, which calls :func:`register`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from alpr.cli.common import IMAGE_ROOT_HELP, add_login, as_user
from alpr.cli.errors import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK, bad_input

DEFAULT_MIN_CONFIDENCE = 0.9  # alpr.recognizer.reread.REREAD_BELOW: the reader's own "unsure"


def _confidence(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--min-confidence {text!r}: must be a number between 0 and 1") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(
            f"--min-confidence {text!r}: must be between 0 and 1")
    return value


def _limit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--limit {text!r}: must be a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"--limit {text!r}: must be at least 1")
    return value


def register(review_sub: argparse._SubParsersAction) -> None:
    """Add ``queue`` to the ``alpr review`` group's sub-commands."""
    q = review_sub.add_parser(
        "queue", help="verified reads worth a look first (officer-corrected misreads, "
                      "low-confidence reads, disagreeing re-reads), in the crop contract",
        description="Rank the store's verified reads for review and write OUT/labels.csv "
                    "(officer-labelled crops, ready for data.real_crops), OUT/to_label.csv "
                    "(crops a person must label: the plate column is '?'), OUT/queue.csv "
                    "(the whole ranked queue with the reason for each) and OUT/images/.")
    q.add_argument("--out", required=True, type=Path, help="folder to write the queue into")
    q.add_argument("--limit", type=_limit,
                   help="keep only the N highest-ranked reads (default: all that qualify)")
    q.add_argument("--min-confidence", type=_confidence, default=DEFAULT_MIN_CONFIDENCE,
                   help="a read under this confidence is queued as low-confidence "
                        f"(default {DEFAULT_MIN_CONFIDENCE}, the recognizer's re-read "
                        "threshold)")
    q.add_argument("--no-reread", action="store_true",
                   help="do not re-read the stored images with the recognizer's jitter "
                        "views (faster; no 're-reads disagree' reason)")
    q.add_argument("--model", help="recognizer for the re-reads: a model folder or "
                                   "models:/NAME@ALIAS (default: the shipped model)")
    q.add_argument("--image-root", type=Path, help=IMAGE_ROOT_HELP)
    add_login(q)
    q.set_defaults(func=_queue)


def _queue(args: argparse.Namespace) -> int:
    from alpr.governance.review_queue import QueueOptions, check_out, export_review_queue

    out = Path(args.out)
    try:
        check_out(out)  # before signing in: nothing is read that cannot be written
    except ValueError as exc:
        return bad_input(f"--out {exc}")
    options = QueueOptions(min_confidence=args.min_confidence, limit=args.limit,
                           reread=not args.no_reread, model=args.model, progress=True)
    result = as_user(args, lambda gov, actor: export_review_queue(gov, actor, out, options))
    if result is None:
        return EXIT_BAD_INPUT
    for problem in result.skipped:
        print(f"skipped {problem}", file=sys.stderr)
    print(result.summary())
    return EXIT_FINDINGS if result.skipped else EXIT_OK
