"""What a contract is: a kind of data, how a file of it becomes a frame, and its suite.

Every expectation in a suite carries ``meta = {"scope": ..., "rule": ...}``:

- ``row``: a failing row is dropped and reported; the good rows are kept;
- ``dataset``: a failure refuses the whole set (e.g. a plate in both train and evaluation);
- ``report``: a failure is reported and nothing is refused (e.g. class balance).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import pandas as pd

Scope = Literal["row", "dataset", "report"]
SCOPES: tuple[Scope, ...] = ("row", "dataset", "report")


class ContractFileError(ValueError):
    """The file cannot be read as this kind of data at all (missing, wrong columns)."""


@dataclass(frozen=True)
class Frame:
    """Data prepared for validation. ``data`` holds the typed and derived columns the suite
    checks; ``raw`` the values as written, for the examples in a report. Both are indexed by
    the line number in the source file."""

    data: pd.DataFrame
    raw: pd.DataFrame
    sources: dict[str, tuple[str, ...]] = field(default_factory=dict)  # derived -> raw columns


@dataclass(frozen=True)
class Contract:
    """One kind of data: its name, how to read a file into a :class:`Frame`, and its suite
    (built from the frame, so rules may depend on the data, e.g. the training states)."""

    kind: str
    title: str
    description: str
    read: Callable[[Path], Frame]
    suite: Callable[[Frame], Any]  # -> great_expectations.ExpectationSuite
    describe: Callable[[Frame], str] | None = None  # extra figures for the report


def rule(expectation_cls: Any, scope: Scope, text: str, **kwargs: Any) -> Any:
    """An expectation with its scope and plain-language rule attached (shown in Data Docs).

    >>> import great_expectations.expectations as gxe  # doctest: +SKIP
    >>> rule(gxe.ExpectColumnValuesToNotBeNull, "row", "every read names its camera",
    ...      column="camera")  # doctest: +SKIP
    """
    if scope not in SCOPES:
        raise ValueError(f"scope {scope!r}: must be one of {', '.join(SCOPES)}")
    return expectation_cls(**kwargs, meta={"scope": scope, "rule": text},
                           notes=f"**{scope}** rule: {text}")


def suite(name: str, description: str, expectations: list[Any]) -> Any:
    """A Great Expectations suite named for its kind of data."""
    import great_expectations as gx

    s = gx.ExpectationSuite(name=name, meta={"notes": description})
    for e in expectations:
        s.add_expectation(e)
    return s
