"""Hot-list categories (``alpr/data/hotlist_categories.yaml``): code, name, priority, aliases.

Categories are data, validated on load; lookups accept the code, the name or an alias in any
case, so imported files may spell them the way their source system does.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from alpr._resources import data_path, load_yaml


class Category(BaseModel):
    """One category; ``priority`` 1 is the most urgent."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[a-z][a-z_]*$")
    name: str = Field(min_length=2)
    priority: int = Field(ge=1, le=9)
    aliases: tuple[str, ...] = ()


class CategoryTable(BaseModel):
    """Every category; codes, names and aliases must not collide."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    categories: tuple[Category, ...] = Field(min_length=1)

    def model_post_init(self, __context: object) -> None:
        seen: dict[str, str] = {}
        for c in self.categories:
            for key in (c.code, c.name, *c.aliases):
                k = _key(key)
                if k in seen and seen[k] != c.code:
                    raise ValueError(f"category spelling {key!r} is used by both "
                                     f"{seen[k]!r} and {c.code!r}")
                seen[k] = c.code

    def get(self, key: str) -> Category:
        """The category spelled ``key`` (code, name or alias, any case).

        >>> table = load_categories()
        >>> table.get("Stolen Vehicle").code, table.get("sv").priority
        ('stolen_vehicle', 2)
        """
        for c in self.categories:
            if _key(key) in {_key(s) for s in (c.code, c.name, *c.aliases)}:
                return c
        raise UnknownCategoryError(
            f"unknown hot-list category {key!r}: expected one of "
            f"{', '.join(c.code for c in self.categories)} (or its name or alias)"
        )

    def codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.categories)


class UnknownCategoryError(ValueError):
    """Raised for a category spelling that is not in the table."""


def _key(text: str) -> str:
    return " ".join(text.replace("_", " ").split()).upper()


def load_categories(path: Path | None = None) -> CategoryTable:
    """Load and validate the categories table."""
    path = path or data_path("hotlist_categories.yaml")
    return CategoryTable.model_validate(load_yaml(path))


@lru_cache(maxsize=1)
def categories() -> CategoryTable:
    """The shipped table (cached)."""
    return load_categories()


@lru_cache(maxsize=256)
def get_category(key: str) -> Category:
    """Category lookup on the shipped table (cached: imports call it once per row)."""
    return categories().get(key)
