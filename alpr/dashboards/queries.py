"""SQL aggregates behind the pages: each takes an open session and the filters and returns a
small DataFrame, so only aggregates (never millions of rows) leave the database.

They run on SQLite and PostgreSQL. Callers reach them through :class:`~.store.DashboardStore`,
which checks permissions and writes the audit trail first.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, NamedTuple

import pandas as pd
from sqlalchemy import Date, Float, Integer, and_, case, cast, exists, func, literal, select
from sqlalchemy.orm import Session, aliased

import alpr.health.service as service
from alpr.dashboards.filters import Filters
from alpr.health.misreads import HIT_ERRORS, OCR_ERRORS, hit_error_sql
from alpr.health.severity import classify, recommendation
from alpr.store.schema import (
    AccessRequest,
    AuditEntry,
    Camera,
    CameraFrame,
    DataShare,
    EquipmentCheck,
    EquipmentReport,
    HistoricalSearch,
    Hit,
    HitVerification,
    HotListEntryRow,
    HotListVersion,
    Read,
    Shift,
    User,
)

LOW_CONFIDENCE = 0.9  # reads below this are what an operator would double-check
HIST_BINS = 20
FRAME_SEARCH_DAYS = 3  # how far into the period to look for a read's image as a frame


def _sqlite(s: Session) -> bool:
    return s.get_bind().dialect.name == "sqlite"


def _day(s: Session, col: Any) -> Any:
    """The UTC calendar day of a timestamp column (SQLite keeps UTC text 'YYYY-MM-DD ...')."""
    return func.substr(col, 1, 10) if _sqlite(s) else cast(func.timezone("UTC", col), Date)


def _aware(ts: dt.datetime | None) -> dt.datetime | None:
    """SQLite returns naive UTC datetimes; PostgreSQL aware ones."""
    if ts is None or pd.isna(ts):
        return None
    return ts if ts.tzinfo else ts.replace(tzinfo=dt.UTC)


def _frame(s: Session, stmt: Any, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame([tuple(r) for r in s.execute(stmt).all()], columns=columns)


def _cameras(stmt: Any, f: Filters) -> Any:
    if f.camera:
        stmt = stmt.where(Camera.name == f.camera)
    if f.unit:
        stmt = stmt.where(Camera.unit == f.unit)
    return stmt


def choices(s: Session) -> dict[str, list[str]]:
    """Names for the filter menus: cameras, units and users."""
    return {
        "camera": list(s.scalars(select(Camera.name).order_by(Camera.name))),
        "unit": [u for u in s.scalars(select(Camera.unit).distinct().order_by(Camera.unit)) if u],
        "user": list(s.scalars(select(User.username).order_by(User.username))),
    }


def latest_read_day(s: Session) -> dt.date | None:
    latest = _aware(s.scalar(select(func.max(Read.read_at))))
    return latest.date() if latest else None


# -- equipment health ------------------------------------------------------------------------
def read_totals(s: Session, f: Filters) -> pd.DataFrame:
    """Per camera in the period: reads, mean confidence, share below LOW_CONFIDENCE."""
    stmt = _cameras(
        select(Camera.name, func.count(Read.id), func.avg(Read.confidence),
               func.avg(case((Read.confidence < LOW_CONFIDENCE, 1.0), else_=0.0)))
        .join(Camera, Camera.id == Read.camera_id)
        .where(Read.read_at >= f.t0, Read.read_at < f.t1).group_by(Camera.name), f)
    return _frame(s, stmt, ["camera", "reads", "mean_confidence", "low_confidence_share"])


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
    stmt = _cameras(
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
        at = _aware(at)
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
    day = _day(s, Read.read_at).label("day")
    cx = Read.box_x + cast(Read.box_w, Float) / 2
    cy = Read.box_y + cast(Read.box_h, Float) / 2
    stmt = _cameras(
        select(Camera.name, day, func.count(Read.id), func.avg(Read.confidence),
               func.avg(case((Read.confidence < LOW_CONFIDENCE, 1.0), else_=0.0)),
               func.avg(cx), func.avg(cy))
        .join(Camera, Camera.id == Read.camera_id)
        .where(Read.read_at >= f.t0, Read.read_at < f.t1)
        .group_by(Camera.name, day).order_by(Camera.name, day), f)
    df = _frame(s, stmt, ["camera", "day", "reads", "mean_confidence", "low_share",
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
    checks = _cameras(
        select(Camera.name, EquipmentCheck.checked_at, literal("failed check"),
               EquipmentCheck.notes)
        .join(Camera, Camera.id == EquipmentCheck.camera_id)
        .where(EquipmentCheck.checked_at >= f.t0, EquipmentCheck.checked_at < f.t1,
               ~and_(EquipmentCheck.functional, EquipmentCheck.alignment_ok)), f)
    reports = _cameras(
        select(Camera.name, EquipmentReport.reported_at, EquipmentReport.kind,
               EquipmentReport.description)
        .join(Camera, Camera.id == EquipmentReport.camera_id)
        .where(EquipmentReport.reported_at >= f.t0, EquipmentReport.reported_at < f.t1,
               EquipmentReport.kind != "vendor_maintenance"), f)
    df = pd.concat([_frame(s, checks, ["camera", "at", "event", "detail"]),
                    _frame(s, reports, ["camera", "at", "event", "detail"])], ignore_index=True)
    df["at"] = pd.to_datetime(df["at"], utc=True)
    return df.sort_values("at", ignore_index=True)


SERVICE_HISTORY = ["camera", "out_from", "back_on", "days", "reason", "ended_by"]
TRAIL = ["camera", "at", "by", "event", "detail"]


def _spells(s: Session, f: Filters) -> list[service.Spell]:
    """Times out of service (:mod:`alpr.health.service`) overlapping the period, for the
    cameras the filters select."""
    names = set(s.scalars(_cameras(select(Camera.name), f)))
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
        ts = _aware(at)
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
        return Frame(row[0], _aware(row[1]), kind) if row is not None and row[0] else None

    ref = one(frames.where(CameraFrame.kind == "reference"), "reference")
    cur = one(frames.where(CameraFrame.kind == "snapshot"), "snapshot")
    if ref and cur:
        return ref, cur
    cam_id = s.scalar(select(Camera.id).where(Camera.name == camera))
    mine = and_(Read.camera_id == cam_id, Read.read_at >= f.t0, Read.read_at < f.t1)
    lo, hi = (_aware(t) for t in s.execute(select(func.min(Read.read_at),
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


# -- misreads ----------------------------------------------------------------------------------
def _hit_time() -> Any:
    """When the hit's read was taken. Written as an expression on purpose: a bare
    ``reads.read_at`` range lets SQLite's planner scan millions of reads through the time
    index; this way it starts from the few hits (or verifications) and looks reads up by key."""
    return func.coalesce(Hit.read_at, Read.read_at)


def _verified(stmt: Any, f: Filters) -> Any:
    return _cameras(stmt.select_from(HitVerification)
                    .join(Hit, Hit.id == HitVerification.hit_id)
                    .join(Read, Read.id == Hit.read_id)
                    .join(Camera, Camera.id == Read.camera_id)
                    .where(_hit_time() >= f.t0, _hit_time() < f.t1), f)


def _hit_error() -> Any:
    """Why a rejected hit was wrong (:func:`alpr.health.misreads.hit_error`, in SQL): the
    recognizer's misread of characters or state, a wrong hot-list entry, or a near match."""
    return hit_error_sql(HitVerification.outcome, Read.plate, Read.state,
                         HitVerification.seen_plate, HitVerification.seen_state)


