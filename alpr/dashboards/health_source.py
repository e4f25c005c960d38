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

from typing import NamedTuple, Protocol

import pandas as pd
from sqlalchemy.orm import Session

from alpr.dashboards.daily import DAILY, DailyReads, quality, totals
from alpr.dashboards.filters import Filters
from alpr.dashboards.queries import equipment
from alpr.dashboards.queries.common import LOW_CONFIDENCE
from alpr.dashboards.queries.equipment import Frame


class Metric(NamedTuple):
    """How the Equipment page shows a quality-series column: one figure per metric, so
    each figure has one unit on its axis."""

    title: str
    axis: str  # the y axis label, with its unit
    percent: bool = False
    from_frames: bool = False  # measured against a reference frame (mobile units have none)


# Quality-series columns the Equipment page knows how to label; others are plotted by name.
QUALITY_METRICS: dict[str, Metric] = {
    "mean_confidence": Metric("Mean read confidence by day", "mean confidence (0-1)"),
    "low_share": Metric(f"Share of reads below {LOW_CONFIDENCE:.0%} confidence, by day",
                        "share of the day's reads (%)", percent=True),
    "box_shift_px": Metric("Plate-box centre moved since the camera's first day",
                           "shift (pixels)"),
    "shift_px": Metric("Alignment: shift of the snapshot against the reference frame",
                       "shift (pixels)", from_frames=True),
    "rotation_deg": Metric("Alignment: rotation of the snapshot against the reference frame",
                           "rotation (degrees)", from_frames=True),
    "sharpness": Metric("Focus: sharpness of the snapshot, as a share of the reference's",
                        "sharpness ratio (1 = as sharp)", from_frames=True),
}


class HealthSource(Protocol):
    """What the Equipment-health page needs. Every method gets an open, already authorised
    session and the page's filters.

    - ``camera_status``: columns camera, unit, kind, status (a label of
      :mod:`alpr.health.severity`: ``remove from service``, ``attention``, ``out of
      service``, ``ok``), reasons (text), last_check, open_reports, reads, mean_confidence,
      low_confidence_share; a source with diagnostics adds recommendation and clause.
    - ``quality_series``: columns camera, day, then one column per metric (NaN: not measured).
    - ``fault_events``: columns camera, at, event, detail.
    - ``frames``: (reference, current) :class:`~alpr.dashboards.queries.equipment.Frame`, either None.
    """

    def camera_status(self, s: Session, f: Filters) -> pd.DataFrame: ...

    def quality_series(self, s: Session, f: Filters) -> pd.DataFrame: ...

    def fault_events(self, s: Session, f: Filters) -> pd.DataFrame: ...

    def frames(self, s: Session, f: Filters, camera: str
               ) -> tuple[Frame | None, Frame | None]: ...


class StoreHealth:
    """Health from the store's own tables (cameras, checks, reports, reads); read
    statistics come from the per-day cache (:mod:`alpr.dashboards.daily`)."""

    def __init__(self, max_days_between_checks: int = 30, daily: DailyReads = DAILY) -> None:
        self.max_days_between_checks = max_days_between_checks
        self.daily = daily

    def camera_status(self, s: Session, f: Filters) -> pd.DataFrame:
        return equipment.camera_status(s, f, self.max_days_between_checks,
                                     totals(self.daily.for_filters(s, f)))

    def quality_series(self, s: Session, f: Filters) -> pd.DataFrame:
        return quality(self.daily.for_filters(s, f))

    def fault_events(self, s: Session, f: Filters) -> pd.DataFrame:
        return equipment.fault_events(s, f)

    def frames(self, s: Session, f: Filters, camera: str
               ) -> tuple[Frame | None, Frame | None]:
        return equipment.reference_frames(s, f, camera)
