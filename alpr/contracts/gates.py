"""The contracts where data enters: reads before ``alpr ingest`` stores them, hot-list files
before they load, crop and frame manifests and the train/evaluation split before training or
evaluation. A broken dataset rule raises :class:`ContractRefused`; broken row rules are
reported (with examples) and the bad lines returned so that only the good rows are used.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import Any

from alpr.contracts.model import Frame
from alpr.contracts.registry import get_contract
from alpr.contracts.runner import ContractRefused, ContractReport, Failure, validate
from alpr.datasets import LabelledCrop, RowError

Log = Callable[[str], None]
READS_CHUNK = 25_000  # reads validated per Great Expectations run (bounded memory)


def _stderr(text: str) -> None:
    print(text, file=sys.stderr)


def _enforce(report: ContractReport, log: Log) -> ContractReport:
    if report.refused:
        raise ContractRefused(report)
    if report.failures:
        log(report.summary())
    return report


def merge(reports: Sequence[ContractReport], source: str) -> ContractReport:
    """One report for a file validated in chunks: failures of the same rule combined."""
    if len(reports) == 1:
        return reports[0]
    rows = sum(r.rows for r in reports)
    by_rule: dict[tuple[str, str | None, str], list[Failure]] = {}
    for r in reports:
        for f in r.failures:
            by_rule.setdefault((f.expectation, f.column, f.rule), []).append(f)
    failures = []
    for fs in by_rule.values():
        lines = tuple(ln for f in fs for ln in f.lines)
        examples = tuple(e for f in fs for e in f.examples)[:5]
        failures.append(Failure(fs[0].expectation, fs[0].column, fs[0].scope, fs[0].rule,
                                sum(f.unexpected for f in fs), rows, lines, examples,
                                fs[0].observed))
    return ContractReport(kind=reports[0].kind, source=source, rows=rows, failures=failures)


class ReadsGate:
    """The reads contract in front of ingestion, one chunk at a time: each chunk of
    ``chunk`` reads is validated, its failures reported, and only its good rows passed on
    (the file is parsed once). ``report`` is complete once ``rows()`` is exhausted.

    The reads contract's only dataset rule (an empty file) is decided on the first chunk,
    before anything is stored; duplicates are found within a chunk.
    """

    def __init__(self, path: Path, log: Log = _stderr, chunk: int = READS_CHUNK) -> None:
        self.path, self.log, self.chunk = Path(path), log, chunk
        self._reports: list[ContractReport] = []
        self._typed: set[int] = set()  # lines passed on as their own error (see rows())

    def rows(self) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
        from alpr.contracts.frames import reads_frame
        from alpr.store.read_rows import iter_rows
        from alpr.store.read_rows import validate as check_row

        contract = get_contract("reads")
        it = iter_rows(self.path)
        while True:
            block = list(islice(it, self.chunk))
            if not block and self._reports:
                return
            # A row the store would refuse for its types or lengths (an object where text is
            # due, a megabyte string) goes on as its error, reported by ingestion row by row;
            # the contract checks the rest.
            wrong: dict[int, RowError] = {}
            for line, row in block:
                if not isinstance(row, RowError):
                    checked = check_row(row, line)
                    if isinstance(checked, RowError):
                        wrong[line] = checked
            self._typed |= set(wrong)
            framed = [(line, wrong.get(line, row)) for line, row in block]
            report = validate(contract, reads_frame(framed), source=str(self.path))
            self._reports.append(report)
            _enforce(report, self.log)
            bad = report.bad_lines
            for line, row in block:
                if line in wrong:
                    yield line, wrong[line]
                elif line not in bad:
                    yield line, row
            if len(block) < self.chunk:
                return

    @property
    def report(self) -> ContractReport:
        return merge(self._reports, str(self.path))

    @property
    def left_out(self) -> frozenset[int]:
        """Lines the contract left out that were not passed on as errors to report."""
        return self.report.bad_lines - self._typed


def check_hotlist(path: Path, log: Log = _stderr) -> ContractReport:
    """The hot-list contract over a file; bad rows are then rejected by the importer."""
    contract = get_contract("hotlist")
    return _enforce(validate(contract, contract.read(Path(path)), source=str(path)), log)


def check_crop_manifests(paths: Iterable[str | Path], corrections: str | Path | None = None,
                         log: Log = _stderr) -> list[ContractReport]:
    """The crop-manifest contract over each labels CSV (bad rows are skipped by the loader)."""
    from alpr.contracts.frames import read_crops

    contract = get_contract("crops")
    out = []
    for p in paths:
        frame = read_crops(Path(p), Path(corrections) if corrections else None)
        out.append(_enforce(validate(contract, frame, source=str(p)), log))
    return out


def checked_frames(path: str | Path, corrections: str | Path | None = None,
                   log: Log | None = _stderr) -> tuple[list[LabelledCrop], ContractReport]:
    """The frames of an ``image,x,y,w,h,plate`` manifest that pass the frames contract, in
    file order, and its report: each bad row is reported (file, line, field, rule; to
    ``log``, ``None`` to stay quiet) and left out, the good ones kept; a manifest with no
    rows is refused (``ContractRefused``)."""
    from alpr.contracts.frames import BOX_FIELDS, read_labelled_frames

    frame = read_labelled_frames(Path(path), Path(corrections) if corrections else None)
    report = validate(get_contract("frames"), frame, source=str(path))
    _enforce(report, log or (lambda _: None))
    good = frame.data.drop(index=list(report.bad_lines))
    items = [LabelledCrop(image=Path(image), plate=str(plate), state=None,
                          box=(int(x), int(y), int(w), int(h)))
             for image, plate, x, y, w, h in zip(good["image_path"], good["plate_text"],
                                                 *(good[c] for c in BOX_FIELDS), strict=True)]
    return items, report


def check_split(train: Sequence[LabelledCrop], evaluation: Sequence[LabelledCrop],
                log: Log = _stderr) -> ContractReport | None:
    """The split contract: refuses a plate or image on both sides; None if both are empty."""
    from alpr.contracts.frames import split_frame

    if not train and not evaluation:
        return None
    frame: Frame = split_frame(train, evaluation)
    return _enforce(validate(get_contract("split"), frame, source="train/evaluation split"),
                    log)
