"""The seam between the Equipment-health page and camera diagnostics.

The page asks a :class:`HealthSource` for per-camera status, quality series over time, fault
events and reference/current frames. :class:`StoreHealth` answers from the records store with
SQL aggregates (read confidence, plate-box drift as an alignment proxy). Camera diagnostics
(``alpr.health``: alignment shift, rotation, sharpness, read-quality drift) plug in by
passing another object with the same methods to :func:`alpr.dashboards.serve` (``health=``)
or :class:`~alpr.dashboards.store.DashboardStore` — the views plot every metric column a
source returns (see :data:`QUALITY_METRICS`).
"""

from __future__ import annotations

from typing import Protocol

import pandas as pd
from sqlalchemy.orm import Session

from alpr.dashboards import queries
from alpr.dashboards.daily import DAILY, DailyReads, quality, totals
from alpr.dashboards.filters import Filters

# Quality-series columns the Equipment page knows how to label; others are plotted by name.
QUALITY_METRICS: dict[str, str] = {
    "mean_confidence": "mean read confidence",
    "low_share": f"share of reads below {queries.LOW_CONFIDENCE:.0%} confidence",
    "box_shift_px": "alignment shift: plate-box centre vs first day (px)",
    "shift_px": "alignment shift (px)",
    "rotation_deg": "rotation (degrees)",
    "sharpness": "sharpness",
}


class HealthSource(Protocol):
    """What the Equipment-health page needs. Every method gets an open, already authorised
    session and the page's filters.

    - ``camera_status``: columns camera, unit, kind, status (``ok``/``attention``/
      ``out of service``), reasons (text), last_check, open_reports, reads, mean_confidence,
      low_confidence_share.
    - ``quality_series``: columns camera, day, then one column per metric.
    - ``fault_events``: columns camera, at, event, detail.
    - ``frames``: (reference image path, current image path), either may be None.
    """

    def camera_status(self, s: Session, f: Filters) -> pd.DataFrame: ...

    def quality_series(self, s: Session, f: Filters) -> pd.DataFrame: ...

    def fault_events(self, s: Session, f: Filters) -> pd.DataFrame: ...

    def frames(self, s: Session, f: Filters, camera: str) -> tuple[str | None, str | None]: ...


class StoreHealth:
    """Health from the store's own tables (cameras, checks, reports, reads); read
    statistics come from the per-day cache (:mod:`alpr.dashboards.daily`)."""

    def __init__(self, max_days_between_checks: int = 30, daily: DailyReads = DAILY) -> None:
        self.max_days_between_checks = max_days_between_checks
        self.daily = daily

    def camera_status(self, s: Session, f: Filters) -> pd.DataFrame:
        return queries.camera_status(s, f, self.max_days_between_checks,
                                     totals(self.daily.for_filters(s, f)))

    def quality_series(self, s: Session, f: Filters) -> pd.DataFrame:
        return quality(self.daily.for_filters(s, f))

    def fault_events(self, s: Session, f: Filters) -> pd.DataFrame:
        return queries.fault_events(s, f)

    def frames(self, s: Session, f: Filters, camera: str) -> tuple[str | None, str | None]:
        return queries.reference_frames(s, f, camera)
