"""OCR-confusable characters (``alpr/data/confusables.yaml``) and their substitution costs."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from alpr._resources import data_path, load_yaml


class ConfusableGroup(BaseModel):
    """Characters that may be read for one another, with the cost of such a swap."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    chars: str = Field(pattern=r"^[A-Z0-9]{2,}$")
    cost: float = Field(ge=0, le=1)


class ConfusableTable(BaseModel):
    """The whole table: groups may overlap; the cheapest shared group wins."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    groups: tuple[ConfusableGroup, ...]

    def cost(self, a: str, b: str) -> float:
        """Substitution cost of reading ``b`` for ``a``: 0 if equal, 1 if not confusable.

        >>> table = load_confusables()
        >>> table.cost("O", "0"), table.cost("A", "A"), table.cost("A", "Z")
        (0.2, 0.0, 1.0)
        """
        if a == b:
            return 0.0
        costs = [g.cost for g in self.groups if a in g.chars and b in g.chars]
        return min(costs, default=1.0)

    def alternatives(self, ch: str) -> set[str]:
        """Characters confusable with ``ch`` (not including itself)."""
        return {c for g in self.groups if ch in g.chars for c in g.chars} - {ch}


def load_confusables(path: Path | None = None) -> ConfusableTable:
    """Load and validate the confusables table."""
    path = path or data_path("confusables.yaml")
    return ConfusableTable.model_validate(load_yaml(path))


@lru_cache(maxsize=1)
def confusables() -> ConfusableTable:
    """The shipped table (cached)."""
    return load_confusables()
