"""The Equipment page's queries: each camera's service status and reasons, daily read quality
and alignment, faults, times out of service and the decisions around them, and the
reference and latest frames."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, NamedTuple

import pandas as pd
from sqlalchemy import Float, and_, case, cast, func, literal, select
from sqlalchemy.orm import Session

import alpr.health.service as service
from alpr.dashboards.filters import Filters
from alpr.dashboards.queries.common import (
    LOW_CONFIDENCE,
    aware,
    for_cameras,
    to_frame,
)
from alpr.health.severity import classify, recommendation
from alpr.store.dialect import utc_day
from alpr.store.schema import (
    AuditEntry,
    Camera,
    CameraFrame,
    EquipmentCheck,
    EquipmentReport,
    Read,
    User,
)

FRAME_SEARCH_DAYS = 3  # how far into the period to look for a read's image as a frame


def read_totals(s: Session, f: Filters) -> pd.DataFrame:
    """Per camera in the period: reads, mean confidence, share below LOW_CONFIDENCE."""
    stmt = for_cameras(
        select(Camera.name, func.count(Read.id), func.avg(Read.confidence),
               func.avg(case((Read.confidence < LOW_CONFIDENCE, 1.0), else_=0.0)))
        .join(Camera, Camera.id == Read.camera_id)
        .where(Read.read_at >= f.t0, Read.read_at < f.t1).group_by(Camera.name), f)
    return to_frame(s, stmt, ["camera", "reads", "mean_confidence", "low_confidence_share"])


STATUS_COLUMNS = ["camera", "unit", "kind", "status", "recommendation", "clause", "reasons",
                  "last_check", "open_reports", "reads", "mean_confidence",
                  "low_confidence_share"]


def camera_status(s: Session, f: Filters, max_days_between_checks: int = 30,
                  totals: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per camera: service status with every reason, last check, open reports, and
    the period's read volume and mean confidence (``totals``, as :func:`read_totals` gives,
    computed here when not passed)."""
    if totals is None:
        totals = read_totals(s, f)
    by_camera = {r.camera: r for r in totals.itertuples()}
    last = (select(EquipmentCheck.camera_id, func.max(EquipmentCheck.checked_at).label("at"))
            .where(EquipmentCheck.checked_at < f.t1).group_by(EquipmentCheck.camera_id)
            .subquery())
    open_reports = (select(EquipmentReport.camera_id,
                           func.count(EquipmentReport.id).label("n"))
                    .where(EquipmentReport.resolved_at.is_(None),
                           EquipmentReport.kind != "vendor_maintenance")
                    .group_by(EquipmentReport.camera_id).subquery())
    stmt = for_cameras(
        select(Camera.name, Camera.unit, Camera.kind, Camera.in_service,
               Camera.out_of_service_reason, last.c.at, EquipmentCheck.functional,
               EquipmentCheck.alignment_ok, EquipmentCheck.notes,
               func.coalesce(open_reports.c.n, 0))
        .outerjoin(last, last.c.camera_id == Camera.id)
        .outerjoin(EquipmentCheck, and_(EquipmentCheck.camera_id == Camera.id,
                                        EquipmentCheck.checked_at == last.c.at))
        .outerjoin(open_reports, open_reports.c.camera_id == Camera.id)
        .order_by(Camera.name), f)
    rows = []
    due = f.t1 - dt.timedelta(days=max_days_between_checks)
    for (name, unit, kind, in_service, oos_reason, at, functional, aligned, notes,
         n_open) in s.execute(stmt).all():
        got = by_camera.get(name)
        n_reads = int(got.reads) if got is not None else 0
        at = aware(at)
        reasons = []
        if not in_service:
            reasons.append(f"out of service: {oos_reason}")
        if at is None:
            reasons.append("never checked")
        elif at < due:
            reasons.append(f"check overdue (last {at:%Y-%m-%d}, every "
                           f"{max_days_between_checks} days)")
        if at is not None and not (functional and aligned):
            reasons.append(f"last check failed: {notes or 'no notes'}")
        if n_open:
            reasons.append(f"{n_open} open malfunction/damage report(s)")
        if in_service and n_reads == 0:
            reasons.append("no reads in the period")
        # the store's own records only: a source with diagnostics (alpr.health.dashboard)
        # raises a failing camera to "remove from service" (alpr.health.severity)
        sev = classify("ok", bool(in_service), bool(reasons))
        rows.append({"camera": name, "unit": unit or "", "kind": kind, "status": sev.label,
                     "recommendation": recommendation("ok", bool(in_service), oos_reason)
                     if not in_service else sev.action, "clause": sev.clause,
                     "reasons": "; ".join(reasons), "last_check": at,
                     "open_reports": int(n_open), "reads": n_reads,
                     "mean_confidence": float(got.mean_confidence) if got is not None and n_reads
                     else None,
                     "low_confidence_share": float(got.low_confidence_share)
                     if got is not None and n_reads
                     else None})
    return pd.DataFrame(rows, columns=STATUS_COLUMNS)


