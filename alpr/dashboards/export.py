"""Typed CSV exports of the dashboards' tables: numbers stay numbers, "no data" is an empty
cell (never 0 or 100 %), timestamps are ISO 8601 UTC, and every row carries the period and
filters it was computed for (``period_from``, ``period_to``, ``filter_*``).

Pure functions over a DataFrame and :class:`~.filters.Filters`; the audited download button
is :func:`alpr.dashboards.views.common.csv_download`.
"""

from __future__ import annotations

import io

import pandas as pd

from alpr.dashboards.filters import Filters

PERIOD_COLUMNS = ("period_from", "period_to")


def _timestamps(col: pd.Series) -> pd.Series:
    """ISO 8601 text: ``YYYY-MM-DD`` for a column of whole days, else UTC to the second."""
    ts = col if col.dt.tz is None else col.dt.tz_convert("UTC").dt.tz_localize(None)
    midnight = ts.dropna()
    if len(midnight) and (midnight == midnight.dt.normalize()).all():
        return ts.dt.strftime("%Y-%m-%d").where(ts.notna(), None)
    return ts.dt.strftime("%Y-%m-%dT%H:%M:%SZ").where(ts.notna(), None)


def typed_frame(df: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """``df`` as it is exported: the period (and any camera, unit or user filter) as the first
    columns of every row, timestamps as ISO text, durations in hours; numbers, booleans and
    empty cells (no data) untouched.

    >>> import datetime as dt
    >>> f = Filters(dt.date(2026, 5, 1), dt.date(2026, 5, 31), unit="North")
    >>> df = pd.DataFrame({"camera": ["CAM-1", "CAM-2"], "rate": [0.889, None],
    ...                    "at": pd.to_datetime(["2026-05-02 08:30:00", None], utc=True)})
    >>> typed_frame(df, f).to_dict("records")[0]
    {'period_from': '2026-05-01', 'period_to': '2026-05-31', 'filter_unit': 'North', \
'camera': 'CAM-1', 'rate': 0.889, 'at': '2026-05-02T08:30:00Z'}
    """
    out = df.reset_index(drop=True).copy()
    for name in out.columns:
        col = out[name]
        if pd.api.types.is_datetime64_any_dtype(col):
            out[name] = _timestamps(col)
        elif pd.api.types.is_timedelta64_dtype(col):
            out[name] = col.dt.total_seconds() / 3600
            out = out.rename(columns={name: f"{name} (hours)"})
    head = {"period_from": f.start.isoformat(), "period_to": f.end.isoformat()}
    for key in ("camera", "unit", "user"):
        value = getattr(f, key)
        if value is not None:
            head[f"filter_{key}"] = value
    clash = [k for k in head if k in out.columns]
    if clash:
        raise ValueError(f"columns {', '.join(clash)}: reserved for the export's period")
    for i, (key, value) in enumerate(head.items()):
        out.insert(i, key, value)
    return out


def typed_csv(df: pd.DataFrame, f: Filters) -> str:
    """:func:`typed_frame` as CSV text (no index; empty cell = no data)."""
    buf = io.StringIO()
    typed_frame(df, f).to_csv(buf, index=False)
    return buf.getvalue()