OUTCOME_COLUMNS = ("verified", "misread", "wrong_state", "confirmed", *HIT_ERRORS)


def _outcome_counts() -> list[Any]:
    """Counts in :data:`OUTCOME_COLUMNS` order: verified hits, the operator's outcomes, and
    the rejected hits by cause (recognizer misreads apart from wrong list entries)."""
    err = _hit_error()
    return [func.count(HitVerification.id),
            func.sum(case((HitVerification.outcome == "misread", 1), else_=0)),
            func.sum(case((HitVerification.outcome == "wrong_state", 1), else_=0)),
            func.sum(case((HitVerification.outcome == "confirmed", 1), else_=0)),
            *[func.sum(case((err == kind, 1), else_=0)) for kind in HIT_ERRORS]]


def verification_rates(s: Session, f: Filters, by: str) -> pd.DataFrame:
    """Verified hits grouped ``by`` ``day``, ``camera`` or ``state`` (the read's
    jurisdiction): the operator's outcomes (misread / wrong state / confirmed) and the
    rejected hits by cause (``ocr_characters``, ``ocr_state``: the recognizer's misreads;
    ``wrong_entry``: the read was right, the list entry wrong; ``near_match``), with
    ``recognizer`` = the recognizer's misreads."""
    keys = {"day": _day(s, _hit_time()), "camera": Camera.name,
            "state": func.coalesce(Read.state, "??")}
    if by not in keys:
        raise ValueError(f"by {by!r}: must be one of {', '.join(keys)}")
    key = keys[by].label(by)
    stmt = _verified(select(key, *_outcome_counts()), f).group_by(key).order_by(key)
    df = _frame(s, stmt, [by, *OUTCOME_COLUMNS])
    for col in OUTCOME_COLUMNS:
        df[col] = df[col].fillna(0).astype(int)
    df["recognizer"] = df[list(OCR_ERRORS)].sum(axis=1).astype(int)
    if by == "day":
        df["day"] = pd.to_datetime(df["day"])
    return df


