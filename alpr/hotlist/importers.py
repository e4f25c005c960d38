"""Import of hot-list files: NCIC-extract-style ``PLATE;STATE;CATEGORY[;REFERENCE]`` lines and
CSV with a header ``plate,state,category[,reference][,expires_at]``.

Every row is validated: good rows load, each bad row is reported with its line number, field,
value and the rule it broke, and duplicates (same plate, state and category) are merged and
counted. Each load is a ``ListVersion`` (file hash, row counts, load time).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from alpr.datasets import RowError
from alpr.hotlist.categories import UnknownCategoryError, get_category
from alpr.hotlist.entries import HotListEntry, normalize_entry_plate
from alpr.hotlist.versions import ListVersion
from alpr.utc import parse_utc
from alpr.vocabulary.jurisdictions import UNKNOWN, codes, get_jurisdiction, is_jurisdiction
from alpr.vocabulary.plate_text import PlateTextError

CSV_REQUIRED = ("plate", "state", "category")
CSV_OPTIONAL = ("reference", "expires_at")
NCIC_FIELDS = "PLATE;STATE;CATEGORY[;REFERENCE]"
MAX_REFERENCE = 200  # the store's column length
_CANONICAL = re.compile(r"[A-Z0-9]{1,10}")
_CODES = {c: c for c in codes()}  # one shared string per code, not one per row


class HotListFileError(ValueError):
    """The file as a whole is unusable (missing, not text, wrong CSV header)."""


@dataclass
class HotList:
    """A loaded list: its version, its entries, and what was rejected or merged."""

    version: ListVersion
    entries: list[HotListEntry] = field(default_factory=list)
    rejections: list[RowError] = field(default_factory=list)
    duplicates: list[tuple[int, int]] = field(default_factory=list)  # (line, merged into line)

    def report(self) -> str:
        """The version line and one line per rejected field, for the administrator."""
        lines = [self.version.summary()]
        lines += [f"  rejected {err}" for err in self.rejections]
        return "\n".join(lines)


def parse_expiry(text: str) -> dt.datetime:
    """An ISO date (valid through that day, UTC) or a date-time with a UTC offset, in UTC;
    a date-time without one is refused (its zone is unknown).

    >>> parse_expiry("2024-05-01").isoformat()
    '2024-05-02T00:00:00+00:00'
    >>> parse_expiry("2024-05-01T12:30-04:00").isoformat()
    '2024-05-01T16:30:00+00:00'
    """
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        day = dt.date.fromisoformat(text)
        return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), dt.UTC)
    return parse_utc(text, "expires_at")


class _Builder:
    """Validates rows one by one and merges duplicates; shared by both file formats."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.entries: dict[tuple[str, str | None, str], HotListEntry] = {}
        self.first_line: dict[tuple[str, str | None, str], int] = {}
        self.rejections: list[RowError] = []
        self.rejected_lines: set[int] = set()
        self.duplicates: list[tuple[int, int]] = []
        self.rows = 0

    def add(self, line: int, plate_raw: str, state_raw: str, category_raw: str,
            reference: str | None = None, expires_raw: str | None = None) -> None:
        self.rows += 1
        errors: list[RowError] = []
        if any("\x00" in (v or "") for v in (plate_raw, state_raw, category_raw, reference,
                                                expires_raw)):
            self.rejections.append(RowError(line, "line", plate_raw[:40],
                                            "contains a NUL character"))
            self.rejected_lines.add(line)
            return
        plate_raw, state_raw, category_raw = plate_raw.strip(), state_raw.strip(), category_raw.strip()
        plate = plate_raw if _CANONICAL.fullmatch(plate_raw) else None
        if plate is None:
            try:
                plate = normalize_entry_plate(plate_raw)
            except PlateTextError as exc:
                errors.append(RowError(line, "plate", plate_raw, str(exc)))
        state: str | None = None
        if state_raw in _CODES:
            state = _CODES[state_raw]
        elif state_raw and state_raw.upper() != UNKNOWN:
            if is_jurisdiction(state_raw):
                state = get_jurisdiction(state_raw).code
            else:
                errors.append(RowError(line, "state", state_raw,
                                       "not a US jurisdiction code or name (leave it empty "
                                       "if the list does not say)"))
        try:
            category = get_category(category_raw)
        except UnknownCategoryError as exc:
            errors.append(RowError(line, "category", category_raw, str(exc)))
        if reference and len(reference.strip()) > MAX_REFERENCE:
            errors.append(RowError(line, "reference", reference.strip()[:40] + "…",
                                   f"{len(reference.strip())} characters, more than the "
                                   f"{MAX_REFERENCE} allowed"))
        expires_at = None
        if expires_raw and expires_raw.strip():
            try:
                expires_at = parse_expiry(expires_raw)
            except ValueError:
                errors.append(RowError(line, "expires_at", expires_raw,
                                       "not an ISO date (2024-05-31) or a date-time with a "
                                       "UTC offset (2024-05-31T18:00:00-04:00)"))
        if errors or plate is None:
            self.rejections.extend(errors)
            self.rejected_lines.add(line)
            return
        entry = HotListEntry(plate=plate, state=state, category=category.code,
                             priority=category.priority, source=self.source,
                             reference=(reference or "").strip() or None,
                             expires_at=expires_at)
        key = entry.key
        first = self.entries.get(key)
        if first is None:
            self.entries[key] = entry
            self.first_line[key] = line
        else:
            self.duplicates.append((line, self.first_line[key]))
            self.entries[key] = _merge(first, entry)

    def result(self, fmt: str, digest: str, loaded_at: dt.datetime) -> HotList:
        version = ListVersion(source=self.source, sha256=digest, format=fmt,
                              loaded_at=loaded_at, rows_read=self.rows,
                              rows_loaded=len(self.entries),
                              rows_rejected=len(self.rejected_lines),
                              duplicates_merged=len(self.duplicates))
        return HotList(version=version, entries=list(self.entries.values()),
                       rejections=self.rejections, duplicates=self.duplicates)


