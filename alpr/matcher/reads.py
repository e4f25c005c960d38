"""A plate read as the matcher receives it, and its JSON-lines contract:
``{"id": ..., "text": ..., "state": ..., "state_confidence": ..., "char_confidences": [...]}``
(all but ``text`` optional; the output of ``alpr read`` fits).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from alpr.vocabulary.jurisdictions import UNKNOWN, get_jurisdiction, is_jurisdiction
from alpr.vocabulary.plate_text import PlateTextError, normalize_plate


@dataclass(frozen=True, slots=True)
class Read:
    """One read: canonical text, optional per-character confidences (one per character of
    the canonical text), optional state of issuance (USPS code) and its confidence."""

    text: str
    char_confidences: tuple[float, ...] | None = None
    state: str | None = None
    state_confidence: float | None = None
    id: Any = None


class ReadError(ValueError):
    """A read that cannot be matched; names the field, the value and the rule."""

    def __init__(self, field_name: str, value: object, rule: str) -> None:
        super().__init__(f"{field_name}={value!r}: {rule}")
        self.field = field_name
        self.value = value
        self.rule = rule


def _confidence(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value) \
            or not 0.0 <= value <= 1.0:
        raise ReadError(name, value, "must be a number between 0 and 1")
    return float(value)


def read_from_dict(obj: object, notes: list[str] | None = None) -> Read:
    """Validate one decoded JSON object into a ``Read``.

    With ``notes``, bad ``char_confidences`` (an optional field) are left out and said there,
    so a read whose text is on a list is still matched; without, they are a ``ReadError``.

    >>> read_from_dict({"id": 7, "text": "7abc-123", "state": "California"})
    Read(text='7ABC123', char_confidences=None, state='CA', state_confidence=None, id=7)
    """
    if not isinstance(obj, dict):
        raise ReadError("line", obj, "each line must be a JSON object")
    raw = obj.get("text")
    if not isinstance(raw, str):
        raise ReadError("text", raw, "plate text is required, as a string")
    try:
        text = normalize_plate(raw)
    except PlateTextError as exc:
        raise ReadError("text", raw, str(exc)) from exc
    confs = obj.get("char_confidences")
    char_confidences = None
    if confs is not None:
        try:
            if not isinstance(confs, list) or len(confs) != len(text):
                raise ReadError("char_confidences", confs,
                                f"a list of one confidence per character of {text!r} "
                                f"({len(text)} numbers)")
            char_confidences = tuple(_confidence("char_confidences", c) for c in confs)
        except ReadError as exc:
            if notes is None:
                raise
            notes.append(f"{exc}; matched without them")
    state_raw = obj.get("state")
    state = None
    if state_raw is not None and state_raw != "" and state_raw != UNKNOWN:
        if not isinstance(state_raw, str) or not is_jurisdiction(state_raw):
            raise ReadError("state", state_raw, "not a US jurisdiction code or name (use null "
                            "or omit it when the state is not known)")
        state = get_jurisdiction(state_raw).code
    sc = obj.get("state_confidence")
    state_confidence = None if sc is None else _confidence("state_confidence", sc)
    return Read(text=text, char_confidences=char_confidences, state=state,
                state_confidence=state_confidence, id=obj.get("id"))


def parse_read_line(line: str, notes: list[str] | None = None) -> Read:
    """One JSON line into a ``Read``; ``ReadError`` for bad JSON or a bad field (``notes``:
    see :func:`read_from_dict`)."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ReadError("line", line.strip()[:80], f"not valid JSON ({exc.msg})") from exc
    return read_from_dict(obj, notes)
