"""Command line for detector training: ``alpr train --config training/configs/detector-*.yaml``
(chosen by ``task: detector`` in the file) and ``python -m alpr.detector.train_cli`` (also
under ``torchrun``).
"""

from __future__ import annotations

import argparse
import shlex
import sys


def run(args: argparse.Namespace) -> int:
    from alpr.cli.train import parse_overrides
    from alpr.detector.config import load_detector_config
    from alpr.detector.loop import train_detector

    try:
        cfg = load_detector_config(args.config, parse_overrides(args.set))
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    command = " ".join(shlex.quote(a) for a in sys.argv)
    folder = train_detector(cfg, resume=args.resume, progress=not args.no_progress,
                            command=command)
    if folder is not None:
        print(f"model written to {folder}")
    return 0


def main(argv: list[str] | None = None) -> int:
    from alpr.cli.train import add_arguments

    p = argparse.ArgumentParser(description="Train the ALPR plate detector")
    add_arguments(p)
    return run(p.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