def daily_quality(s: Session, f: Filters) -> pd.DataFrame:
    """Per camera and UTC day: reads, mean confidence, share below LOW_CONFIDENCE and the
    mean plate-box centre (pixels), whose drift shows a camera knocked out of alignment."""
    day = utc_day(s, Read.read_at).label("day")
    cx = Read.box_x + cast(Read.box_w, Float) / 2
    cy = Read.box_y + cast(Read.box_h, Float) / 2
    stmt = for_cameras(
        select(Camera.name, day, func.count(Read.id), func.avg(Read.confidence),
               func.avg(case((Read.confidence < LOW_CONFIDENCE, 1.0), else_=0.0)),
               func.avg(cx), func.avg(cy))
        .join(Camera, Camera.id == Read.camera_id)
        .where(Read.read_at >= f.t0, Read.read_at < f.t1)
        .group_by(Camera.name, day).order_by(Camera.name, day), f)
    df = to_frame(s, stmt, ["camera", "day", "reads", "mean_confidence", "low_share",
                          "box_cx", "box_cy"])
    df["day"] = pd.to_datetime(df["day"])
    for col in ("mean_confidence", "low_share", "box_cx", "box_cy"):
        df[col] = df[col].astype(float)
    # Alignment shift: distance of the day's mean box centre from the camera's first day.
    first = df.groupby("camera")[["box_cx", "box_cy"]].transform("first")
    df["box_shift_px"] = ((df["box_cx"] - first["box_cx"]) ** 2
                          + (df["box_cy"] - first["box_cy"]) ** 2) ** 0.5
    return df


def fault_events(s: Session, f: Filters) -> pd.DataFrame:
    """Failed checks and malfunction/damage reports in the period: the fault days."""
    checks = for_cameras(
        select(Camera.name, EquipmentCheck.checked_at, literal("failed check"),
               EquipmentCheck.notes)
        .join(Camera, Camera.id == EquipmentCheck.camera_id)
        .where(EquipmentCheck.checked_at >= f.t0, EquipmentCheck.checked_at < f.t1,
               ~and_(EquipmentCheck.functional, EquipmentCheck.alignment_ok)), f)
    reports = for_cameras(
        select(Camera.name, EquipmentReport.reported_at, EquipmentReport.kind,
               EquipmentReport.description)
        .join(Camera, Camera.id == EquipmentReport.camera_id)
        .where(EquipmentReport.reported_at >= f.t0, EquipmentReport.reported_at < f.t1,
               EquipmentReport.kind != "vendor_maintenance"), f)
    df = pd.concat([to_frame(s, checks, ["camera", "at", "event", "detail"]),
                    to_frame(s, reports, ["camera", "at", "event", "detail"])], ignore_index=True)
    df["at"] = pd.to_datetime(df["at"], utc=True)
    return df.sort_values("at", ignore_index=True)


SERVICE_HISTORY = ["camera", "out_from", "back_on", "days", "reason", "ended_by"]
TRAIL = ["camera", "at", "by", "event", "detail"]


def _spells(s: Session, f: Filters) -> list[service.Spell]:
    """Times out of service (:mod:`alpr.health.service`) overlapping the period, for the
    cameras the filters select."""
    names = set(s.scalars(for_cameras(select(Camera.name), f)))
    t0, t1 = pd.Timestamp(f.t0), pd.Timestamp(f.t1)
    return [sp for sp in service.spells(service.load(s)) if sp.camera in names
            and sp.start < t1 and (sp.end is None or sp.end > t0)]


def service_history(s: Session, f: Filters) -> pd.DataFrame:
    """Each time a camera was out of service during the period (failed check, malfunction or
    damage report, removal), newest first: from, back in service (empty: still out), days
    out within the period, why, and what ended it (the passing check, the vendor's record)."""
    t0, t1 = pd.Timestamp(f.t0), pd.Timestamp(f.t1)
    rows = [{"camera": sp.camera, "out_from": sp.start, "back_on": sp.end,
             "days": (min(sp.end or t1, t1) - max(sp.start, t0)).total_seconds() / 86400,
             "reason": sp.reason, "ended_by": sp.ended_by} for sp in _spells(s, f)]
    df = pd.DataFrame(rows, columns=SERVICE_HISTORY)
    for col in ("out_from", "back_on"):
        df[col] = pd.to_datetime(df[col], utc=True)
    return df.sort_values("out_from", ascending=False, ignore_index=True)


