"""US plate-issuing jurisdictions (50 states, DC, territories): codes, names, slogans.

The table is data (``alpr/data/jurisdictions.yaml``) validated on load; lookups accept the
USPS code or the full name, in any case.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

from alpr._resources import data_path, load_yaml

UNKNOWN = "UNK"


class Jurisdiction(BaseModel):
    """One plate-issuing jurisdiction."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[A-Z]{2}$")
    name: str = Field(min_length=3)
    kind: Literal["state", "district", "territory"]
    display: str | None = None
    slogans: tuple[str, ...] = ()

    @property
    def plate_name(self) -> str:
        """The name as it is usually printed on the plate."""
        return self.display or self.name

    @field_validator("slogans")
    @classmethod
    def _slogans_not_blank(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if any(not s.strip() for s in v):
            raise ValueError("slogans must not be blank")
        return v


class UnknownJurisdictionError(ValueError):
    """Raised for a code or name that is not a US jurisdiction."""


def load_jurisdictions(path: Path | None = None) -> tuple[Jurisdiction, ...]:
    """Load and validate the jurisdiction table; codes and names must be unique."""
    path = path or data_path("jurisdictions.yaml")
    raw = load_yaml(path)
    items = TypeAdapter(tuple[Jurisdiction, ...]).validate_python(raw)
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