def substitutions(s: Session, f: Filters, outcome: str = "confirmed") -> pd.DataFrame:
    """Character confusions from verified hits, as (true, read, count).

    Where the officer recorded the plate seen, the read is compared with it position by
    position (same length; any outcome — a misread hit's read is often the recognizer's own
    mistake). Otherwise, for a ``confirmed`` hit the listed plate is the true plate, so each
    substitution (position, read, listed) of the match is a real misreading of ``listed``
    as ``read``.
    """
    stmt = _verified(select(HitVerification.outcome, HitVerification.seen_plate, Read.plate,
                            Hit.substitutions), f)
    stmt = stmt.where((HitVerification.outcome == outcome)
                      | HitVerification.seen_plate.is_not(None))
    counts: dict[tuple[str, str], int] = {}
    for _, seen, read, raw in s.execute(stmt).all():
        if seen:
            pairs = [(t, r) for t, r in zip(seen, read, strict=True) if t != r] if len(
                seen) == len(read) else []
        else:
            pairs = [(listed, got) for _pos, got, listed in json.loads(raw or "[]")]
        for t, r in pairs:
            counts[(t, r)] = counts.get((t, r), 0) + 1
    return pd.DataFrame([(t, r, n) for (t, r), n in sorted(counts.items())],
                        columns=["true", "read", "count"])


def rejected_hits(s: Session, f: Filters, limit: int = 12) -> pd.DataFrame:
    """The newest hits the verifying officer rejected (misread or wrong state), with the
    plate and state the officer saw when recorded and the cause (``error``, see
    :func:`_hit_error`)."""
    entry = aliased(HotListEntryRow)
    stmt = (_verified(select(HitVerification.verified_at, HitVerification.outcome,
                             _hit_error(), Camera.name,
                             Read.read_at, Read.plate, Read.state, Read.confidence,
                             Read.image_path, entry.plate, entry.state, User.username,
                             HitVerification.seen_plate, HitVerification.seen_state), f)
            .join(entry, entry.id == Hit.entry_id)
            .join(User, User.id == HitVerification.user_id)
            .where(HitVerification.outcome.in_(("misread", "wrong_state")))
            .order_by(HitVerification.verified_at.desc()).limit(limit))
    return _frame(s, stmt, ["verified_at", "outcome", "error", "camera", "read_at",
                            "read_plate", "read_state", "confidence", "image_path",
                            "listed_plate", "listed_state", "verified_by", "seen_plate",
                            "seen_state"])


ENTRY_GROUP_COLUMNS = ["error", "listed_plate", "listed_state", "list_source", "category",
                       "hits", "cameras", "first_read", "last_read", "example_read_plate",
                       "example_read_state", "example_seen_plate", "example_seen_state",
                       "example_camera", "example_image"]


