"""Times in the store are UTC. SQLite keeps a date-time as text without its offset, so a
``-05:00`` time stored as written would be five hours off against the UTC reads around it (a
hold window that misses its reads): :class:`UTCDateTime` converts every time bound to a
column to UTC first. Times from users go through :mod:`alpr.utc` (naive ones refused).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[dt.datetime]):
    """``DateTime(timezone=True)`` that binds every aware time as UTC (naive times are taken
    as UTC, as the store always has)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value
