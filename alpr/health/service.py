"""When each camera was out of service, and over what time it can be measured at all.

A camera leaves service with a failed check, a malfunction or damage report, or an
administrator's removal (policy II.B), and returns only after every report is resolved and a
passing check follows the latest problem (:func:`alpr.governance.equipment.restore`). The
records carry their own times (a report's ``reported_at`` and ``resolved_at``, a check's
``checked_at``), so the history is rebuilt from them: a spell ends at the first passing check
with no report open and after the latest problem. A camera out of service now has its last
spell open.

A camera is measured from its first record (reference frame, check, report, session or read;
the store has no installation date), so a camera installed in November is not measured over
the whole year. :func:`spells` and :func:`availability` are pure; :func:`load` reads the store.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alpr.store.schema import (
    AuditEntry,
    Camera,
    CameraFrame,
    CameraSession,
    EquipmentCheck,
    EquipmentReport,
    Read,
)

PROBLEMS = ("malfunction", "damage")


@dataclass(frozen=True)
class Spell:
    """One time out of service: ``end`` None while it lasts."""

    camera: str
    start: pd.Timestamp
    end: pd.Timestamp | None
    reason: str
    ended_by: str = ""


@dataclass(frozen=True)
class ServiceRecords:
    """The records the history is built from (see :func:`load` for the columns)."""

    cameras: pd.DataFrame  # camera, in_service, reason
    reports: pd.DataFrame  # camera, kind, reported_at, resolved_at, description
    checks: pd.DataFrame  # camera, checked_at, functional, alignment_ok, notes
    removals: pd.DataFrame  # camera, at, reason (administrators' removals, audit trail)
    first_record: dict[str, pd.Timestamp]
    now: bool = True  # the records up to now: the cameras' service flags are current


def _utc(v: object) -> pd.Timestamp | None:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    ts = pd.Timestamp(v)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def spells(rec: ServiceRecords) -> list[Spell]:
    """Every camera's times out of service, oldest first.

    Example: a malfunction reported 6 May 07:35, resolved 8 May 09:30 with a passing check at
    10:00 gives one spell, 6 May 07:35 to 8 May 10:00; a failed check with no report after it
    ends at the next passing check.
    """
    out: list[Spell] = []
    for cam in rec.cameras.itertuples(index=False):
        name = str(cam.camera)
        rp = rec.reports[rec.reports["camera"] == name]
        problems = [(_utc(r.reported_at), _utc(r.resolved_at), f"{r.kind} reported: "
                     f"{r.description}") for r in rp.itertuples(index=False)
                    if r.kind in PROBLEMS]
        vendor = [(_utc(r.reported_at), str(r.description)) for r in rp.itertuples(index=False)
                  if r.kind == "vendor_maintenance"]
        ch = rec.checks[rec.checks["camera"] == name]
        down = [(t, why) for t, _, why in problems]
        down += [(_utc(c.checked_at), f"failed check: {c.notes or 'no notes'}")
                 for c in ch.itertuples(index=False) if not (c.functional and c.alignment_ok)]
        rm = rec.removals[rec.removals["camera"] == name]
        down += [(_utc(r.at), f"removed: {r.reason}") for r in rm.itertuples(index=False)]
        passing = [_utc(c.checked_at) for c in ch.itertuples(index=False)
                   if c.functional and c.alignment_ok]
        events = sorted([(t, 0, why) for t, why in down if t is not None]
                        + [(t, 1, "") for t in passing if t is not None],
                        key=lambda e: (e[0], e[1]))
        start: pd.Timestamp | None = None
        reason, latest_down = "", None
        mine: list[Spell] = []
        for t, kind, why in events:
            if kind == 0:
                if start is None:
                    start, reason = t, why
                latest_down = t
                continue
            still_open = any(a is not None and a <= t and (b is None or b > t)
                             for a, b, _ in problems)
            if start is None or still_open or (latest_down is not None and t < latest_down):
                continue
            fixed = [d for when, d in vendor if when is not None and start <= when <= t]
            ended = f"passing check {t:%Y-%m-%d %H:%M}" + (
                f" after vendor maintenance: {fixed[-1]}" if fixed else "")
            mine.append(Spell(name, start, t, reason, ended))
            start = None
        if start is not None:
            mine.append(Spell(name, start, None, reason))
        if rec.now and not bool(cam.in_service):
            if mine and mine[-1].end is not None:  # eligible to return, but not returned
                last = mine.pop()
                mine.append(Spell(name, last.start, None, last.reason))
            elif not mine:
                first = rec.first_record.get(name)
                mine.append(Spell(name, first if first is not None else pd.Timestamp(
                    "1970-01-01", tz="UTC"), None, str(cam.reason or "no reason recorded")))
        out.extend(mine)
    return sorted(out, key=lambda s: (s.start, s.camera))


def _overlap(a: pd.Timestamp, b: pd.Timestamp, lo: pd.Timestamp, hi: pd.Timestamp) -> float:
    return max(0.0, (min(b, hi) - max(a, lo)).total_seconds())


def availability(rec: ServiceRecords, found: list[Spell], since: dt.datetime,
                 until: dt.datetime, failing_since: dict[str, str] | None = None
                 ) -> pd.DataFrame:
    """Per camera over ``[since, until)``, measured from its first record: days measured,
    days out of service, days in service while failing its diagnostics (``failing_since``:
    camera -> first failing day, for cameras that still fail) and the share available (in
    service and not failing).

    Example: a camera first recorded on 1 Nov, measured to 1 Jan (61 days), out of service
    6.1 days -> availability 1 - 6.1 / 61 = 90 %.
    """
    lo_all, hi = _utc(since), _utc(until)
    assert lo_all is not None and hi is not None
    rows = []
    for cam in rec.cameras.itertuples(index=False):
        name = str(cam.camera)
        first = rec.first_record.get(name)
        lo = max(lo_all, first) if first is not None else hi
        measured = max(0.0, (hi - lo).total_seconds())
        down_spans = [(s.start, s.end or hi) for s in found if s.camera == name]
        down = sum(_overlap(a, b, lo, hi) for a, b in down_spans)
        failing = 0.0
        day = (failing_since or {}).get(name)
        if day and bool(cam.in_service):
            f0 = max(pd.Timestamp(day, tz="UTC"), lo)
            failing = _overlap(f0, hi, lo, hi) - sum(_overlap(max(a, f0), b, lo, hi)
                                                     for a, b in down_spans if b > f0)
        rows.append({"camera": name, "measured_from": lo if measured else None,
                     "days_measured": measured / 86400, "days_out_of_service": down / 86400,
                     "days_failing_in_service": max(0.0, failing) / 86400,
                     "availability": (1 - (down + max(0.0, failing)) / measured)
                     if measured else None})
    return pd.DataFrame(rows, columns=["camera", "measured_from", "days_measured",
                                       "days_out_of_service", "days_failing_in_service",
                                       "availability"])


# -- the edge: the store (the caller has authorised the session) ------------------------------
def load(s: Session, until: dt.datetime | None = None) -> ServiceRecords:
    """The service records up to ``until`` (everything when None)."""
    def before(col: Any, stmt: Any) -> Any:
        return stmt.where(col < until) if until is not None else stmt

    names = dict(s.execute(select(Camera.id, Camera.name)).all())
    cameras = pd.DataFrame(s.execute(select(Camera.name, Camera.in_service,
                                            Camera.out_of_service_reason)
                                     .order_by(Camera.name)).all(),
                           columns=["camera", "in_service", "reason"])
    reports = pd.DataFrame(s.execute(before(EquipmentReport.reported_at, select(
        EquipmentReport.camera_id, EquipmentReport.kind, EquipmentReport.reported_at,
        EquipmentReport.resolved_at, EquipmentReport.description))).all(),
        columns=["camera", "kind", "reported_at", "resolved_at", "description"])
    checks = pd.DataFrame(s.execute(before(EquipmentCheck.checked_at, select(
        EquipmentCheck.camera_id, EquipmentCheck.checked_at, EquipmentCheck.functional,
        EquipmentCheck.alignment_ok, EquipmentCheck.notes))).all(),
        columns=["camera", "checked_at", "functional", "alignment_ok", "notes"])
    for df in (reports, checks):
        df["camera"] = df["camera"].map(names)
    if until is not None:  # as the records stood then: later resolutions had not happened
        late = pd.to_datetime(reports["resolved_at"], utc=True) >= _utc(until)
        reports.loc[late, "resolved_at"] = None
    removed = []
    for target, at, detail in s.execute(before(AuditEntry.at, select(
            AuditEntry.target, AuditEntry.at, AuditEntry.detail).where(
            AuditEntry.action == "cameras.manage", AuditEntry.allowed.is_(True),
            AuditEntry.detail.like("%in_service%")))).all():
        try:
            d = json.loads(detail or "{}")
        except ValueError:
            continue
        if d.get("in_service") is False:
            removed.append((target, at, d.get("reason") or "no reason recorded"))
    removals = pd.DataFrame(removed, columns=["camera", "at", "reason"])
    first: dict[str, pd.Timestamp] = {}
    tables: tuple[tuple[Any, Any], ...] = (
        (Read, Read.read_at), (CameraFrame, CameraFrame.taken_at),
        (EquipmentCheck, EquipmentCheck.checked_at),
        (EquipmentReport, EquipmentReport.reported_at),
        (CameraSession, CameraSession.started_at))
    for table, col in tables:
        for cid, t in s.execute(select(table.camera_id, func.min(col))
                                .group_by(table.camera_id)).all():
            ts = _utc(t)
            name = names.get(cid)
            if ts is not None and name is not None and (name not in first or ts < first[name]):
                first[name] = ts
    return ServiceRecords(cameras, reports, checks, removals, first, now=until is None)
