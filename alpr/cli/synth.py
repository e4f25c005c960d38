"""``alpr synth``: render labelled synthetic plates (the crop contract: image,state,plate)."""

from __future__ import annotations

import argparse
from pathlib import Path

from alpr.cli.errors import EXIT_OK, bad_input


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("synth", help="render labelled synthetic plates")
    s.add_argument("--n", type=int, required=True, help="number of plates (> 0)")
    s.add_argument("--out", required=True, help="output folder (created; must be empty)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--augment", action="store_true", help="apply camera-effect augmentations")
    s.add_argument("--state", action="append", metavar="CODE",
                   help="only this jurisdiction (USPS code or name; repeatable)")
    s.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from alpr.synth.writer import write_dataset

    if args.n <= 0:
        return bad_input(f"--n {args.n}: the number of plates must be a positive integer")
    try:
        labels = write_dataset(Path(args.out), n=args.n, seed=args.seed, augment=args.augment,
                               states=args.state)
    except (ValueError, OSError) as exc:
        return bad_input(exc)
    print(f"wrote {args.n} plates and {labels}")
    return EXIT_OK
