"""The Model page's query: reads per confidence bin (the page itself reads the per-day cache,
:mod:`alpr.dashboards.daily`, which gives the same figures)."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Integer, case, cast, func, select
from sqlalchemy.orm import Session

from alpr.dashboards.filters import Filters
from alpr.dashboards.queries.common import for_cameras, is_sqlite
from alpr.store.schema import Camera, Read

HIST_BINS = 20


def confidence_histogram(s: Session, f: Filters) -> pd.DataFrame:
    """Reads per confidence bin (HIST_BINS equal bins over [0, 1]) in the period."""
    scaled = Read.confidence * HIST_BINS
    bucket = (cast(scaled, Integer) if is_sqlite(s) else cast(func.floor(scaled), Integer))
    b = case((bucket >= HIST_BINS, HIST_BINS - 1), else_=bucket).label("bin")
    stmt = for_cameras(select(b, func.count(Read.id)).join(Camera, Camera.id == Read.camera_id)
                    .where(Read.read_at >= f.t0, Read.read_at < f.t1), f).group_by(b)
    got: dict[int, int] = {int(b): int(n) for b, n in s.execute(stmt).all()}
    return pd.DataFrame({"low": [i / HIST_BINS for i in range(HIST_BINS)],
                         "high": [(i + 1) / HIST_BINS for i in range(HIST_BINS)],
                         "reads": [int(got.get(i, 0)) for i in range(HIST_BINS)]})


