"""The simulated clock: a simulated day and hour as a UTC time, and the naive UTC time the
store gives back (SQLite keeps no offset), so both can key the same record."""

from __future__ import annotations

import datetime as dt


def at_hour(day: dt.date, hour: float) -> dt.datetime:
    """``hour`` (fractional) of ``day``, in UTC.

    >>> at_hour(dt.date(2026, 5, 1), 7.25).isoformat()
    '2026-05-01T07:15:00+00:00'
    """
    return dt.datetime.combine(day, dt.time(), dt.UTC) + dt.timedelta(hours=hour)


def naive(ts: dt.datetime) -> dt.datetime:
    """``ts`` as a naive UTC time (an aware time converted first; a naive one kept).

    >>> naive(at_hour(dt.date(2026, 5, 1), 7.25)).isoformat()
    '2026-05-01T07:15:00'
    """
    return ts.astimezone(dt.UTC).replace(tzinfo=None) if ts.tzinfo else ts