def rejected_by_entry(s: Session, f: Filters) -> pd.DataFrame:
    """Rejected hits grouped by cause and hot-list entry (plate, state, list source,
    category: the same plate in each day's version of a list is one entry): how many hits,
    on how many cameras, first and last, and the newest hit as the example (its crop, what
    was read and what the officer saw). The recognizer's misreads come first, then wrong
    list entries and near matches; within a cause, the most hits first."""
    entry = aliased(HotListEntryRow)
    version = aliased(HotListVersion)
    err = _hit_error().label("error")
    source = func.coalesce(version.source, "manual entry").label("source")
    group = (err, entry.plate, entry.state, source, entry.category)
    stmt = (_verified(select(*group, func.count(HitVerification.id),
                             func.count(func.distinct(Camera.id)),
                             func.min(_hit_time()), func.max(_hit_time()),
                             func.max(HitVerification.id)), f)
            .join(entry, entry.id == Hit.entry_id)
            .outerjoin(version, version.id == entry.version_id)
            .where(HitVerification.outcome.in_(("misread", "wrong_state")))
            .group_by(*group))
    groups = _frame(s, stmt, ["error", "listed_plate", "listed_state", "list_source",
                              "category", "hits", "cameras", "first_read", "last_read",
                              "example"])
    if groups.empty:
        return pd.DataFrame(columns=ENTRY_GROUP_COLUMNS)
    ex = (select(HitVerification.id, Read.plate, Read.state, HitVerification.seen_plate,
                 HitVerification.seen_state, Camera.name, Read.image_path)
          .join(Hit, Hit.id == HitVerification.hit_id).join(Read, Read.id == Hit.read_id)
          .join(Camera, Camera.id == Read.camera_id)
          .where(HitVerification.id.in_([int(i) for i in groups["example"]])))
    examples = {r[0]: r[1:] for r in s.execute(ex).all()}
    cols = ENTRY_GROUP_COLUMNS[-6:]
    for i, col in enumerate(cols):
        groups[col] = [examples[int(e)][i] for e in groups["example"]]
    for col in ("first_read", "last_read"):
        groups[col] = pd.to_datetime(groups[col], utc=True)
    groups["hits"] = groups["hits"].astype(int)
    groups["cameras"] = groups["cameras"].astype(int)
    rank = groups["error"].map({k: i for i, k in enumerate(HIT_ERRORS)})
    groups = groups.assign(_rank=rank).sort_values(
        ["_rank", "hits", "listed_plate"], ascending=[True, False, True], kind="stable")
    return groups[ENTRY_GROUP_COLUMNS].reset_index(drop=True)


# -- model ---------------------------------------------------------------------------------------
def confidence_histogram(s: Session, f: Filters) -> pd.DataFrame:
    """Reads per confidence bin (HIST_BINS equal bins over [0, 1]) in the period."""
    scaled = Read.confidence * HIST_BINS
    bucket = (cast(scaled, Integer) if _sqlite(s) else cast(func.floor(scaled), Integer))
    b = case((bucket >= HIST_BINS, HIST_BINS - 1), else_=bucket).label("bin")
    stmt = _cameras(select(b, func.count(Read.id)).join(Camera, Camera.id == Read.camera_id)
                    .where(Read.read_at >= f.t0, Read.read_at < f.t1), f).group_by(b)
    got: dict[int, int] = {int(b): int(n) for b, n in s.execute(stmt).all()}
    return pd.DataFrame({"low": [i / HIST_BINS for i in range(HIST_BINS)],
                         "high": [(i + 1) / HIST_BINS for i in range(HIST_BINS)],
                         "reads": [int(got.get(i, 0)) for i in range(HIST_BINS)]})


# -- compliance drill-downs ----------------------------------------------------------------------
def searches(s: Session, f: Filters) -> pd.DataFrame:
    """Historical searches in the period: who, when, purpose, case; ok = both recorded."""
    stmt = (select(User.username, HistoricalSearch.at, HistoricalSearch.purpose,
                   HistoricalSearch.case_number, HistoricalSearch.result_count)
            .join(User, User.id == HistoricalSearch.user_id)
            .where(HistoricalSearch.at >= f.t0, HistoricalSearch.at < f.t1)
            .order_by(HistoricalSearch.at))
    if f.user:
        stmt = stmt.where(User.username == f.user)
    df = _frame(s, stmt, ["user", "at", "purpose", "case_number", "results"])
    df["ok"] = df["case_number"].notna() & df["purpose"].notna()
    return df


