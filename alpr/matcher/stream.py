"""``alpr match``: hot-list files and a JSON-lines file of reads in, one JSON line of matches
per read out. Bad read lines are reported with their line number and skipped; hot-list rows
that were rejected are reported with the list's version line.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TextIO

from alpr.hotlist.importers import HotList, HotListFileError, load_hotlist
from alpr.matcher.match import Match, Matcher
from alpr.matcher.reads import Read, ReadError, parse_read_line
from alpr.matcher.rules import MatchConfig

BATCH = 2000


def result_line(read: Read, matches: Sequence[Match]) -> dict:
    """The output object of one read.

    >>> result_line(Read("7ABC123", id="r1"), [])
    {'id': 'r1', 'text': '7ABC123', 'matches': []}
    """
    return {"id": read.id, "text": read.text, "matches": [m.to_dict() for m in matches]}


def table_line(read: Read, matches: Sequence[Match]) -> str:
    """One tab-separated line for people: id, text, then each match briefly."""
    parts = [f"{m.entry.plate}/{m.entry.state or '?'} {m.entry.category} {m.kind} "
             f"score={m.score:.2f} state={m.state_agreement}" for m in matches]
    return "\t".join([str(read.id), read.text, *(parts or ["no match"])])


def _batches(lines: Iterable[str], err: TextIO, counts: dict[str, int],
             size: int) -> Iterator[list[Read]]:
    batch: list[Read] = []
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        notes: list[str] = []
        try:
            batch.append(parse_read_line(line, notes))
        except ReadError as exc:
            counts["bad"] += 1
            print(f"line {lineno}: {exc} (skipped)", file=err)
            continue
        for note in notes:  # an optional field left out: the read is still matched
            counts["partial"] += 1
            print(f"line {lineno}: {note}", file=err)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def match_lines(matcher: Matcher, lines: Iterable[str], out: TextIO, err: TextIO,
                fmt: str = "jsonl", now: dt.datetime | None = None,
                batch: int = BATCH) -> dict[str, int]:
    """Match every read line, writing one output line per good read; returns counts of
    ``reads``, ``matched`` (reads with at least one match), ``bad`` lines (skipped) and
    ``partial`` ones (matched without a bad optional field)."""
    counts = {"reads": 0, "matched": 0, "bad": 0, "partial": 0}
    now = now or dt.datetime.now(dt.UTC)
    for reads in _batches(lines, err, counts, batch):
        for read, matches in zip(reads, matcher.match_many(reads, now), strict=True):
            counts["reads"] += 1
            counts["matched"] += bool(matches)
            if fmt == "jsonl":
                out.write(json.dumps(result_line(read, matches)) + "\n")
            else:
                out.write(table_line(read, matches) + "\n")
    return counts


def load_lists(paths: Sequence[Path], err: TextIO,
               now: dt.datetime | None = None) -> list[HotList]:
    """Load each hot list, printing its version line and rejections to ``err``."""
    lists = []
    for path in paths:
        hotlist = load_hotlist(path, now=now)
        print(hotlist.report(), file=err)
        lists.append(hotlist)
    return lists


def run_match(hotlists: Sequence[Path], reads: str, fmt: str, config: MatchConfig,
              at: dt.datetime | None = None, out: TextIO | None = None,
              err: TextIO | None = None) -> int:
    """The whole command; exit status 0, 1 if some read lines were bad, 2 if unusable input."""
    out, err = out or sys.stdout, err or sys.stderr
    if reads != "-" and not Path(reads).is_file():
        print(f"error: {reads}: reads file not found (give a JSON-lines file, or - for "
              f"standard input)", file=err)
        return 2
    try:
        lists = load_lists(hotlists, err, now=at)
        matcher = Matcher([e for hl in lists for e in hl.entries], config)
        if reads == "-":
            counts = match_lines(matcher, sys.stdin, out, err, fmt, at)
        else:
            with open(reads, encoding="utf-8") as fh:
                counts = match_lines(matcher, fh, out, err, fmt, at)
    except (HotListFileError, OSError, UnicodeDecodeError) as exc:
        print(f"error: {exc}", file=err)
        return 2
    print(f"{counts['reads']} reads matched against {len(matcher)} entries: "
          f"{counts['matched']} with matches, {counts['bad']} bad lines skipped"
          + (f", {counts['partial']} matched without their bad char_confidences"
             if counts["partial"] else ""), file=err)
    return 1 if counts["bad"] or counts["partial"] else 0
