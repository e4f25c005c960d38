"""Serial formats of each jurisdiction (``alpr/data/formats.yaml``), validated on load.

A pattern is a string over ``L`` (letter), ``D`` (digit), ``X`` (either) and the printed
separators ``-`` and space. Formats are used to synthesise plausible serials and to rank
OCR candidates; they never add characters to a read.
"""

from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from alpr._resources import data_path, load_yaml
from alpr.vocabulary.jurisdictions import codes

VANITY = "*"
_SLOT_CHARS = {"L": string.ascii_uppercase, "D": string.digits,
               "X": string.ascii_uppercase + string.digits}


_PATTERN = re.compile(r"[LDX][LDX\- ]*[LDX]")


@dataclass(frozen=True)
class SerialFormat:
    """One serial pattern, e.g. ``LLL-DDDD`` (validated on construction: a bad field raises
    ``ValueError`` naming it and its rule)."""

    pattern: str
    weight: float = 1.0
    note: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.pattern, str) or not _PATTERN.fullmatch(self.pattern):
            raise ValueError(f"pattern {self.pattern!r}: must be L, D or X (letter, digit, "
                             f"either) with '-' or ' ' between them")
        if isinstance(self.weight, bool) or not isinstance(self.weight, int | float) \
                or not self.weight > 0:
            raise ValueError(f"weight {self.weight!r}: must be a number greater than 0")
        if self.note is not None and not isinstance(self.note, str):
            raise ValueError(f"note {self.note!r}: must be text")
        object.__setattr__(self, "weight", float(self.weight))

    @classmethod
    def from_row(cls, row: Any) -> SerialFormat:
        if not isinstance(row, dict):
            raise ValueError(f"expected a mapping of pattern, weight, note, got {row!r}")
        extra = sorted(set(row) - {"pattern", "weight", "note"})
        if extra:
            raise ValueError(f"unknown field(s) {', '.join(map(str, extra))}")
        if "pattern" not in row:
            raise ValueError("field pattern: required")
        return cls(**row)

    @property
    def slots(self) -> str:
        """The pattern without separators: one letter per plate character."""
        return self.pattern.replace("-", "").replace(" ", "")

    @cached_property
    def regex(self) -> re.Pattern[str]:
        """Regex matching canonical plate text of this format."""
        parts = {"L": "[A-Z]", "D": "[0-9]", "X": "[A-Z0-9]"}
        return re.compile("^" + "".join(parts[c] for c in self.slots) + "$")

    def matches(self, plate: str) -> bool:
        """True if canonical ``plate`` fits this format (``LLL-DDDD`` matches ``ABC1234``)."""
        return bool(self.regex.match(plate))

    def sample(self, rng: random.Random) -> tuple[str, str]:
        """A random serial: (canonical text, text as printed with separators)."""
        printed = "".join(
            rng.choice(_SLOT_CHARS[c]) if c in _SLOT_CHARS else c for c in self.pattern
        )
        return printed.replace("-", "").replace(" ", ""), printed


def load_formats(path: Path | None = None) -> dict[str, tuple[SerialFormat, ...]]:
    """Load and validate the formats table; keys must be known codes or ``*``."""
    path = path or data_path("formats.yaml")
    raw = load_yaml(path)
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a mapping of jurisdiction code to formats")
    known = set(codes()) | {VANITY}
    unknown = sorted(k for k in raw if k not in known)
    if unknown:
        raise ValueError(f"{path}: unknown jurisdiction codes: {', '.join(map(str, unknown))}")
    table = {}
    for key, value in raw.items():
        try:
            if not isinstance(value, list):
                raise ValueError("expected a list of formats")
            table[key] = tuple(SerialFormat.from_row(row) for row in value)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{path}: formats of {key}: {exc}") from exc
    missing = sorted(set(codes()) - set(table))
    if missing:
        raise ValueError(f"{path}: no formats for: {', '.join(missing)}")
    return table


@lru_cache(maxsize=1)
def all_formats() -> dict[str, tuple[SerialFormat, ...]]:
    """The shipped formats table (cached)."""
    return load_formats()


def formats_for(code: str) -> tuple[SerialFormat, ...]:
    """Standard (non-vanity) formats of a jurisdiction."""
    return all_formats()[code.upper()]


@lru_cache(maxsize=65536)
def fits_any_format(plate: str, code: str) -> bool:
    """True if ``plate`` fits one of the jurisdiction's standard formats (cached: the reader
    asks it for every candidate of every read).

    >>> fits_any_format("7ABC123", "CA")
    True
    >>> fits_any_format("ABC12", "CA")
    False
    """
    return any(f.matches(plate) for f in formats_for(code))


def sample_serial(code: str, rng: random.Random, vanity_rate: float = 0.1) -> tuple[str, str]:
    """A plausible (canonical, printed) serial for a jurisdiction."""
    pool = all_formats()[VANITY] if rng.random() < vanity_rate else formats_for(code)
    fmt = rng.choices(pool, weights=[f.weight for f in pool])[0]
    return fmt.sample(rng)
