"""``alpr match``: hot-list files and a JSON-lines file of reads in, one JSON line of matches
per read out, streamed in batches. Bad read lines are reported with their line number and
skipped; hot-list rows that were rejected are reported with the list's version line.

The fast path decodes lines with orjson, types the common read (canonical text, float
confidences, a known state) without the general validator, and writes each line from cached
pieces; anything it is not sure of goes through the general path, so output and messages are
the same as ``json.dumps(result_line(...))`` of :func:`alpr.matcher.reads.parse_read_line`.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import multiprocessing as mp
import os
import re
import sys
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import Any, TextIO

import orjson

from alpr.hotlist.entries import HotListEntry
from alpr.hotlist.importers import HotList, HotListFileError, load_hotlist
from alpr.matcher.match import Match, Matcher
from alpr.matcher.reads import Read, ReadError, parse_read_line
from alpr.matcher.rules import MatchConfig
from alpr.vocabulary.jurisdictions import UNKNOWN, get_jurisdiction, is_jurisdiction

BATCH = 2000
SERIAL_CHUNKS = 4  # batches matched in this process before any worker is started
MAX_WORKERS = 4  # each forked worker comes to hold its own copy of much of the list
_CANONICAL = re.compile(r"[A-Z0-9]{1,10}")
_ENCODE_STR = json.encoder.encode_basestring_ascii  # what json.dumps writes for a str
_STATES: dict[str, str] = {}  # a read's state as written -> its code (a few dozen spellings)


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


def _state_code(raw: str) -> str | None:
    """The code of a state as a read gives it; None if it is not one (the general path
    then names the error)."""
    code = _STATES.get(raw)
    if code is None and is_jurisdiction(raw):
        code = _STATES[raw] = get_jurisdiction(raw).code
    return code


def fast_read(obj: Any) -> Read | None:
    """The ``Read`` of a decoded line when it is the common, well-formed kind; None when the
    general :func:`read_from_dict` must decide (it gives the same ``Read`` for every object
    this accepts, and the errors and notes for the rest).

    >>> fast_read({"id": 3, "text": "7ABC123", "state": "CA", "char_confidences": None})
    Read(text='7ABC123', char_confidences=None, state='CA', state_confidence=None, id=3)
    >>> fast_read({"text": "7abc 123"}) is None  # not canonical: the general path
    True
    """
    if type(obj) is not dict:
        return None
    rid = obj.get("id")
    if rid is not None and type(rid) is not int and type(rid) is not str:
        return None  # orjson reads an integer past 64 bits as a float: json.loads decides
    text = obj.get("text")
    if type(text) is not str or not _CANONICAL.fullmatch(text):
        return None
    confs = obj.get("char_confidences")
    if confs is not None:
        if type(confs) is not list or len(confs) != len(text):
            return None
        kinds = set(map(type, confs))
        if not kinds <= {float, int} or not min(confs) >= 0.0 or not max(confs) <= 1.0 \
                or math.isnan(sum(confs)):
            return None
        confs = tuple(confs) if kinds == {float} else tuple(map(float, confs))
    state = obj.get("state")
    if state is not None and state != "" and state != UNKNOWN:
        if type(state) is not str:
            return None
        state = _state_code(state)
        if state is None:
            return None
    else:
        state = None
    sc = obj.get("state_confidence")
    if sc is not None:
        if type(sc) not in (float, int) or not 0.0 <= sc <= 1.0:  # NaN fails the range
            return None
        sc = float(sc)
    return Read(text=text, char_confidences=confs, state=state, state_confidence=sc, id=rid)


class LineWriter:
    """``json.dumps(result_line(read, matches))``, byte for byte, from pieces: each entry's
    part of a match is encoded once and kept.

    >>> w = LineWriter()
    >>> w.line(Read("7ABC123", id="r1"), []) == json.dumps(result_line(Read("7ABC123", id="r1"), []))
    True
    """

    def __init__(self) -> None:
        self._entries: dict[int, str] = {}  # id(entry) -> '{"plate": ..., "source": ...'

    def _entry(self, e: HotListEntry) -> str:
        head = self._entries.get(id(e))
        if head is None:
            head = self._entries[id(e)] = json.dumps(
                {"plate": e.plate, "state": e.state, "category": e.category,
                 "priority": e.priority, "reference": e.reference, "source": e.source})[:-1]
        return head

    def _match(self, m: Match) -> str:
        subs = ", ".join(f'[{s.position}, {_ENCODE_STR(s.read)}, {_ENCODE_STR(s.listed)}]'
                         for s in m.substitutions)
        return (f'{self._entry(m.entry)}, "kind": "{m.kind}", "substitutions": [{subs}], '
                f'"state_agreement": "{m.state_agreement}", "score": {float.__repr__(m.score)}}}')

    def line(self, read: Read, matches: Sequence[Match]) -> str:
        rid = read.id
        if rid is None:
            ident = "null"
        elif type(rid) is int:
            ident = int.__repr__(rid)
        elif type(rid) is str:
            ident = _ENCODE_STR(rid)
        else:
            ident = json.dumps(rid)
        found = ", ".join(map(self._match, matches))
        return f'{{"id": {ident}, "text": "{read.text}", "matches": [{found}]}}'


def _parse(lineno: int, line: str, err: TextIO, counts: dict[str, int]) -> Read | None:
    """A line through the general path: its ``Read``, or None once its error is said."""
    notes: list[str] = []
    try:
        read = parse_read_line(line, notes)
    except ReadError as exc:
        counts["bad"] += 1
        print(f"line {lineno}: {exc} (skipped)", file=err)
        return None
    for note in notes:  # an optional field left out: the read is still matched
        counts["partial"] += 1
        print(f"line {lineno}: {note}", file=err)
    return read


def _reads(chunk: list[tuple[int, str]], err: TextIO, counts: dict[str, int]) -> list[Read]:
    """The reads of numbered lines; bad lines said on ``err`` and counted."""
    loads = orjson.loads
    batch: list[Read] = []
    for lineno, line in chunk:
        try:
            read = fast_read(loads(line))
        except orjson.JSONDecodeError:  # blank, not JSON, or JSON orjson refuses (NaN)
            read = None
        if read is None:
            if not line.strip():
                continue
            read = _parse(lineno, line, err, counts)
            if read is None:
                continue
        batch.append(read)
    return batch


class _Chunks:
    """Matches numbered chunks of lines into their output text (one process's share)."""

    def __init__(self, matcher: Matcher, fmt: str, now: dt.datetime) -> None:
        self.matcher, self.now = matcher, now
        self.line = LineWriter().line if fmt == "jsonl" else table_line

    def __call__(self, chunk: list[tuple[int, str]]) -> tuple[str, str, dict[str, int]]:
        """(output, messages, counts) of one chunk."""
        err = io.StringIO()
        counts = {"reads": 0, "matched": 0, "bad": 0, "partial": 0}
        reads = _reads(chunk, err, counts)
        results = self.matcher.match_many(reads, self.now) if reads else []
        counts["reads"] = len(reads)
        counts["matched"] = sum(map(bool, results))
        line = self.line
        return ("".join([line(r, m) + "\n" for r, m in zip(reads, results, strict=True)]),
                err.getvalue(), counts)


_FORKED: _Chunks | None = None  # the matcher a forked worker inherits


def _in_worker(chunk: list[tuple[int, str]]) -> tuple[str, str, dict[str, int]]:
    assert _FORKED is not None
    return _FORKED(chunk)


def _results(work: _Chunks, chunks: Iterator[list[tuple[int, str]]], workers: int,
             ) -> Iterator[tuple[str, str, dict[str, int]]]:
    """Each chunk's result, in order: the first few here, the rest, when there are more, in
    ``workers`` forked processes that share the built index (copy-on-write), at most two
    chunks ahead per worker so memory stays bounded."""
    for chunk in islice(chunks, SERIAL_CHUNKS):
        yield work(chunk)
    if workers < 2 or "fork" not in mp.get_all_start_methods():
        for chunk in chunks:
            yield work(chunk)
        return
    first = next(chunks, None)
    if first is None:
        return
    global _FORKED
    _FORKED = work
    sys.stdout.flush()  # a forked worker flushes its copy of these buffers when it exits
    sys.stderr.flush()
    try:
        with mp.get_context("fork").Pool(workers) as pool:
            pending = deque([pool.apply_async(_in_worker, (first,))])
            for chunk in chunks:
                pending.append(pool.apply_async(_in_worker, (chunk,)))
                if len(pending) >= 2 * workers:
                    yield pending.popleft().get()
            while pending:
                yield pending.popleft().get()
    finally:
        _FORKED = None


def match_lines(matcher: Matcher, lines: Iterable[str], out: TextIO, err: TextIO,
                fmt: str = "jsonl", now: dt.datetime | None = None,
                batch: int = BATCH, workers: int = 1) -> dict[str, int]:
    """Match every read line, writing one output line per good read as each batch is
    matched, in the order read; returns counts of ``reads``, ``matched`` (reads with at
    least one match), ``bad`` lines (skipped) and ``partial`` ones (matched without a bad
    optional field). With ``workers`` > 1, a long input is matched in that many processes
    (same output)."""
    counts = {"reads": 0, "matched": 0, "bad": 0, "partial": 0}
    work = _Chunks(matcher, fmt, now or dt.datetime.now(dt.UTC))
    numbered = enumerate(lines, start=1)
    chunks = iter(lambda: list(islice(numbered, batch)), [])
    for text, messages, got in _results(work, chunks, workers):
        err.write(messages)
        out.write(text)
        for k, v in got.items():
            counts[k] += v
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
              err: TextIO | None = None, workers: int | None = None) -> int:
    """The whole command; exit status 0, 1 if some read lines were bad, 2 if unusable input.
    A long input is matched in ``workers`` processes (default: one per CPU, at most
    ``MAX_WORKERS``)."""
    out, err = out or sys.stdout, err or sys.stderr
    workers = workers or min(MAX_WORKERS, os.cpu_count() or 1)
    if reads != "-" and not Path(reads).is_file():
        print(f"error: {reads}: reads file not found (give a JSON-lines file, or - for "
              f"standard input)", file=err)
        return 2
    try:
        lists = load_lists(hotlists, err, now=at)
        matcher = Matcher([e for hl in lists for e in hl.entries], config)
        if reads == "-":
            counts = match_lines(matcher, sys.stdin, out, err, fmt, at, workers=workers)
        else:
            with open(reads, encoding="utf-8") as fh:
                counts = match_lines(matcher, fh, out, err, fmt, at, workers=workers)
    except (HotListFileError, OSError, UnicodeDecodeError) as exc:
        print(f"error: {exc}", file=err)
        return 2
    print(f"{counts['reads']} reads matched against {len(matcher)} entries: "
          f"{counts['matched']} with matches, {counts['bad']} bad lines skipped"
          + (f", {counts['partial']} matched without their bad char_confidences"
             if counts["partial"] else ""), file=err)
    return 1 if counts["bad"] or counts["partial"] else 0
