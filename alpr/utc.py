"""Times given to the workbench are UTC. A time with an offset (``-05:00``, ``+14:00``) is
converted to UTC; a time without one is refused, since its zone cannot be known.
"""

from __future__ import annotations

import datetime as dt

EXAMPLE = "2026-05-01T08:00:00Z or 2026-05-01T03:00:00-05:00"


def require_utc(ts: dt.datetime, field: str) -> dt.datetime:
    """``ts`` in UTC; a naive time is refused with an error naming ``field``.

    >>> require_utc(dt.datetime(2026, 5, 1, 3, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
    ...             "starts_at").isoformat()
    '2026-05-01T08:00:00+00:00'
    """
    if not isinstance(ts, dt.datetime):
        raise ValueError(f"{field} {ts!r}: must be a date-time with a UTC offset "
                         f"(e.g. {EXAMPLE})")
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise ValueError(f"{field} {ts.isoformat()}: has no UTC offset, so its time zone is "
                         f"unknown; give one (e.g. {EXAMPLE})")
    return ts.astimezone(dt.UTC)


def parse_utc(text: str, field: str) -> dt.datetime:
    """An ISO 8601 date-time with an offset (``Z`` allowed), in UTC.

    >>> parse_utc("2026-05-01T00:00:00+14:00", "--since").isoformat()
    '2026-04-30T10:00:00+00:00'
    """
    try:
        ts = dt.datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{field} {text!r}: not an ISO 8601 date-time (e.g. "
                         f"{EXAMPLE})") from None
    return require_utc(ts, field)
