"""Per-camera, per-day read statistics, computed in SQL once per day and kept.

Reads are immutable once stored: new ones arrive with higher ids, retention deletes the
oldest. So a day's aggregate (reads, confidence sum and histogram, low-confidence count,
plate-box centre sums) stays right until a read with a higher id than any seen lands in it,
or the oldest reads are purged. :class:`DailyReads` keeps the aggregates per database and
day, checks the smallest and largest read id on every use (two index look-ups), recomputes
from the first day that changed, and queries only the days it does not hold yet — so after
the first view a page over millions of reads costs a few small queries. Pages derive their
per-camera totals, quality series and confidence histogram from it.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import Float, Integer, case, cast, func, select
from sqlalchemy.orm import Session

from alpr.dashboards.filters import Filters
from alpr.dashboards.queries.common import LOW_CONFIDENCE, aware
from alpr.dashboards.queries.model import HIST_BINS
from alpr.store.dialect import is_sqlite, utc_day
from alpr.store.schema import Camera, Read

COLUMNS = ["camera_id", "day", "bin", "n", "conf_sum", "low", "cx_sum", "cy_sum", "boxed"]


@dataclass
class _State:
    min_id: int | None = None
    max_id: int | None = None
    days: dict[dt.date, pd.DataFrame] = field(default_factory=dict)


class DailyReads:
    """Thread-safe cache of per-(camera, day, confidence bin) read aggregates."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._states: dict[str, _State] = {}
        self.queries = 0  # SQL aggregate queries run (for tests and the benchmark)

    def clear(self) -> None:
        with self._lock:
            self._states.clear()

    def _invalidate(self, s: Session, st: _State) -> None:
        mn, mx = s.execute(select(func.min(Read.id), func.max(Read.id))).one()
        if st.max_id is not None and (mn != st.min_id or (mx or 0) < st.max_id):
            st.days.clear()  # purged (or emptied): start again
        elif st.max_id is not None and mx != st.max_id:
            first = aware(s.scalar(select(func.min(Read.read_at)).where(Read.id > st.max_id)))
            if first is not None:
                for day in [d for d in st.days if d >= first.date()]:
                    del st.days[day]
        st.min_id, st.max_id = mn, mx or 0

    def _query(self, s: Session, first: dt.date, last: dt.date) -> pd.DataFrame:
        self.queries += 1
        t0 = dt.datetime.combine(first, dt.time(), dt.UTC)
        t1 = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), dt.UTC)
        scaled = Read.confidence * HIST_BINS
        raw = cast(scaled, Integer) if is_sqlite(s) else cast(func.floor(scaled), Integer)
        b = case((raw >= HIST_BINS, HIST_BINS - 1), else_=raw).label("bin")
        day = utc_day(s, Read.read_at).label("day")
        cam = (Read.camera_id + 0).label("camera_id")
        when: Any = Read.read_at
        where: list[Any] = []
        if is_sqlite(s):
            # SQLite: reads are stored roughly in time order, so scan the rowid range that
            # holds the period (found in the time index) instead of looking every read up
            # through the index (10x slower); `+ 0` and coalesce() keep the planner off the
            # indexes for grouping and filtering, which would do exactly that.
            lo, hi = s.execute(select(func.min(Read.id), func.max(Read.id))
                               .where(Read.read_at >= t0, Read.read_at < t1)).one()
            if lo is None:
                return pd.DataFrame(columns=COLUMNS)
            when = func.coalesce(Read.read_at, Read.read_at)
            where.append(Read.id.between(lo, hi))
        stmt = (select(cam, day, b, func.count(Read.id), func.sum(Read.confidence),
                       func.sum(case((Read.confidence < LOW_CONFIDENCE, 1), else_=0)),
                       func.sum(Read.box_x + cast(Read.box_w, Float) / 2),
                       func.sum(Read.box_y + cast(Read.box_h, Float) / 2),
                       func.count(Read.box_x))
                .where(*where, when >= t0, when < t1)
                .group_by(cam, day, b))
        df = pd.DataFrame([tuple(r) for r in s.execute(stmt)], columns=COLUMNS)
        df["day"] = pd.to_datetime(df["day"]).dt.date
        return df

    def frame(self, s: Session, start: dt.date, end: dt.date) -> pd.DataFrame:
        """Aggregates for every day in [start, end], from the cache or SQL (``COLUMNS``)."""
        key = str(s.get_bind().engine.url)
        with self._lock:
            st = self._states.setdefault(key, _State())
            self._invalidate(s, st)
            days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
            missing = [d for d in days if d not in st.days]
            if missing:
                got = self._query(s, missing[0], missing[-1])
                parts = dict(tuple(got.groupby("day"))) if not got.empty else {}
                for d in pd.date_range(missing[0], missing[-1]).date:
                    st.days[d] = parts.get(d, got.iloc[0:0])
            frames = [st.days[d] for d in days if not st.days[d].empty]
        if not frames:
            return pd.DataFrame(columns=COLUMNS)
        return pd.concat(frames, ignore_index=True)

    def for_filters(self, s: Session, f: Filters) -> pd.DataFrame:
        """The period's aggregates for the filters' cameras, with camera names and units."""
        df = self.frame(s, f.start, f.end)
        cams = pd.DataFrame([tuple(r) for r in s.execute(select(Camera.id, Camera.name,
                                                                Camera.unit))],
                            columns=["camera_id", "camera", "unit"])
        df = df.merge(cams, on="camera_id", how="inner")
        if f.camera:
            df = df[df["camera"] == f.camera]
        if f.unit:
            df = df[df["unit"] == f.unit]
        return df.reset_index(drop=True)


