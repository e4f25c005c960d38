"""One printer per kind of output, so every command prints a kind the same way: JSON lines
(one object a line, for programs and pipes), one JSON document (a whole result, e.g.
``--format json``), tab-separated tables (for people and ``cut``), and key/value blocks (one
result's fields).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TextIO


def print_jsonl(rows: Iterable[Mapping[str, Any]] | Mapping[str, Any],
                out: TextIO | None = None) -> None:
    """One JSON object a line (one mapping: one line); values JSON does not know (dates,
    times) as their ``str``; flushed, so a pipe sees each batch as it comes.

    >>> print_jsonl([{"id": 1, "text": "ABC123"}, {"id": 2}])
    {"id": 1, "text": "ABC123"}
    {"id": 2}
    """
    out = out or sys.stdout
    if isinstance(rows, Mapping):
        rows = [rows]
    out.write("".join(json.dumps(r, default=str) + "\n" for r in rows))
    out.flush()


def print_json(document: Any, out: TextIO | None = None) -> None:
    """One JSON document on one line; values JSON does not know as their ``str``.

    >>> print_json([{"camera": "CAM-01", "status": "ok"}])
    [{"camera": "CAM-01", "status": "ok"}]
    """
    out = out or sys.stdout
    out.write(json.dumps(document, default=str) + "\n")
    out.flush()


def print_table(rows: Iterable[Sequence[Any]], header: Sequence[str] | None = None,
                out: TextIO | None = None) -> None:
    r"""Tab-separated rows, after ``header`` when given.

    >>> print_table([("alice", "admin")], header=("username", "role"), out=_Shown())
    'username\trole\n'
    'alice\tadmin\n'
    """
    out = out or sys.stdout
    lines = ["\t".join(header)] if header else []
    lines += ["\t".join(str(v) for v in row) for row in rows]
    out.write("".join(line + "\n" for line in lines))
    out.flush()


class _Shown:
    """A stream that shows each line written with its tabs (for the examples above)."""

    def write(self, text: str) -> None:
        for line in text.splitlines(keepends=True):
            print(repr(line))

    def flush(self) -> None:
        pass


def print_key_values(values: Mapping[str, Any], out: TextIO | None = None) -> None:
    """One ``key value`` line per field, keys padded to one column.

    >>> print_key_values({"status": "ok", "shift_px": 1.5})
    status           ok
    shift_px         1.5
    """
    out = out or sys.stdout
    out.write("".join(f"{k:16} {v}\n" for k, v in values.items()))
    out.flush()