def shifts(s: Session, f: Filters) -> pd.DataFrame:
    """Shifts started in the period: who, when, unit, hot-list age; ok = list was current."""
    stmt = (select(User.username, Shift.started_at, Shift.unit,
                   Shift.hotlist_age_seconds / 3600.0, Shift.hotlist_current)
            .join(User, User.id == Shift.user_id)
            .where(Shift.started_at >= f.t0, Shift.started_at < f.t1).order_by(Shift.started_at))
    if f.user:
        stmt = stmt.where(User.username == f.user)
    if f.unit:
        stmt = stmt.where(Shift.unit == f.unit)
    df = _frame(s, stmt, ["user", "at", "unit", "hotlist_age_hours", "ok"])
    df["ok"] = df["ok"].astype(bool)
    return df


def _acted(f: Filters, *extra: Any) -> Any:
    """Verifications in the period that recorded an action (by the filter's cameras and
    user): user, when, camera, plate, action, then ``extra`` columns."""
    stmt = _cameras(
        select(User.username, HitVerification.verified_at, Camera.name, Read.plate,
               HitVerification.action_taken, *extra)
        .select_from(HitVerification).join(Hit, Hit.id == HitVerification.hit_id)
        .join(Read, Read.id == Hit.read_id).join(Camera, Camera.id == Read.camera_id)
        .join(User, User.id == HitVerification.user_id)
        .where(HitVerification.action_taken.is_not(None), HitVerification.verified_at >= f.t0,
               HitVerification.verified_at < f.t1).order_by(HitVerification.verified_at), f)
    return stmt.where(User.username == f.user) if f.user else stmt


def actions(s: Session, f: Filters) -> pd.DataFrame:
    """Verifications in the period that recorded an action: ok = characters, state and
    dispatch confirmation all checked first (III.D, IV.B)."""
    df = _frame(s, _acted(f, HitVerification.chars_match, HitVerification.state_match,
                          HitVerification.dispatch_confirmed),
                ["user", "at", "camera", "plate", "action", "chars_match", "state_match",
                 "dispatch_confirmed"])
    df["ok"] = (df["chars_match"].astype(bool) & df["state_match"].astype(bool)
                & df["dispatch_confirmed"].astype(bool))
    return df


def unverified_hits(s: Session, f: Filters) -> pd.DataFrame:
    """Hits made in the period, each with whether it has been verified (III.D): ok =
    verified; the metric counts those that are not."""
    entry = aliased(HotListEntryRow)
    verified = exists().where(HitVerification.hit_id == Hit.id)
    stmt = _cameras(
        select(Hit.id, Hit.created_at, Read.read_at, Camera.name, Read.plate, Read.state,
               entry.plate, Hit.kind, verified)
        .select_from(Hit)
        .join(Read, Read.id == Hit.read_id).join(Camera, Camera.id == Read.camera_id)
        .join(entry, entry.id == Hit.entry_id)
        .where(Hit.created_at >= f.t0, Hit.created_at < f.t1)
        .order_by(Hit.created_at), f)
    df = _frame(s, stmt, ["hit_id", "at", "read_at", "camera", "read_plate", "read_state",
                          "listed_plate", "match", "ok"])
    df["ok"] = df["ok"].astype(bool)
    return df


def verified_in_period(s: Session, f: Filters) -> pd.DataFrame:
    """Verifications made in the period: who, when, which camera and plate, the operator's
    outcome and, for a rejected hit, its cause (``error``,
    :func:`alpr.health.misreads.hit_error`: the recognizer's misread or a wrong list entry)."""
    entry = aliased(HotListEntryRow)
    stmt = _cameras(
        select(User.username, HitVerification.verified_at, Camera.name, Read.plate, Read.state,
               HitVerification.seen_plate, HitVerification.seen_state, entry.plate,
               entry.state, HitVerification.outcome, _hit_error())
        .select_from(HitVerification).join(Hit, Hit.id == HitVerification.hit_id)
        .join(Read, Read.id == Hit.read_id).join(Camera, Camera.id == Read.camera_id)
        .join(entry, entry.id == Hit.entry_id)
        .join(User, User.id == HitVerification.user_id)
        .where(HitVerification.verified_at >= f.t0, HitVerification.verified_at < f.t1)
        .order_by(HitVerification.verified_at), f)
    if f.user:
        stmt = stmt.where(User.username == f.user)
    return _frame(s, stmt, ["user", "at", "camera", "read_plate", "read_state", "seen_plate",
                            "seen_state", "listed_plate", "listed_state", "outcome", "error"])