def _merge(first: HotListEntry, dup: HotListEntry) -> HotListEntry:
    """Keep the first row; add a new reference; the later expiry wins (none = never)."""
    refs = [r for r in [*(first.reference or "").split("; "), dup.reference or ""] if r]
    reference = "; ".join(dict.fromkeys(refs)) or None
    expiry = None if first.expires_at is None or dup.expires_at is None \
        else max(first.expires_at, dup.expires_at)
    return replace(first, reference=reference, expires_at=expiry)


def _file_hash(path: Path) -> str:
    if not path.is_file():
        raise HotListFileError(f"{path}: " + ("a folder, not a hot-list file" if path.is_dir()
                                              else "hot-list file not found"))
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) of a UTF-8 file, streamed: lists run to millions of lines."""
    with open(path, "rb") as fh:
        for line, raw in enumerate(fh, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise HotListFileError(f"{path}: line {line} is not UTF-8 text (byte "
                                       f"{exc.start + 1} of the line): export the list as "
                                       f"UTF-8") from exc
            yield line, text.removeprefix("\ufeff") if line == 1 else text


def load_ncic(path: str | Path, source: str | None = None,
              now: dt.datetime | None = None) -> HotList:
    """Load an NCIC-extract-style file: ``PLATE;STATE;CATEGORY[;REFERENCE]`` per line,
    ``#`` comments and blank lines ignored.

    A line ``7ABC123;CA;stolen vehicle;V123`` gives a California stolen-vehicle entry.
    """
    path = Path(path)
    digest = _file_hash(path)
    b = _Builder(source or path.name)
    for line, raw in _lines(path):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        parts = stripped.split(";")
        if len(parts) not in (3, 4):
            b.rows += 1
            b.rejections.append(RowError(line, "line", stripped,
                                         f"expected {NCIC_FIELDS}: 3 or 4 fields separated by "
                                         f"';', found {len(parts)}"))
            b.rejected_lines.add(line)
            continue
        b.add(line, parts[0], parts[1], parts[2], parts[3] if len(parts) == 4 else None)
    return b.result("ncic", digest, now or dt.datetime.now(dt.UTC))


def load_csv(path: str | Path, source: str | None = None,
             now: dt.datetime | None = None) -> HotList:
    """Load a CSV with header ``plate,state,category`` and optional ``reference``,
    ``expires_at`` columns (any order)."""
    path = Path(path)
    digest = _file_hash(path)
    reader = csv.DictReader(line for _, line in _lines(path))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in CSV_REQUIRED if c not in header]
    unknown = [c for c in header if c not in CSV_REQUIRED + CSV_OPTIONAL]
    if missing or unknown:
        problem = (f"missing column(s) {', '.join(missing)}" if missing
                   else f"unknown column(s) {', '.join(unknown)}")
        raise HotListFileError(f"{path}: {problem}; expected header "
                               f"{','.join(CSV_REQUIRED)} plus optionally "
                               f"{','.join(CSV_OPTIONAL)}")
    reader.fieldnames = header
    b = _Builder(source or path.name)
    for row in reader:
        extra = row.pop(None, None)
        if extra:
            b.rows += 1
            b.rejections.append(RowError(reader.line_num, "row", ",".join(extra),
                                         f"more fields than the {len(header)} columns of "
                                         f"the header"))
            b.rejected_lines.add(reader.line_num)
            continue
        if not any((v or "").strip() for v in row.values()):
            continue
        b.add(reader.line_num, row["plate"] or "", row["state"] or "", row["category"] or "",
              row.get("reference"), row.get("expires_at"))
    return b.result("csv", digest, now or dt.datetime.now(dt.UTC))


def load_hotlist(path: str | Path, source: str | None = None,
                 now: dt.datetime | None = None) -> HotList:
    """Load a hot list by its extension: ``.csv`` is CSV, anything else NCIC-style."""
    path = Path(path)
    loader = load_csv if path.suffix.lower() == ".csv" else load_ncic
    return loader(path, source=source, now=now)