def totals(df: pd.DataFrame) -> pd.DataFrame:
    """Per camera: reads, mean confidence, share below LOW_CONFIDENCE (as
    :func:`alpr.dashboards.queries.equipment.read_totals`)."""
    g = df.groupby("camera")[["n", "conf_sum", "low"]].sum()
    return pd.DataFrame({"camera": g.index, "reads": g["n"].astype(int).values,
                         "mean_confidence": (g["conf_sum"] / g["n"]).values,
                         "low_confidence_share": (g["low"] / g["n"]).values})


def quality(df: pd.DataFrame) -> pd.DataFrame:
    """Per camera and day (as :func:`alpr.dashboards.queries.equipment.daily_quality`)."""
    cols = ["camera", "day", "reads", "mean_confidence", "low_share", "box_shift_px"]
    if df.empty:
        return pd.DataFrame(columns=cols)
    g = df.groupby(["camera", "day"])[["n", "conf_sum", "low", "cx_sum", "cy_sum",
                                        "boxed"]].sum().reset_index()
    out = pd.DataFrame({"camera": g["camera"], "day": pd.to_datetime(g["day"]),
                        "reads": g["n"].astype(int), "mean_confidence": g["conf_sum"] / g["n"],
                        "low_share": g["low"] / g["n"]})
    cx, cy = g["cx_sum"] / g["boxed"], g["cy_sum"] / g["boxed"]
    first = pd.DataFrame({"cx": cx, "cy": cy, "camera": g["camera"]}).groupby(
        "camera")[["cx", "cy"]].transform("first")
    out["box_shift_px"] = ((cx - first["cx"]) ** 2 + (cy - first["cy"]) ** 2) ** 0.5
    return out.sort_values(["camera", "day"], ignore_index=True)[cols]


def histogram(df: pd.DataFrame) -> pd.DataFrame:
    """Reads per confidence bin (as :func:`alpr.dashboards.queries.model.confidence_histogram`)."""
    got: dict[Any, Any] = df.groupby("bin")["n"].sum().to_dict() if not df.empty else {}
    return pd.DataFrame({"low": [i / HIST_BINS for i in range(HIST_BINS)],
                         "high": [(i + 1) / HIST_BINS for i in range(HIST_BINS)],
                         "reads": [int(got.get(i, 0)) for i in range(HIST_BINS)]})


DAILY = DailyReads()  # one per process: shared by every session of a server