def acted_hits(s: Session, f: Filters) -> pd.DataFrame:
    """Hits acted on (verifications in the period that recorded an action) and whether an
    evidence package was exported for each by the period's end: ok (II.A.2)."""
    from alpr.governance.compliance import evidence_exported

    df = _frame(s, _acted(f, Hit.id), ["user", "at", "camera", "plate", "action", "hit_id"])
    df = df[["hit_id", "user", "at", "camera", "plate", "action"]]
    df = df.drop_duplicates("hit_id").reset_index(drop=True)
    df["ok"] = df["hit_id"].isin(evidence_exported(s, f.t1))
    return df


def shares(s: Session, f: Filters) -> pd.DataFrame:
    """Data shares in the period: who, when, to whom, why, under which request; ok = the
    request was an approved data-share request (II.A.4, V.B)."""
    stmt = (select(User.username, DataShare.shared_at, DataShare.recipient_agency,
                   DataShare.purpose, DataShare.record_count, AccessRequest.kind,
                   AccessRequest.status)
            .join(User, User.id == DataShare.shared_by)
            .join(AccessRequest, AccessRequest.id == DataShare.request_id)
            .where(DataShare.shared_at >= f.t0, DataShare.shared_at < f.t1)
            .order_by(DataShare.shared_at))
    if f.user:
        stmt = stmt.where(User.username == f.user)
    df = _frame(s, stmt, ["user", "at", "recipient", "purpose", "records", "request_kind",
                          "request_status"])
    df["ok"] = (df["request_status"] == "approved") & (df["request_kind"] == "data_share")
    return df


def overdue_manual_entries(s: Session, f: Filters) -> pd.DataFrame:
    """Manual hot-list entries on the list at the period's end, each with ok = not yet past
    its expiry (IV.D.2: the person who entered it removes it once it no longer serves)."""
    from alpr.governance.compliance import _manual_listed

    stmt = (select(User.username, HotListEntryRow.created_at, HotListEntryRow.plate,
                   HotListEntryRow.purpose, HotListEntryRow.expires_at)
            .join(User, User.id == HotListEntryRow.entered_by)
            .where(_manual_listed(f.t1)).order_by(HotListEntryRow.expires_at))
    if f.user:
        stmt = stmt.where(User.username == f.user)
    df = _frame(s, stmt, ["user", "at", "plate", "purpose", "expires_at"])
    expires = pd.to_datetime(df["expires_at"], utc=True)
    df["ok"] = (expires.isna() | (expires > pd.Timestamp(f.t1))).astype(bool)
    return df


def verifications(s: Session, f: Filters) -> pd.DataFrame:
    """Verifications of hits on reads in the period: who, when, which camera, the outcome."""
    stmt = (_verified(select(User.username, HitVerification.verified_at, Camera.name,
                             Read.plate, Read.state, HitVerification.outcome), f)
            .join(User, User.id == HitVerification.user_id)
            .order_by(HitVerification.verified_at))
    if f.user:
        stmt = stmt.where(User.username == f.user)
    return _frame(s, stmt, ["user", "at", "camera", "plate", "state", "outcome"])


def past_retention(s: Session, f: Filters) -> int | None:
    """Reads older than the retention period at the period's end and not held (the
    governance layer's own count); None (no data) when no read was stored by then and no
    purge had run."""
    from alpr.governance.compliance import past_retention_count, retention_has_data
    from alpr.governance.records import RetentionPolicy

    if not retention_has_data(s, f.t1):
        return None
    return past_retention_count(s, f.t1 - dt.timedelta(days=RetentionPolicy().reads_days))