def decision_trail(s: Session, f: Filters) -> pd.DataFrame:
    """For every camera out of service at some time in the period: the checks, reports,
    resolutions and service decisions in the period, newest first (who, when, what). Times
    are the records' own (a report's filing and resolution, a check's time); removals and
    restorations that no other record carries come from the audit trail."""
    found = _spells(s, f)
    names = sorted({sp.camera for sp in found})
    if not names:
        return pd.DataFrame(columns=TRAIL)
    ids = dict(s.execute(select(Camera.name, Camera.id).where(Camera.name.in_(names))).all())
    who = dict(s.execute(select(User.id, User.username)).all())
    cam_of = {v: k for k, v in ids.items()}
    rows: list[dict[str, Any]] = []

    def add(camera: str, at: Any, by: str, event: str, detail: str) -> None:
        ts = aware(at)
        if ts is not None and f.t0 <= ts < f.t1:
            rows.append({"camera": camera, "at": ts, "by": by, "event": event,
                         "detail": detail})

    reports = s.execute(select(EquipmentReport.id, EquipmentReport.camera_id,
                               EquipmentReport.kind, EquipmentReport.reported_at,
                               EquipmentReport.reported_by, EquipmentReport.resolved_at,
                               EquipmentReport.description)
                        .where(EquipmentReport.camera_id.in_(list(ids.values())))).all()
    resolver = {target: actor for target, actor in s.execute(
        select(AuditEntry.target, AuditEntry.actor).where(
            AuditEntry.action == "cameras.manage",
            AuditEntry.target.in_([str(r.id) for r in reports])))}
    for r in reports:
        cam = cam_of[r.camera_id]
        add(cam, r.reported_at, who.get(r.reported_by, ""),
            r.kind.replace("_", " ") + (" report filed" if r.kind != "vendor_maintenance"
                                        else " record filed"), r.description)
        add(cam, r.resolved_at, resolver.get(str(r.id), ""),
            r.kind.replace("_", " ") + " report resolved", r.description)
    for c in s.execute(select(EquipmentCheck.camera_id, EquipmentCheck.checked_at,
                              EquipmentCheck.checked_by, EquipmentCheck.functional,
                              EquipmentCheck.alignment_ok, EquipmentCheck.notes)
                       .where(EquipmentCheck.camera_id.in_(list(ids.values())))).all():
        passed = bool(c.functional and c.alignment_ok)
        add(cam_of[c.camera_id], c.checked_at, who.get(c.checked_by, ""),
            "check passed" if passed else "check failed (out of service)", c.notes or "")
    for target, at, actor, detail in s.execute(
            select(AuditEntry.target, AuditEntry.at, AuditEntry.actor, AuditEntry.detail)
            .where(AuditEntry.action == "cameras.manage", AuditEntry.allowed.is_(True),
                   AuditEntry.target.in_(names))).all():
        d = json.loads(detail or "{}")
        if d.get("in_service") is False:
            add(target, at, actor, "removed from service", str(d.get("reason") or ""))
        elif d.get("in_service") is True or d.get("restore"):
            add(target, at, actor, "returned to service", "")
    for sp in found:  # the spells themselves, so the start and end are on the trail
        add(sp.camera, sp.start, "", "out of service", sp.reason)
        if sp.end is not None:
            add(sp.camera, sp.end, "", "back in service", sp.ended_by)
    df = pd.DataFrame(rows, columns=TRAIL)
    df["at"] = pd.to_datetime(df["at"], utc=True)
    return df.sort_values("at", ascending=False, kind="stable", ignore_index=True)


class Frame(NamedTuple):
    """A stored image and when it was taken (UTC)."""

    path: str
    taken_at: dt.datetime | None
    kind: str  # reference | snapshot | read (a read's image, where no snapshot is stored)


def reference_frames(s: Session, f: Filters, camera: str) -> tuple[Frame | None, Frame | None]:
    """The camera's reference frame and its latest snapshot by the period's end
    (``camera_frames``), each with its time; where it has none, the image of its first read
    in the period and of its latest, looked for only within FRAME_SEARCH_DAYS of the
    camera's first and last read (so a camera with millions of reads and no images costs
    short index ranges, not a scan)."""
    frames = (select(CameraFrame.path, CameraFrame.taken_at)
              .join(Camera, Camera.id == CameraFrame.camera_id)
              .where(Camera.name == camera, CameraFrame.taken_at < f.t1)
              .order_by(CameraFrame.taken_at.desc()).limit(1))

    def one(stmt: Any, kind: str) -> Frame | None:
        row = s.execute(stmt).first()
        return Frame(row[0], aware(row[1]), kind) if row is not None and row[0] else None

    ref = one(frames.where(CameraFrame.kind == "reference"), "reference")
    cur = one(frames.where(CameraFrame.kind == "snapshot"), "snapshot")
    if ref and cur:
        return ref, cur
    cam_id = s.scalar(select(Camera.id).where(Camera.name == camera))
    mine = and_(Read.camera_id == cam_id, Read.read_at >= f.t0, Read.read_at < f.t1)
    lo, hi = (aware(t) for t in s.execute(select(func.min(Read.read_at),
                                                  func.max(Read.read_at)).where(mine)).one())
    if lo is None or hi is None:
        return ref, cur
    window = dt.timedelta(days=FRAME_SEARCH_DAYS)
    base = select(Read.image_path, Read.read_at).where(mine, Read.image_path.is_not(None))
    first = ref or one(base.where(Read.read_at < lo + window)
                       .order_by(Read.read_at.asc()).limit(1), "read")
    latest = cur or one(base.where(Read.read_at > hi - window)
                        .order_by(Read.read_at.desc()).limit(1), "read")
    return first, latest


