"""Command line for training: ``alpr train`` and ``python training/train.py``."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

import yaml


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", required=True, type=Path, help="training/configs/*.yaml")
    p.add_argument("--resume", type=Path, help="checkpoint.pt to resume from")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config key (YAML value; dotted for nested keys), e.g. "
                        "--set num_workers=8 --set stages.0.lr=0.0005 --set data.val_fraction=0.2")
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")


def parse_overrides(items: list[str]) -> dict[str, Any]:
    """``KEY=VALUE`` items as a dict (values parsed as YAML); keys may be dotted."""
    out = {}
    for item in items:
        if "=" not in item:
            raise SystemExit(f"--set {item!r}: expected KEY=VALUE")
        key, value = item.split("=", 1)
        out[key.strip()] = yaml.safe_load(value)
    return out


def run(args: argparse.Namespace) -> int:
    from alpr.recognizer.config import load_config
    from alpr.recognizer.loop import train

    try:
        cfg = load_config(args.config, parse_overrides(args.set))
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from alpr.contracts.runner import ContractRefused

    command = " ".join(shlex.quote(a) for a in sys.argv)
    try:
        folder = train(cfg, resume=args.resume, progress=not args.no_progress, command=command)
    except ContractRefused as exc:  # the crops or the split break a data contract
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if folder is not None:
        print(f"model written to {folder}")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Train the ALPR plate recognizer")
    add_arguments(p)
    return run(p.parse_args(argv))
