"""Camera diagnostics on the Equipment-health dashboard page.

:class:`DiagnosticsHealth` is the :class:`~alpr.dashboards.health_source.HealthSource` that
``alpr serve`` and ``alpr demo`` plug in: the store's own figures (service status, checks,
reports, read quality by day) plus what :mod:`alpr.health` finds — each snapshot against its
reference frame (shift, rotation, sharpness), read drift (CUSUM), patrol coverage and misread
rates — with the diagnostics' status, reasons and recommendation per camera.

The assessment is cached per store state (newest read, frame, report and verification) and
frame alignments are cached per file pair, so a page view costs a few queries once warm;
:meth:`DiagnosticsHealth.warm` computes them before the first visitor.
"""

from __future__ import annotations

import math
import threading
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alpr.dashboards.filters import Filters
from alpr.dashboards.health_source import StoreHealth
from alpr.health.report import (
    WINDOW_DAYS,
    CameraHealth,
    HealthConfig,
    aligned_paths,
    assess,
    read_inputs,
)
from alpr.health.severity import OK, classify, rank
from alpr.store.schema import Camera, CameraFrame, EquipmentReport, HitVerification, Read


class DiagnosticsHealth(StoreHealth):
    """The store's figures plus :mod:`alpr.health`'s diagnostics (see the module docstring).

    ``max_reads``: above this many reads in the diagnostics' window the read-drift and patrol
    checks are skipped (the image, misread and equipment checks still run) so a page stays
    quick on a very large store; ``window_days`` is how far back the diagnostics look.
    """

    def __init__(self, cfg: HealthConfig | None = None, window_days: int = WINDOW_DAYS,
                 max_reads: int = 1_000_000, **kw: Any) -> None:
        super().__init__(**kw)
        self.cfg = cfg or HealthConfig()
        self.window_days = window_days
        self.max_reads = max_reads
        self._lock = threading.Lock()
        self._key: tuple[Any, ...] | None = None
        self._report: list[CameraHealth] = []
        self.skipped_reads = False

    def _state(self, s: Session) -> tuple[Any, ...]:
        return (s.scalar(select(func.max(Read.id))), s.scalar(select(func.max(CameraFrame.id))),
                s.scalar(select(func.count(EquipmentReport.id))),
                s.scalar(select(func.max(EquipmentReport.resolved_at))),
                s.scalar(select(func.max(HitVerification.id))))

    def assessment(self, s: Session) -> list[CameraHealth]:
        """Every camera's diagnostics for the store as it is now (cached until it changes)."""
        key = self._state(s)
        with self._lock:
            if key != self._key:
                newest = s.scalar(select(func.max(Read.read_at)))
                since = None
                if newest is not None:
                    since = pd.Timestamp(newest).to_pydatetime() - pd.Timedelta(
                        days=self.window_days).to_pytimedelta()
                n = s.scalar(select(func.count(Read.id)).where(Read.read_at >= since)) \
                    if since is not None else 0
                inputs = read_inputs(s, since if (n or 0) <= self.max_reads else newest)
                self.skipped_reads = (n or 0) > self.max_reads
                self._report, self._key = assess(inputs, self.cfg), key
            return self._report

    def warm(self, s: Session) -> None:
        """Compute the assessment (and every frame alignment) now, before the first visitor."""
        self.assessment(s)

    def camera_status(self, s: Session, f: Filters) -> pd.DataFrame:
        """The store's rows with the diagnostics' severity (:mod:`alpr.health.severity`): a
        camera failing them while in service is "remove from service", its recommendation
        and reasons first; the most urgent cameras first."""
        base = super().camera_status(s, f)
        diag = {h.camera: h for h in self.assessment(s)}
        statuses, reasons, recs, clauses = [], [], [], []
        for row in base.itertuples():
            h = diag.get(row.camera)
            in_service = row.status != "out of service"
            sev = classify(h.status if h is not None else "ok", in_service,
                           row.status != OK.label)
            why = "; ".join([r for r in (*(h.reasons if h is not None else ()), row.reasons)
                             if r])
            statuses.append(sev.label)
            reasons.append(why)
            recs.append(h.recommendation if h is not None and (h.status != "ok"
                                                                or not in_service)
                        else row.recommendation)
            clauses.append(sev.clause)
        out = base.assign(status=statuses, reasons=reasons, recommendation=recs,
                          clause=clauses)
        return out.sort_values("status", key=lambda c: c.map(rank), kind="stable",
                               ignore_index=True)

    def quality_series(self, s: Session, f: Filters) -> pd.DataFrame:
        base = super().quality_series(s, f)
        rows = []
        frames = s.execute(self._frames_query(f)).all()
        refs = {cam: path for cam, kind, _, path in frames if kind == "reference"}
        for cam, kind, taken, path in frames:
            if kind != "snapshot" or cam not in refs:
                continue
            try:
                a = aligned_paths(refs[cam], path, self.cfg.alignment)
            except (ValueError, OSError):
                continue
            rows.append({"camera": cam, "day": pd.Timestamp(taken).normalize().tz_localize(None),
                         "shift_px": math.hypot(a.dx_px, a.dy_px),
                         "rotation_deg": a.rotation_deg, "sharpness": a.sharpness_ratio})
        if not rows:
            return base
        align = pd.DataFrame(rows).groupby(["camera", "day"], as_index=False).last()
        base = base.assign(day=pd.to_datetime(base["day"]).dt.tz_localize(None)) \
            if len(base) else base
        # The measured shift replaces the plate-box proxy (one plot fewer to draw); read drift
        # in the plate position still reaches the camera's reasons through the CUSUM.
        base = base.drop(columns=["box_shift_px"], errors="ignore")
        return base.merge(align, on=["camera", "day"], how="outer").sort_values(
            ["camera", "day"], ignore_index=True)

    def _frames_query(self, f: Filters) -> Any:
        q = (select(Camera.name, CameraFrame.kind, CameraFrame.taken_at, CameraFrame.path)
             .join(Camera, Camera.id == CameraFrame.camera_id)
             .where((CameraFrame.kind == "reference") | (
                 (CameraFrame.taken_at >= f.t0) & (CameraFrame.taken_at < f.t1)))
             .order_by(CameraFrame.taken_at))
        if f.camera:
            q = q.where(Camera.name == f.camera)
        if f.unit:
            q = q.where(Camera.unit == f.unit)
        return q

    def fault_events(self, s: Session, f: Filters) -> pd.DataFrame:
        base = super().fault_events(s, f)
        events = []
        for h in self.assessment(s):
            if (f.camera and h.camera != f.camera) or not h.first_flagged:
                continue
            at = pd.Timestamp(h.first_flagged, tz="UTC")
            if f.t0 <= at.to_pydatetime() < f.t1:
                events.append({"camera": h.camera, "at": at, "event": "diagnostics",
                               "detail": "; ".join(h.reasons)})
        if not events:
            return base
        return pd.concat([base, pd.DataFrame(events)], ignore_index=True).sort_values(
            "at", ignore_index=True)
