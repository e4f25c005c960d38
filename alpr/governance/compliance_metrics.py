"""The compliance metric catalog (``alpr/data/compliance_metrics.yaml``): each metric's key,
policy clause, label, target, how its value is computed and shown. The governance summary,
the Compliance page, its CSV export and the annual report all read it from here.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from alpr._resources import data_path, load_yaml
from alpr.health.misreads import HIT_ERRORS

AT_PERIOD_END = " (at period end)"


class Metric(BaseModel):
    """One compliance metric (the fields are described in the YAML file's header)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    clause: str = Field(min_length=1)
    label: str = Field(min_length=1)
    at_period_end: bool = False
    kind: Literal["share", "count", "rate", "mean", "hours"]
    unit: Literal["share", "count", "hours"]
    target: float | None = None
    target_is: Literal["min", "max", "info"]
    rate_of: tuple[str, ...] = ()
    column: str = ""
    description: str = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Metric:
        where = f"metric {self.key!r}"
        if (self.target is None) != (self.target_is == "info"):
            raise ValueError(f"{where}: target {self.target!r} with target_is "
                             f"{self.target_is!r}: a target needs min or max, info none")
        if self.unit == "share" and self.target is not None and not 0 <= self.target <= 1:
            raise ValueError(f"{where}: target {self.target!r}: a share's target is in [0, 1]")
        if self.kind == "rate" and not (self.rate_of and set(self.rate_of) <= set(HIT_ERRORS)):
            raise ValueError(f"{where}: rate_of {list(self.rate_of)!r}: a rate needs causes "
                             f"from {', '.join(HIT_ERRORS)}")
        if (self.kind == "mean") != bool(self.column):
            raise ValueError(f"{where}: column {self.column!r}: a mean (and only a mean) "
                             f"names its column")
        return self

    @property
    def page_label(self) -> str:
        """The label as the Compliance page and its CSV show it.

        >>> metric("certified_users").page_label
        'users with current training and certification (at period end)'
        """
        return self.label + (AT_PERIOD_END if self.at_period_end else "")

    @property
    def judged(self) -> bool:
        """Whether the value is judged against a target (else only monitored)."""
        return self.target is not None and self.target_is != "info"

    @property
    def direction(self) -> str:
        """How the value must stand to the target: ``at least``, ``at most`` or empty."""
        return {"min": "at least", "max": "at most"}.get(self.target_is, "")

    def shown_target(self) -> str:
        """The target as the page shows it.

        >>> metric("patrol_time").shown_target(), metric("hotlist_age").shown_target()
        ('≥ 95%', '≤ 24')
        >>> metric("misread_rate").shown_target()
        'monitor'
        """
        if not self.judged:
            return "monitor"
        sign = "≥" if self.target_is == "min" else "≤"
        return f"{sign} {self._number()}"

    def target_words(self) -> str:
        """The target as the annual report writes it.

        >>> metric("patrol_time").target_words(), metric("unverified_hits").target_words()
        ('at least 95%', 'at most 0')
        """
        return f"{self.direction} {self._number()}" if self.judged else "–"

    def _number(self) -> str:
        assert self.target is not None
        return f"{100 * self.target:g}%" if self.unit == "share" else f"{self.target:g}"


def load_catalog(path: Path | None = None) -> tuple[Metric, ...]:
    """Load and validate a catalog; errors name the file, the metric and the field."""
    path = path or data_path("compliance_metrics.yaml")
    raw = load_yaml(path)
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"{path}: must be a list of metrics")
    out = []
    for i, entry in enumerate(raw):
        try:
            out.append(Metric.model_validate(entry))
        except ValidationError as exc:
            key = entry.get("key") if isinstance(entry, dict) else None
            raise ValueError(f"{path}: metric {i + 1} ({key or 'no key'}): {exc}") from None
    keys = [m.key for m in out]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise ValueError(f"{path}: key(s) {', '.join(twice)} listed more than once")
    return tuple(out)


@lru_cache(maxsize=1)
def catalog() -> tuple[Metric, ...]:
    """The shipped catalog (cached), in the page's order."""
    return load_catalog()


def metric(key: str) -> Metric:
    """The catalog entry for ``key``; ValueError naming the known keys otherwise."""
    for m in catalog():
        if m.key == key:
            return m
    raise ValueError(f"metric {key!r}: not in the catalog; one of "
                     f"{', '.join(m.key for m in catalog())}")


def metric_keys() -> tuple[str, ...]:
    """Every metric's key, in the catalog's order."""
    return tuple(m.key for m in catalog())
