"""US plate-issuing jurisdictions (50 states, DC, territories): codes, names, slogans.

The table is data (``alpr/data/jurisdictions.yaml``) validated on load; lookups accept the
USPS code or the full name, in any case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from alpr._resources import data_path, load_yaml

UNKNOWN = "UNK"
KINDS = ("state", "district", "territory")
_FIELDS = ("code", "name", "kind", "display", "slogans")


@dataclass(frozen=True)
class Jurisdiction:
    """One plate-issuing jurisdiction (validated on construction: a bad field raises
    ``ValueError`` naming it and its rule)."""

    code: str
    name: str
    kind: str
    display: str | None = None
    slogans: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not re.fullmatch(r"[A-Z]{2}", self.code):
            raise ValueError(f"code {self.code!r}: must be two capital letters (USPS code)")
        if not isinstance(self.name, str) or len(self.name) < 3:
            raise ValueError(f"name {self.name!r}: must be text of at least 3 characters")
        if self.kind not in KINDS:
            raise ValueError(f"kind {self.kind!r}: must be one of {', '.join(KINDS)}")
        if self.display is not None and not isinstance(self.display, str):
            raise ValueError(f"display {self.display!r}: must be text")
        slogans = self.slogans
        if isinstance(slogans, str) or not all(isinstance(s, str) for s in slogans):
            raise ValueError(f"slogans {slogans!r}: must be a list of text")
        if any(not s.strip() for s in slogans):
            raise ValueError("slogans: must not be blank")
        object.__setattr__(self, "slogans", tuple(slogans))

    @property
    def plate_name(self) -> str:
        """The name as it is usually printed on the plate."""
        return self.display or self.name

    @classmethod
    def from_row(cls, row: Any) -> Jurisdiction:
        """One table row (a mapping of the five fields; unknown fields are refused)."""
        if not isinstance(row, dict):
            raise ValueError(f"expected a mapping of {', '.join(_FIELDS)}, got {row!r}")
        extra = sorted(set(row) - set(_FIELDS))
        if extra:
            raise ValueError(f"unknown field(s) {', '.join(map(str, extra))}")
        missing = [f for f in ("code", "name", "kind") if f not in row]
        if missing:
            raise ValueError(f"field(s) {', '.join(missing)}: required")
        return cls(**{**row, "slogans": tuple(row.get("slogans") or ())})


class UnknownJurisdictionError(ValueError):
    """Raised for a code or name that is not a US jurisdiction."""


def load_jurisdictions(path: Path | None = None) -> tuple[Jurisdiction, ...]:
    """Load and validate the jurisdiction table; codes and names must be unique."""
    path = path or data_path("jurisdictions.yaml")
    raw = load_yaml(path)
    if not isinstance(raw, list):
        raise ValueError(f"{path}: expected a list of jurisdictions")
    rows: list[Jurisdiction] = []
    for i, row in enumerate(raw, start=1):
        try:
            rows.append(Jurisdiction.from_row(row))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{path}: jurisdiction {i}: {exc}") from None
    items = tuple(rows)
    for attr in ("code", "name"):
        values = [getattr(j, attr).upper() for j in items]
        dupes = sorted({v for v in values if values.count(v) > 1})
        if dupes:
            raise ValueError(f"{path}: duplicate jurisdiction {attr}: {', '.join(dupes)}")
    return items


@lru_cache(maxsize=1)
def all_jurisdictions() -> tuple[Jurisdiction, ...]:
    """Every jurisdiction, in table order (states, DC, then territories)."""
    return load_jurisdictions()


@lru_cache(maxsize=1)
def _index() -> dict[str, Jurisdiction]:
    index: dict[str, Jurisdiction] = {}
    for j in all_jurisdictions():
        index[j.code.upper()] = j
        index[j.name.upper()] = j
        if j.display:
            index[j.display.upper()] = j
    return index


def codes() -> tuple[str, ...]:
    """USPS codes of every jurisdiction, in table order."""
    return tuple(j.code for j in all_jurisdictions())


def get_jurisdiction(key: str) -> Jurisdiction:
    """Find a jurisdiction by USPS code or full name, case-insensitively.

    >>> get_jurisdiction("ca").name
    'California'
    >>> get_jurisdiction("north carolina").code
    'NC'
    """
    j = _index().get(" ".join(key.split()).upper())
    if j is None:
        raise UnknownJurisdictionError(
            f"unknown jurisdiction {key!r}: expected a USPS code (e.g. 'CA') or a full name "
            f"(e.g. 'California') of a US state, DC or territory"
        )
    return j


def is_jurisdiction(key: str) -> bool:
    """True if ``key`` names a jurisdiction (code or name, any case)."""
    return " ".join(key.split()).upper() in _index()
