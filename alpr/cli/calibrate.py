"""``alpr calibrate``: re-fit a model's confidence calibration (its card.json) on labelled
crops, or on the tune side of a training config's split (never its test side)."""

from __future__ import annotations

import argparse
from pathlib import Path

from alpr.cli.errors import EXIT_OK, bad_input


def register(sub: argparse._SubParsersAction) -> None:
    c = sub.add_parser("calibrate", help="re-fit a model's confidence calibration on crops")
    c.add_argument("--model", required=True, help="model folder whose card.json to update")
    on = c.add_mutually_exclusive_group(required=True)
    on.add_argument("--labels", type=Path, help="image,state,plate CSV")
    on.add_argument("--config", type=Path,
                    help="instead of --labels: a training config; fits on the tune side of "
                         "its split (docs/evaluation.md), never the test side")
    c.add_argument("--val-fraction", type=float,
                   help="use only the hash-split held-out part (as training does)")
    c.add_argument("--corrections", type=Path, help="image,old,new label corrections CSV")
    c.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from alpr.contracts.gates import check_crop_manifests
    from alpr.contracts.model import ContractFileError
    from alpr.contracts.runner import ContractRefused
    from alpr.datasets import LabelFileError
    from alpr.recognizer.recalibrate import recalibrate, recalibrate_on_tune

    if args.config is None:
        if not Path(args.labels).is_file():
            return bad_input(f"{args.labels}: labels file not found")
        try:  # the crop-manifest contract: bad rows reported (and left out), a broken set refused
            check_crop_manifests([args.labels], args.corrections)
        except (ContractRefused, ContractFileError) as exc:
            return bad_input(exc)
    try:
        cal = (recalibrate_on_tune(Path(args.model), args.config) if args.config is not None
               else recalibrate(Path(args.model), args.labels, args.val_fraction,
                                args.corrections))
    except (LabelFileError, ValueError, FileNotFoundError) as exc:
        return bad_input(exc)
    where = f" (tune side of {args.config})" if args.config is not None else ""
    print(f"calibration{where} written to {Path(args.model) / 'card.json'}: "
          f"char temperature {cal['char_temperature']}, "
          f"state temperature {cal['state_temperature']}")
    return EXIT_OK
