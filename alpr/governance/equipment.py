"""Equipment checks, malfunction and damage reports, and removal from service (policy II.B,
VI): a failed check or a reported malfunction or damage takes the camera out of service at
once, and it returns only after a passing check with every report resolved.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alpr.governance.access import Actor, Governance
from alpr.store.schema import (
    Camera,
    CameraFrame,
    CameraSession,
    EquipmentCheck,
    EquipmentReport,
)


def _camera(s: Session, name: str) -> Camera:
    cam = s.execute(select(Camera).where(Camera.name == name)).scalar_one_or_none()
    if cam is None:
        raise ValueError(f"camera {name!r}: no such camera")
    return cam


def _aware(ts: dt.datetime) -> dt.datetime:
    """SQLite returns naive UTC datetimes; PostgreSQL aware ones."""
    return ts if ts.tzinfo else ts.replace(tzinfo=dt.UTC)


def record_check(gov: Governance, actor: Actor, camera: str, functional: bool,
                 alignment_ok: bool, notes: str | None = None,
                 at: dt.datetime | None = None) -> bool:
    """Record a check; returns whether the camera is in service afterwards."""
    passed = functional and alignment_ok
    if not passed and not (notes and notes.strip()):
        raise ValueError("notes: required when a check fails (what is wrong)")
    with gov._tx() as s:
        gov.authorize(s, actor, "equipment.check", camera,
                      {"functional": functional, "alignment_ok": alignment_ok})
        cam = _camera(s, camera)
        check = EquipmentCheck(camera_id=cam.id, checked_by=actor.id,
                               checked_at=at or dt.datetime.now(dt.UTC), functional=functional,
                               alignment_ok=alignment_ok, notes=notes)
        s.add(check)
        if not passed:
            cam.in_service = False
            what = "not functional" if not functional else "out of alignment"
            cam.out_of_service_reason = f"failed equipment check ({what}): {notes}"
        return cam.in_service


def report_problem(gov: Governance, actor: Actor, camera: str, kind: str,
                   description: str, at: dt.datetime | None = None) -> int:
    """Report a malfunction or damage; the camera leaves service until it is fixed."""
    if kind not in ("malfunction", "damage", "vendor_maintenance"):
        raise ValueError(f"kind {kind!r}: must be malfunction, damage or vendor_maintenance")
    with gov._tx() as s:
        gov.authorize(s, actor, "equipment.report", camera, {"kind": kind})
        cam = _camera(s, camera)
        rep = EquipmentReport(camera_id=cam.id, kind=kind, description=description,
                              reported_by=actor.id, reported_at=at or dt.datetime.now(dt.UTC))
        s.add(rep)
        if kind != "vendor_maintenance":
            cam.in_service = False
            cam.out_of_service_reason = f"{kind} reported: {description}"
        s.flush()
        return rep.id


def resolve_report(gov: Governance, actor: Actor, report_id: int,
                   vendor_notified: bool = True, at: dt.datetime | None = None) -> None:
    with gov._tx() as s:
        gov.authorize(s, actor, "cameras.manage", str(report_id), {"resolve": True})
        rep = s.get(EquipmentReport, report_id)
        if rep is None:
            raise ValueError(f"report {report_id}: no such report")
        now = at or dt.datetime.now(dt.UTC)
        rep.resolved_at = now
        if vendor_notified and rep.vendor_notified_at is None:
            rep.vendor_notified_at = now


def restore(gov: Governance, actor: Actor, camera: str) -> None:
    """Return a camera to service: needs a passing latest check and no open report."""
    with gov._tx() as s:
        gov.authorize(s, actor, "cameras.manage", camera, {"restore": True})
        cam = _camera(s, camera)
        last = s.execute(select(EquipmentCheck).where(EquipmentCheck.camera_id == cam.id)
                         .order_by(EquipmentCheck.checked_at.desc(), EquipmentCheck.id.desc())
                         .limit(1)).scalar_one_or_none()
        open_reports = s.execute(select(EquipmentReport.id).where(
            EquipmentReport.camera_id == cam.id, EquipmentReport.resolved_at.is_(None))).all()
        if last is None or not (last.functional and last.alignment_ok):
            raise gov.refuse(actor, "cameras.manage", camera,
                             f"camera {camera!r}: needs a passing equipment check before it "
                             f"returns to service (policy II.B)")
        latest_report = s.scalar(select(func.max(EquipmentReport.reported_at)).where(
            EquipmentReport.camera_id == cam.id, EquipmentReport.kind != "vendor_maintenance"))
        if latest_report is not None and _aware(last.checked_at) < _aware(latest_report):
            raise gov.refuse(actor, "cameras.manage", camera,
                             f"camera {camera!r}: the last passing check predates the latest "
                             f"problem report; check it again after the repair (policy II.B)")
        if open_reports:
            raise gov.refuse(actor, "cameras.manage", camera,
                             f"camera {camera!r}: {len(open_reports)} unresolved report(s); "
                             f"deficiencies must be corrected first (policy II.B)")
        cam.in_service, cam.out_of_service_reason = True, None


MAX_SESSION = dt.timedelta(days=1)  # the patrol-time metric looks back this far


def record_camera_session(gov: Governance, actor: Actor, camera: str, started_at: dt.datetime,
                          ended_at: dt.datetime | None = None,
                          shift_id: int | None = None) -> int:
    """Record that ``camera``'s ALPR was on and reading from ``started_at`` to ``ended_at``
    (open while None); the patrol-time metric (policy III.A) compares these with shifts."""
    if ended_at is not None and ended_at < started_at:
        raise ValueError(f"ended_at {ended_at}: must not be before started_at {started_at}")
    if ended_at is not None and ended_at - started_at > MAX_SESSION:
        raise ValueError(f"ended_at {ended_at}: a session lasts at most {MAX_SESSION}; record "
                         f"longer spans as one session per day")
    with gov._tx() as s:
        gov.authorize(s, actor, "cameras.session", camera,
                      {"started_at": started_at.isoformat(),
                       "ended_at": ended_at.isoformat() if ended_at else None,
                       "shift_id": shift_id})
        cam = _camera(s, camera)
        row = CameraSession(camera_id=cam.id, shift_id=shift_id, started_at=started_at,
                            ended_at=ended_at, recorded_by=actor.id)
        s.add(row)
        s.flush()
        return row.id


def record_camera_frame(gov: Governance, actor: Actor, camera: str, kind: str,
                        taken_at: dt.datetime, path: str, sha256: str) -> int:
    """Register a camera's reference frame or a snapshot (an image file, by path and
    SHA-256) for the alignment and focus diagnostics (policy II.B)."""
    if kind not in ("reference", "snapshot"):
        raise ValueError(f"kind {kind!r}: must be reference or snapshot")
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"sha256 {sha256!r}: must be 64 lower-case hex characters")
    with gov._tx() as s:
        gov.authorize(s, actor, "equipment.check", camera,
                      {"frame": kind, "taken_at": taken_at.isoformat(), "path": path})
        cam = _camera(s, camera)
        row = CameraFrame(camera_id=cam.id, kind=kind, taken_at=taken_at, path=path,
                          sha256=sha256, recorded_by=actor.id)
        s.add(row)
        s.flush()
        return row.id
