"""``alpr match``: match reads (JSON lines, e.g. ``alpr read``'s) against hot-list files;
the matcher's tolerance flags are shared with ``alpr hotlist preview``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from alpr.cli.errors import bad_input

if TYPE_CHECKING:
    from alpr.matcher.rules import MatchConfig


def register(sub: argparse._SubParsersAction) -> None:
    m = sub.add_parser("match", help="match reads against hot lists")
    m.add_argument("--hotlist", action="append", required=True, type=Path, metavar="FILE",
                   help="NCIC-style PLATE;STATE;CATEGORY[;REFERENCE] file, or .csv (repeatable)")
    m.add_argument("--reads", required=True, metavar="READS.jsonl",
                   help='one {"id", "text", "state", "char_confidences"} object a line; - = stdin')
    m.add_argument("--format", choices=["jsonl", "table"], default="jsonl")
    m.add_argument("--at", help="match as of this ISO time with its UTC offset (default "
                                "now): entries expired by then do not match")
    add_tolerance(m)
    m.set_defaults(func=run)


def add_tolerance(p: argparse.ArgumentParser) -> None:
    """The matcher's tolerance: look-alike characters and one missing or extra character."""
    p.add_argument("--max-confusable", type=int, choices=[0, 1, 2], default=1,
                   help="look-alike characters allowed per read (default 1)")
    p.add_argument("--no-edit", action="store_true",
                   help="do not match reads with one character missing or extra")


def match_config(args: argparse.Namespace) -> MatchConfig:
    """The :class:`MatchConfig` of :func:`add_tolerance`'s flags."""
    from alpr.matcher.rules import MatchConfig

    return MatchConfig(max_confusable_positions=args.max_confusable, allow_edit=not args.no_edit)


def run(args: argparse.Namespace) -> int:
    from alpr.matcher.stream import run_match
    from alpr.utc import parse_utc

    try:
        at = parse_utc(args.at, "--at") if args.at else None
    except ValueError as exc:
        return bad_input(exc)
    return run_match(args.hotlist, args.reads, args.format, match_config(args), at=at)
