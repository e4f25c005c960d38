"""The filters every page shares (period, camera, unit, user), as a frozen value.

Pages pass them to each other in the address (``?start=2026-05-01&end=2026-05-31&unit=North``)
so a filter set on one page holds on the next.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlencode

KEYS = ("start", "end", "camera", "unit", "user")


@dataclass(frozen=True)
class Filters:
    """Inclusive date period (UTC days) and optional camera, unit and user names."""

    start: dt.date
    end: dt.date
    camera: str | None = None
    unit: str | None = None
    user: str | None = None

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"end {self.end}: must not be before start {self.start}")

    @property
    def t0(self) -> dt.datetime:
        """Start of the period (aware, UTC)."""
        return dt.datetime.combine(self.start, dt.time(), dt.UTC)

    @property
    def t1(self) -> dt.datetime:
        """End of the period, exclusive: midnight after ``end`` (aware, UTC)."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), dt.UTC)

    def as_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, dt.date) else v)
                for k, v in asdict(self).items() if v is not None}

    def query_string(self) -> str:
        return "?" + urlencode(self.as_dict())


def parse(args: dict[str, str], default_end: dt.date, default_days: int = 30) -> Filters:
    """Filters from query arguments; missing dates default to ``default_days`` ending at
    ``default_end``. Bad values raise ``ValueError`` naming the field and the rule."""
    def date(key: str, fallback: dt.date) -> dt.date:
        raw = args.get(key)
        if not raw:
            return fallback
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            raise ValueError(f"{key} {raw!r}: must be a date YYYY-MM-DD") from None

    end = date("end", default_end)
    start = date("start", end - dt.timedelta(days=default_days - 1))
    return Filters(start, end, args.get("camera") or None, args.get("unit") or None,
                   args.get("user") or None)
