"""Validation of incoming reads (JSONL or CSV), row by row, before anything is stored.

Each row becomes either a clean dict ready for the ``reads`` table or a :class:`RowError`
naming its line, field, value and rule. Pure: no database.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alpr.datasets import RowError
from alpr.jurisdictions import UnknownJurisdictionError, get_jurisdiction
from alpr.plate_text import PlateTextError, normalize_plate

SHA256 = re.compile(r"^[0-9a-f]{64}$")
CSV_COLUMNS = ("read_at", "camera", "plate", "state", "confidence", "state_confidence",
               "image_path", "image_sha256", "model_version", "box_x", "box_y", "box_w", "box_h")


def iter_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    """(line number, raw row or parse error) from a ``.jsonl`` or ``.csv`` file."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in ("read_at", "camera", "plate") if c not in (reader.fieldnames
                                                                            or [])]
            if missing:
                raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
            for line, row in enumerate(reader, start=2):
                yield line, {k: v for k, v in row.items() if v not in ("", None)}
        return
    with open(path, encoding="utf-8") as fh:
        for line, text in enumerate(fh, start=1):
            if not text.strip():
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                yield line, RowError(line, "(line)", text.strip()[:60], f"not valid JSON: {exc}")
                continue
            if not isinstance(obj, dict):
                yield line, RowError(line, "(line)", text.strip()[:60], "must be a JSON object")
                continue
            yield line, obj


def _prob(row: dict[str, Any], key: str, line: int, required: bool) -> float | None:
    if row.get(key) is None:
        if required:
            raise _Bad(RowError(line, key, "", "required"))
        return None
    try:
        value = float(row[key])
    except (TypeError, ValueError):
        raise _Bad(RowError(line, key, str(row[key]), "must be a number")) from None
    if not 0.0 <= value <= 1.0:
        raise _Bad(RowError(line, key, str(row[key]), "must be between 0 and 1"))
    return value


class _Bad(Exception):
    def __init__(self, error: RowError) -> None:
        self.error = error


def _time(row: dict[str, Any], line: int) -> dt.datetime:
    raw = row.get("read_at")
    if not raw:
        raise _Bad(RowError(line, "read_at", "", "required"))
    try:
        ts = dt.datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        raise _Bad(RowError(line, "read_at", str(raw), "must be an ISO 8601 time")) from None
    if ts.tzinfo is None:
        raise _Bad(RowError(line, "read_at", str(raw),
                            "must carry a time zone (e.g. 2026-05-01T08:00:00Z)"))
    return ts.astimezone(dt.UTC)


def _box(row: dict[str, Any], line: int) -> list[int | None]:
    raw = [row.get(k) for k in ("box_x", "box_y", "box_w", "box_h")]
    if isinstance(row.get("box"), list | tuple) and len(row["box"]) == 4:
        raw = list(row["box"])
    if all(b is None for b in raw):
        return [None, None, None, None]
    try:
        x, y, w, h = (int(b) for b in raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise _Bad(RowError(line, "box", str(raw), "x, y, w, h must be integers")) from None
    if w <= 0 or h <= 0 or x < 0 or y < 0:
        raise _Bad(RowError(line, "box", str(raw), "needs x, y >= 0 and w, h > 0"))
    return [x, y, w, h]


def validate(row: dict[str, Any], line: int) -> dict[str, Any] | RowError:
    """A clean ``reads`` row (camera still by name) or the first rule the row breaks."""
    try:
        read_at = _time(row, line)
        camera = str(row.get("camera") or "").strip()
        if not camera:
            raise _Bad(RowError(line, "camera", "", "required"))
        try:
            plate = normalize_plate(str(row.get("plate") or ""))
        except PlateTextError as exc:
            raise _Bad(RowError(line, "plate", str(row.get("plate", "")), str(exc))) from None
        state = None
        if row.get("state"):
            try:
                state = get_jurisdiction(str(row["state"])).code
            except UnknownJurisdictionError as exc:
                raise _Bad(RowError(line, "state", str(row["state"]), str(exc))) from None
        sha = row.get("image_sha256")
        if sha is not None and not SHA256.match(str(sha)):
            raise _Bad(RowError(line, "image_sha256", str(sha), "must be 64 lower-case hex"))
        chars = row.get("char_confidences")
        if chars is not None and (not isinstance(chars, list) or len(chars) != len(plate)
                                  or not all(isinstance(c, int | float) and 0 <= c <= 1
                                             for c in chars)):
            raise _Bad(RowError(line, "char_confidences", str(chars)[:40],
                                "must be one number in [0, 1] per plate character"))
        box = _box(row, line)
        return {
            "read_at": read_at, "camera": camera, "plate": plate, "state": state,
            "confidence": _prob(row, "confidence", line, required=True),
            "state_confidence": _prob(row, "state_confidence", line, required=False),
            "char_confidences": json.dumps(chars) if chars is not None else None,
            "box_x": box[0], "box_y": box[1], "box_w": box[2], "box_h": box[3],
            "image_path": row.get("image_path"), "image_sha256": sha,
            "model_version": row.get("model_version"),
        }
    except _Bad as bad:
        return bad.error
