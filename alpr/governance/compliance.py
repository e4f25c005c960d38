"""Compliance metrics as DataFrames, computed in SQL, each citing its policy clause (labels,
clauses and targets from the catalog, :mod:`alpr.governance.compliance_metrics`).

For the administrators' dashboards and the annual re-evaluation report. Every call goes
through the access-control layer (``compliance.view``: administrators and auditors).
Metrics that need shifts, hits and manual hot-list entries arrive with those records.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from typing import Any

import pandas as pd
from sqlalchemy import (
    String,
    and_,
    case,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import aliased

from alpr.governance.access import Actor, Governance
from alpr.governance.compliance_metrics import metric, metric_keys
from alpr.governance.equipment import MAX_SESSION
from alpr.governance.records import RetentionPolicy, _held
from alpr.health.misreads import OCR_ERRORS, hit_error_sql
from alpr.health.report import health_at
from alpr.health.severity import ATTENTION, REMOVE, rank
from alpr.store.dialect import read_of_hit
from alpr.store.schema import (
    AccessRequest,
    AuditEntry,
    Camera,
    CameraFrame,
    CameraSession,
    Certification,
    DataShare,
    EquipmentCheck,
    EquipmentReport,
    HistoricalSearch,
    Hit,
    HitVerification,
    HotListEntryRow,
    Read,
    Shift,
    User,
)


def certified_users(gov: Governance, actor: Actor, as_of: dt.date) -> pd.DataFrame:
    """One row per active user who existed on ``as_of``: current training? current
    certification? (policy I.A, I.B)

    A user exists from the earlier of the account's creation and its first certification
    (an account created today for records kept since January exists since its first
    certification), so a year before the department's first user has no users: no data.
    An account created after the department's own clock (``gov.today``: a simulated or
    test department) counts as created on that day."""
    def current(kind: str) -> Any:
        return func.max(case((and_(Certification.kind == kind,
                                   Certification.issued_on <= as_of,
                                   Certification.expires_on >= as_of), 1), else_=0))

    stmt = (select(User.username, User.role, current("alpr_training").label("training"),
                   current("sled_ncic").label("certification"), User.created_at,
                   func.min(Certification.issued_on))
            .outerjoin(Certification, Certification.user_id == User.id)
            .where(User.active.is_(True))
            .group_by(User.id, User.username, User.role, User.created_at)
            .order_by(User.username))
    with gov._tx() as s:
        gov.authorize(s, actor, "compliance.view", "certified_users")
        today = gov.today()
        rows = [r[:4] for r in s.execute(stmt).all() if _existed(r[4], r[5], as_of, today)]
    df = pd.DataFrame(rows, columns=["username", "role", "training", "certification"])
    df[["training", "certification"]] = df[["training", "certification"]].fillna(0).astype(bool)
    df["compliant"] = df["training"] & df["certification"]
    return df


def _existed(created: dt.datetime | None, first_certified: dt.date | str | None,
             as_of: dt.date, today: dt.date) -> bool:
    """Whether a user existed on ``as_of`` (see :func:`certified_users`).

    >>> today = dt.date(2026, 12, 1)
    >>> _existed(dt.datetime(2026, 12, 1), dt.date(2026, 1, 5), dt.date(2026, 3, 1), today)
    True
    >>> _existed(dt.datetime(2026, 12, 1), None, dt.date(2026, 3, 1), today)
    False
    """
    days = [min(created.date(), today)] if created is not None else []
    if first_certified is not None:
        days.append(first_certified if isinstance(first_certified, dt.date)
                    else dt.date.fromisoformat(str(first_certified)[:10]))
    return bool(days) and min(days) <= as_of


def cameras_needing_attention(gov: Governance, actor: Actor, as_of: dt.datetime,
                              max_days_between_checks: int = 30) -> pd.DataFrame:
    """Cameras II.B is not met for at ``as_of``, those to remove from service first: in
    service while failing the camera diagnostics (:func:`alpr.health.report.health_at`, the
    same status as ``alpr health report``), overdue for a check, or in service despite a
    failed last check. ``severity`` is the :mod:`alpr.health.severity` label."""
    last = (select(EquipmentCheck.camera_id, func.max(EquipmentCheck.checked_at).label("at"))
            .group_by(EquipmentCheck.camera_id).subquery())
    stmt = (select(Camera.name, Camera.kind, Camera.in_service, last.c.at,
                   EquipmentCheck.functional, EquipmentCheck.alignment_ok)
            .outerjoin(last, last.c.camera_id == Camera.id)
            .outerjoin(EquipmentCheck, and_(EquipmentCheck.camera_id == Camera.id,
                                            EquipmentCheck.checked_at == last.c.at))
            .order_by(Camera.name))
    with gov._tx() as s:
        gov.authorize(s, actor, "compliance.view", "cameras_needing_attention")
        rows = s.execute(stmt).all()
        health = {h.camera: h for h in health_at(s, as_of)}
    cutoff = as_of - dt.timedelta(days=max_days_between_checks)
    out = []
    for name, kind, in_service, at, functional, aligned in rows:
        if at is not None and at.tzinfo is None:
            at = at.replace(tzinfo=dt.UTC)
        problems = []
        h = health.get(name)
        remove = h is not None and h.must_remove
        if remove and h is not None:
            problems.append("fails its diagnostics while in service: remove from service "
                            "(II.B): " + "; ".join(h.reasons))
        if in_service and (at is None or at < cutoff):
            problems.append("overdue for an equipment check")
        if in_service and at is not None and not (functional and aligned):
            problems.append("in service despite a failed last check")
        out.append({"camera": name, "severity": (REMOVE if remove else ATTENTION).label,
                    "kind": kind, "in_service": in_service, "last_check": at,
                    "problems": "; ".join(problems)})
    df = pd.DataFrame(out, columns=["camera", "severity", "kind", "in_service", "last_check",
                                    "problems"])
    df = df[df["problems"] != ""]
    return df.sort_values("severity", key=lambda c: c.map(rank), kind="stable").reset_index(
        drop=True)


def past_retention_count(s: Any, cutoff: dt.datetime) -> int:
    """Reads older than ``cutoff`` that no active hold or acted-on hit preserves.

    Counted as (all expired reads) - (expired reads that are preserved): the first is an
    index range count and the second starts from the few holds and acted-on hits, so a year
    of 10 M reads answers in a fraction of a second instead of testing every old read.
    """
    from sqlalchemy import union

    from alpr.store.schema import RetentionHold

    expired = s.scalar(select(func.count(Read.id)).where(Read.read_at < cutoff)) or 0
    on_hold = (select(Read.id).select_from(RetentionHold).join(Read, and_(
        RetentionHold.released_at.is_(None), Read.read_at >= RetentionHold.starts_at,
        # One upper bound (the hold's end or the cutoff, whichever is first), so the
        # database walks the read_at index over the hold's window only.
        Read.read_at < case((RetentionHold.ends_at < cutoff, RetentionHold.ends_at),
                            else_=literal(cutoff)),
        (RetentionHold.plate.is_(None)) | (RetentionHold.plate == Read.plate))))
    acted = (select(Hit.read_id).join(HitVerification, HitVerification.hit_id == Hit.id)
             .where(HitVerification.action_taken.is_not(None), Hit.read_at < cutoff))
    preserved = s.scalar(select(func.count()).select_from(union(on_hold, acted).subquery())) or 0
    return int(expired - preserved)


PATROL_STATUSES = ("short", "exempt", "compliant")  # failing first


def patrol_time(gov: Governance, actor: Actor, since: dt.datetime, until: dt.datetime
                ) -> pd.DataFrame:
    """Per patrol shift of a unit with a mobile ALPR camera: how long the shift ran and how much
    of it the unit's ALPR was on *and functioning* (policy III.A: it must be "turned on and
    functioning" whenever the car is on patrol, "unless the unit is malfunctioning for a
    reason beyond the operator's control").

    - A camera session counts as functioning only if the camera produced at least one read
      during it: a unit switched on that reads nothing is not patrol time with ALPR
      (``on_hours`` shows it was switched on; ``note`` says so).
    - A malfunction reported on the unit's camera and not yet resolved during the shift is
      beyond the operator's control: the shift is ``exempt`` from its start until the
      report is resolved (or to its end). Exempt hours are not in the denominator. Damage
      reports are not exempted automatically (VI.A: damage may be the operator's doing);
      the note names them for the supervisor.

    A shift 08:00-16:00 whose camera read 08:00-12:00 and 13:00-16:00 gives ``patrol_hours``
    8, ``judged_hours`` 8, ``active_hours`` 7, ``active_share`` 0.875, ``status`` ``short``
    (under the 95 % target). Open shifts and sessions count up to ``until``; the unit's best
    camera counts when it has several. Rows: failing (``short``) shifts first, then
    ``exempt``, then ``compliant``, newest first within each.
    """
    mobile_unit = exists().where(Camera.unit == Shift.unit, Camera.kind == "mobile")
    shifts_q = (select(Shift.id, Shift.unit, User.username, Shift.started_at, Shift.ended_at)
                .join(User, User.id == Shift.user_id)
                .where(Shift.started_at >= since, Shift.started_at < until, mobile_unit)
                .order_by(Shift.started_at, Shift.id))
    reading = exists().where(
        Read.camera_id == CameraSession.camera_id, Read.read_at >= CameraSession.started_at,
        or_(CameraSession.ended_at.is_(None), Read.read_at < CameraSession.ended_at),
        Read.read_at < until)
    sessions_q = (select(Camera.unit, CameraSession.camera_id, CameraSession.started_at,
                         CameraSession.ended_at, reading)
                  .join(Camera, Camera.id == CameraSession.camera_id)
                  .where(Camera.kind == "mobile", Camera.unit.is_not(None),
                         CameraSession.started_at >= since - MAX_SESSION,
                         CameraSession.started_at < until))
    reports_q = (select(Camera.unit, EquipmentReport.kind, EquipmentReport.reported_at,
                        EquipmentReport.resolved_at, EquipmentReport.description)
                 .join(Camera, Camera.id == EquipmentReport.camera_id)
                 .where(Camera.kind == "mobile", Camera.unit.is_not(None),
                        EquipmentReport.kind.in_(("malfunction", "damage")),
                        EquipmentReport.reported_at < until,
                        or_(EquipmentReport.resolved_at.is_(None),
                            EquipmentReport.resolved_at > since)))
    with gov._tx() as s:
        gov.authorize(s, actor, "compliance.view", "patrol_time",
                      {"since": since.isoformat(), "until": until.isoformat()})
        shifts = s.execute(shifts_q).all()
        sessions = s.execute(sessions_q).all()
        reports = s.execute(reports_q).all()
    on_spans: dict[str, list[list[tuple[float, float]]]] = _unit_spans(sessions, until)
    read_spans = _unit_spans([r for r in sessions if r[4]], until)
    target = float(metric("patrol_time").target or 0.95)
    unit_reports: dict[str, list[tuple[Any, ...]]] = {}
    for r_unit, kind, at, resolved, text in reports:  # each shift looks at its unit's only
        unit_reports.setdefault(str(r_unit), []).append(
            (kind, at, resolved, text, _ts(at), _ts(resolved) if resolved is not None else None))
    rows = []
    for sid, unit, user, start, end in shifts:
        lo, hi = _ts(start), _ts(end) if end is not None else until.timestamp()
        unit = str(unit)
        exempt_to, why = lo, ""
        notes = []
        for kind, at, resolved, text, a, b in unit_reports.get(unit, ()):
            if a >= hi or (b is not None and b <= lo):
                continue
            when = f"reported {_minute(at)}" + (f", resolved {_minute(resolved)}"
                                                if resolved is not None else ", not resolved")
            if kind == "malfunction":
                exempt_to = max(exempt_to, min(hi, b if b is not None else hi))
                why = f"malfunction {when}: {text}"
            else:
                notes.append(f"damage {when}: {text} (exempt only if beyond the operator's "
                             f"control: supervisor to decide, VI.A.4)")
        judged = max(0.0, hi - exempt_to)
        on = max((_covered(c, exempt_to, hi) for c in on_spans.get(unit, [])), default=0.0)
        active = max((_covered(c, exempt_to, hi) for c in read_spans.get(unit, [])),
                     default=0.0)
        if judged < 60:  # under a minute left to judge: the whole shift is exempt
            status, share = "exempt", float("nan")
            notes.insert(0, f"exempt (III.A): {why}")
        else:
            share = active / judged
            status = "compliant" if share >= target - 1e-12 else "short"
            if why:
                notes.insert(0, f"exempt for {(exempt_to - lo) / 3600:.1f} h (III.A): {why}")
            if on - active > 60:
                notes.append(f"ALPR on {on / 3600:.1f} h but {(on - active) / 3600:.1f} h of it "
                             f"with no reads: not functioning (report a malfunction, VI)")
            if status == "short":
                notes.append(f"ALPR on and reading {active / 3600:.1f} h of "
                             f"{judged / 3600:.1f} h judged")
        rows.append((sid, unit, user, start, end, (hi - lo) / 3600, (exempt_to - lo) / 3600,
                     judged / 3600, on / 3600, active / 3600, share, status, "; ".join(notes)))
    df = pd.DataFrame(rows, columns=PATROL_COLUMNS)
    rank = df["status"].map({k: i for i, k in enumerate(PATROL_STATUSES)})
    return (df.assign(_rank=rank).sort_values(["_rank", "started_at"], ascending=[True, False],
                                              kind="stable")
            .drop(columns="_rank").reset_index(drop=True))


PATROL_COLUMNS = ["shift_id", "unit", "operator", "started_at", "ended_at", "patrol_hours",
                  "exempt_hours", "judged_hours", "on_hours", "active_hours", "active_share",
                  "status", "note"]


def _unit_spans(sessions: Any, until: dt.datetime) -> dict[str, list[list[tuple[float, float]]]]:
    """Per unit, each camera's merged session spans (seconds)."""
    spans: dict[tuple[str, int], list[tuple[float, float]]] = {}
    for unit, camera, start, end, *_ in sessions:
        spans.setdefault((str(unit), camera), []).append(
            (_ts(start), _ts(end) if end is not None else until.timestamp()))
    by_unit: dict[str, list[list[tuple[float, float]]]] = {}
    for (unit, _), spans_ in spans.items():
        by_unit.setdefault(unit, []).append(_merge(spans_))
    return by_unit


def _minute(at: dt.datetime) -> str:
    return f"{at:%Y-%m-%d %H:%M}"


def _ts(at: dt.datetime) -> float:
    return (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).timestamp()


def _merge(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Sorted, non-overlapping spans (two overlapping sessions count once)."""
    out: list[tuple[float, float]] = []
    for lo, hi in sorted(spans):
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _covered(spans: list[tuple[float, float]], lo: float, hi: float) -> float:
    """Seconds of [lo, hi) covered by sorted disjoint ``spans``.

    >>> _covered([(0, 10), (20, 30)], 5, 25)
    10.0
    """
    i = bisect.bisect_left(spans, (lo, lo)) - 1
    total = 0.0
    for a, b in spans[max(i, 0):]:
        if a >= hi:
            break
        total += max(0.0, min(b, hi) - max(a, lo))
    return total


def summary(gov: Governance, actor: Actor, as_of: dt.datetime,
            retention: RetentionPolicy | None = None,
            max_days_between_checks: int = 30,
            since: dt.datetime | None = None) -> pd.DataFrame:
    """One row per metric: value (a share, a count, hours), numerator, denominator, policy
    clause, target and ``status`` (``met``, ``NOT MET``, ``no data``, ``monitor``).

    A metric over no records has ``value`` NaN and status ``no data`` — never 0 % or 100 %:
    a share of no searches, a mean of no shifts, a count of unverified hits when there were
    no hits. ``meets_target`` is True / False for judged metrics, None otherwise.

    Records with a time (searches, shifts, hits, verifications, shares) count when they fall
    in ``[since, as_of)``; ``since`` None means from the beginning. States (certifications,
    equipment, retention, manual entries) are taken at ``as_of``."""
    start = since or dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    users = certified_users(gov, actor, last_day(as_of))
    cams = cameras_needing_attention(gov, actor, as_of, max_days_between_checks)
    patrol = patrol_time(gov, actor, start, as_of)
    cutoff = as_of - dt.timedelta(days=(retention or RetentionPolicy()).reads_days)

    def within(col: Any) -> Any:
        return and_(col >= start, col < as_of)

    with gov._tx() as s:
        gov.authorize(s, actor, "compliance.view", "summary")
        searches, with_case = s.execute(select(
            func.count(HistoricalSearch.id),
            func.count(HistoricalSearch.case_number)).where(within(HistoricalSearch.at))).one()
        existing = cameras_existing(s, as_of)
        n_cams = len(existing)
        past = past_retention_count(s, cutoff)
        retention_data = retention_has_data(s, as_of)
        shifts, current_shifts, mean_age = s.execute(select(
            func.count(Shift.id), func.sum(case((Shift.hotlist_current, 1), else_=0)),
            func.avg(Shift.hotlist_age_seconds)).where(within(Shift.started_at))).one()
        in_period = within(HitVerification.verified_at)
        err = hit_error_sql(HitVerification.outcome, Read.plate, Read.state,
                            HitVerification.seen_plate, HitVerification.seen_state)
        errors: dict[str | None, int] = {e: n for e, n in s.execute(
            select(err, func.count(HitVerification.id))
            .join(Hit, Hit.id == HitVerification.hit_id).join(Read, read_of_hit(s))
            .where(in_period).group_by(err))}
        acted = s.scalar(select(func.count(HitVerification.id)).where(
            in_period, HitVerification.action_taken.is_not(None))) or 0
        acted_verified = s.scalar(select(func.count(HitVerification.id)).where(
            in_period, HitVerification.action_taken.is_not(None), HitVerification.chars_match,
            HitVerification.state_match, HitVerification.dispatch_confirmed)) or 0
        acted_hits = set(s.scalars(select(HitVerification.hit_id).where(
            in_period, HitVerification.action_taken.is_not(None))))
        documented = len(acted_hits & evidence_exported(s, as_of))
        hits = s.scalar(select(func.count(Hit.id)).where(within(Hit.created_at))) or 0
        unverified = s.scalar(select(func.count(Hit.id)).where(within(Hit.created_at), ~exists(
            ).where(HitVerification.hit_id == Hit.id))) or 0
        shares, approved_shares = s.execute(select(
            func.count(DataShare.id),
            func.sum(case((and_(AccessRequest.status == "approved",
                                AccessRequest.kind == "data_share"), 1), else_=0)))
            .join(AccessRequest, AccessRequest.id == DataShare.request_id)
            .where(within(DataShare.shared_at))).one()
        manual = s.scalar(select(func.count(HotListEntryRow.id)).where(manual_listed(as_of)))
        overdue_manual = s.scalar(select(func.count(HotListEntryRow.id)).where(
            manual_listed(as_of), HotListEntryRow.expires_at <= as_of)) or 0

    nan = float("nan")
    cams = cams[cams["camera"].isin(existing)]

    def share(num: int, den: int) -> float:
        return num / den if den else nan

    def count(n: int, universe: int | bool) -> float:
        return float(n) if universe else nan

    verified = sum(errors.values())
    ocr = sum(errors.get(k, 0) for k in OCR_ERRORS)
    wrong_list = errors.get("wrong_entry", 0) + errors.get("near_match", 0)
    judged = patrol[patrol["status"] != "exempt"]
    active_h, patrol_h = float(judged["active_hours"].sum()), float(judged["judged_hours"].sum())
    figures = {  # key: (value, numerator, denominator)
        "certified_users": (share(int(users["compliant"].sum()), len(users)),
                            int(users["compliant"].sum()), len(users)),
        "searches_with_case": (share(with_case, searches), with_case, searches),
        "cameras_attention": (count(len(cams), n_cams), len(cams), n_cams),
        "past_retention": (count(past, retention_data), past, None),
        "acted_documented": (share(documented, len(acted_hits)), documented, len(acted_hits)),
        "current_hotlist": (share(int(current_shifts or 0), shifts), int(current_shifts or 0),
                            shifts),
        "hotlist_age": (float(mean_age) / 3600 if shifts and mean_age is not None else nan,
                        None, shifts),
        "verified_before_action": (share(acted_verified, acted), acted_verified, acted),
        "misread_rate": (share(ocr, verified), ocr, verified),
        "wrong_entry_rate": (share(wrong_list, verified), wrong_list, verified),
        "unverified_hits": (count(unverified, hits), unverified, hits),
        "manual_past_expiry": (count(overdue_manual, manual or 0), overdue_manual, manual or 0),
        "patrol_time": (active_h / patrol_h if patrol_h > 0 else nan, round(active_h, 2),
                        round(patrol_h, 2)),
        "approved_shares": (share(int(approved_shares or 0), shares),
                            int(approved_shares or 0), shares),
    }
    rows = [(k, metric(k).label, *got, metric(k).clause) for k, got in figures.items()]
    df = pd.DataFrame(rows, columns=["key", "metric", "value", "numerator", "denominator",
                                     "clause"])
    df["value"] = df["value"].astype(float)
    df["target"] = df["key"].map(lambda k: metric(k).target)
    df["status"] = [judge(k, v) for k, v in zip(df["key"], df["value"], strict=True)]
    df["meets_target"] = [_meets(k, v) for k, v in zip(df["key"], df["value"], strict=True)]
    return df


def last_day(until: dt.datetime) -> dt.date:
    """The last calendar day inside a period that ends (exclusive) at ``until``: states such
    as certifications are judged on it.

    >>> last_day(dt.datetime(2026, 1, 1, tzinfo=dt.UTC)), last_day(dt.datetime(2026, 6, 1, 12))
    (datetime.date(2025, 12, 31), datetime.date(2026, 6, 1))
    """
    return (until - dt.timedelta(microseconds=1)).date()


def cameras_existing(s: Any, as_of: dt.datetime) -> set[str]:
    """Names of the cameras that existed at ``as_of``: those with a read, frame, check,
    session or report dated before it, and those with no dated record at all (nothing says
    when they came). A camera installed in November is not judged for March."""
    tables = ((Read.camera_id, Read.read_at), (CameraFrame.camera_id, CameraFrame.taken_at),
              (EquipmentCheck.camera_id, EquipmentCheck.checked_at),
              (CameraSession.camera_id, CameraSession.started_at),
              (EquipmentReport.camera_id, EquipmentReport.reported_at))
    out = set()
    for cid, name in s.execute(select(Camera.id, Camera.name)).all():
        before = any(s.scalar(select(col).where(cam == cid, col < as_of).limit(1)) is not None
                     for cam, col in tables)
        undated = not before and all(
            s.scalar(select(col).where(cam == cid).limit(1)) is None for cam, col in tables)
        if before or undated:
            out.add(name)
    return out


def evidence_exported(s: Any, as_of: dt.datetime) -> set[int]:
    """Ids of the hits whose evidence package was exported before ``as_of`` (II.A.2; the
    audit trail records each export with the hit id as its target)."""
    targets = s.scalars(select(AuditEntry.target).where(
        AuditEntry.action == "evidence.export", AuditEntry.allowed.is_(True),
        AuditEntry.at < as_of).distinct())
    return {int(t) for t in targets if t is not None and str(t).isdigit()}


def retention_has_data(s: Any, as_of: dt.datetime) -> bool:
    """Whether the retention count means anything at ``as_of``: some read was stored
    before it, or a purge had run (a store with nothing in it has no retention record)."""
    if s.scalar(select(Read.id).where(Read.read_at < as_of).limit(1)) is not None:
        return True
    return s.scalar(select(AuditEntry.id).where(AuditEntry.action == "retention.purged",
                                                AuditEntry.at < as_of).limit(1)) is not None


def manual_listed(as_of: dt.datetime) -> Any:
    """Manual hot-list entries on the list at ``as_of`` (entered by then, not removed)."""
    return and_(HotListEntryRow.manual.is_(True), HotListEntryRow.created_at <= as_of,
                or_(HotListEntryRow.removed_at.is_(None), HotListEntryRow.removed_at > as_of))


STATUSES = ("NOT MET", "no data", "met", "monitor")  # the order a page lists them in


def no_data(value: Any) -> bool:
    """Whether a metric's value is "no data" (None or NaN)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def judge(key: str, value: float | None) -> str:
    """The status of a metric's value: ``met``, ``NOT MET``, ``no data`` (no records behind
    it) or ``monitor`` (a figure without a target).

    >>> judge("patrol_time", 0.97), judge("unverified_hits", 2.0), judge("misread_rate", 0.1)
    ('met', 'NOT MET', 'monitor')
    >>> judge("searches_with_case", float("nan")), judge("misread_rate", None)
    ('no data', 'no data')
    """
    if no_data(value):
        return "no data"
    met = _meets(key, float(value))  # type: ignore[arg-type]
    return "monitor" if met is None else "met" if met else "NOT MET"


def _meets(key: str, value: float | None) -> bool | None:
    """Whether ``value`` meets the metric's target (None for figures without one, and for
    no data).

    >>> _meets("patrol_time", 0.97), _meets("unverified_hits", 2.0), _meets("misread_rate", 0.1)
    (True, False, None)
    """
    m = metric(key)
    if not m.judged or no_data(value):
        return None
    assert value is not None and m.target is not None
    return value >= m.target - 1e-12 if m.target_is == "min" else value <= m.target + 1e-12


def exceptions(gov: Governance, actor: Actor, key: str, since: dt.datetime,
               until: dt.datetime, limit: int = 500,
               retention: RetentionPolicy | None = None) -> pd.DataFrame:
    """The records behind a metric that missed its target: who and when (drill-down).

    ``key`` is a metric's ``key`` from :func:`summary`; returns at most ``limit`` rows, newest
    first. For example ``exceptions(gov, admin, "searches_with_case", ...)`` lists the
    searches made without a case number, with the user, time and stated purpose.
    """
    if key not in metric_keys():
        raise ValueError(f"key {key!r}: not a metric; one of {', '.join(metric_keys())}")
    if key == "certified_users":
        df = certified_users(gov, actor, last_day(until))
        return df[~df["compliant"]].head(limit).reset_index(drop=True)
    if key == "cameras_attention":
        return cameras_needing_attention(gov, actor, until).head(limit)
    if key == "patrol_time":  # short shifts only: exempt ones are not exceptions (III.A)
        df = patrol_time(gov, actor, since, until)
        return df[df["status"] == "short"].head(limit).reset_index(drop=True)
    if key == "acted_documented":
        return _undocumented(gov, actor, since, until, limit)
    cutoff = until - dt.timedelta(days=(retention or RetentionPolicy()).reads_days)
    with gov._tx() as s:
        gov.authorize(s, actor, "compliance.view", f"exceptions:{key}",
                      {"since": since.isoformat(), "until": until.isoformat()})
        stmt, columns = _exception_query(key, since, until, cutoff, read_of_hit(s))
        rows = s.execute(stmt.limit(limit)).all() if stmt is not None else []
    return pd.DataFrame(rows, columns=columns)


def _exception_query(key: str, since: dt.datetime, until: dt.datetime,
                     cutoff: dt.datetime, hit_read: Any) -> tuple[Any, list[str]]:
    """The drill-down's statement and columns; ``hit_read`` is the session's
    :func:`alpr.store.dialect.read_of_hit`."""
    from alpr.store.schema import Camera as Cam

    def within(col: Any) -> Any:
        return and_(col >= since, col < until)

    verification_cols = ["hit_id", "plate", "camera", "operator", "verified_at", "chars_match",
                         "state_match", "dispatch_confirmed", "outcome", "action_taken"]

    def verifications(*where: Any) -> Any:
        return (select(Hit.id, Read.plate, Cam.name, User.username, HitVerification.verified_at,
                       HitVerification.chars_match, HitVerification.state_match,
                       HitVerification.dispatch_confirmed, HitVerification.outcome,
                       HitVerification.action_taken)
                .join(Hit, Hit.id == HitVerification.hit_id)
                .join(Read, hit_read).join(Cam, Cam.id == Read.camera_id)
                .join(User, User.id == HitVerification.user_id)
                .where(within(HitVerification.verified_at), *where)
                .order_by(HitVerification.verified_at.desc()))

    if key == "searches_with_case":
        return (select(User.username, HistoricalSearch.at, HistoricalSearch.purpose,
                       HistoricalSearch.result_count)
                .join(User, User.id == HistoricalSearch.user_id)
                .where(within(HistoricalSearch.at), HistoricalSearch.case_number.is_(None))
                .order_by(HistoricalSearch.at.desc()),
                ["user", "at", "purpose", "result_count"])
    if key in ("current_hotlist", "hotlist_age"):
        cond = (~Shift.hotlist_current if key == "current_hotlist"
                else Shift.hotlist_age_seconds > 24 * 3600)
        return (select(User.username, Shift.unit, Shift.started_at,
                       Shift.hotlist_age_seconds / 3600.0, Shift.hotlist_current)
                .join(User, User.id == Shift.user_id)
                .where(within(Shift.started_at), cond).order_by(Shift.started_at.desc()),
                ["operator", "unit", "started_at", "hotlist_age_hours", "hotlist_current"])
    if key == "verified_before_action":
        return verifications(HitVerification.action_taken.is_not(None), ~and_(
            HitVerification.chars_match, HitVerification.state_match,
            HitVerification.dispatch_confirmed)), verification_cols
    if key in ("misread_rate", "wrong_entry_rate"):
        err = hit_error_sql(HitVerification.outcome, Read.plate, Read.state,
                            HitVerification.seen_plate, HitVerification.seen_state)
        kinds = OCR_ERRORS if key == "misread_rate" else ("wrong_entry", "near_match")
        entry = aliased(HotListEntryRow)
        return (select(Hit.id, Cam.name, User.username, HitVerification.verified_at,
                       HitVerification.outcome, err, Read.plate, Read.state,
                       HitVerification.seen_plate, HitVerification.seen_state, entry.plate,
                       entry.state)
                .join(Hit, Hit.id == HitVerification.hit_id)
                .join(Read, hit_read).join(Cam, Cam.id == Read.camera_id)
                .join(entry, entry.id == Hit.entry_id)
                .join(User, User.id == HitVerification.user_id)
                .where(within(HitVerification.verified_at), err.in_(kinds))
                .order_by(HitVerification.verified_at.desc()),
                ["hit_id", "camera", "operator", "verified_at", "outcome", "error",
                 "read_plate", "read_state", "seen_plate", "seen_state", "listed_plate",
                 "listed_state"])
    if key == "unverified_hits":
        return (select(Hit.id, Read.plate, Cam.name, Hit.created_at, Hit.kind)
                .join(Read, hit_read).join(Cam, Cam.id == Read.camera_id)
                .where(within(Hit.created_at),
                       ~exists().where(HitVerification.hit_id == Hit.id))
                .order_by(Hit.created_at.desc()),
                ["hit_id", "plate", "camera", "created_at", "kind"])
    if key == "manual_past_expiry":
        return (select(HotListEntryRow.id, HotListEntryRow.plate, User.username,
                       HotListEntryRow.expires_at, HotListEntryRow.purpose)
                .join(User, User.id == HotListEntryRow.entered_by)
                .where(manual_listed(until), HotListEntryRow.expires_at <= until)
                .order_by(HotListEntryRow.expires_at),
                ["entry_id", "plate", "entered_by", "expires_at", "purpose"])
    if key == "approved_shares":
        return (select(DataShare.id, User.username, DataShare.shared_at,
                       DataShare.recipient_agency, DataShare.purpose, AccessRequest.status)
                .join(User, User.id == DataShare.shared_by)
                .join(AccessRequest, AccessRequest.id == DataShare.request_id)
                .where(within(DataShare.shared_at), AccessRequest.status != "approved")
                .order_by(DataShare.shared_at.desc()),
                ["share_id", "shared_by", "shared_at", "recipient_agency", "purpose",
                 "request_status"])
    if key == "past_retention":  # counts per month: the rows themselves are what purge removes
        month = func.substr(func.cast(Read.read_at, String), literal_column("1"),
                            literal_column("7"))
        return (select(month, func.count(Read.id)).where(Read.read_at < cutoff, ~_held())
                .group_by(month).order_by(month), ["month", "reads"])
    raise ValueError(f"key {key!r}: no drill-down")  # pragma: no cover - the key is checked


def _undocumented(gov: Governance, actor: Actor, since: dt.datetime, until: dt.datetime,
                  limit: int) -> pd.DataFrame:
    """Hits acted on in the period with no evidence package exported by ``until`` (II.A.2)."""
    from alpr.store.schema import Camera as Cam

    def statement(hit_read: Any) -> Any:
        return (select(Hit.id, Read.plate, Cam.name, User.username,
                       HitVerification.verified_at, HitVerification.action_taken)
                .join(Hit, Hit.id == HitVerification.hit_id).join(Read, hit_read)
                .join(Cam, Cam.id == Read.camera_id)
                .join(User, User.id == HitVerification.user_id)
                .where(HitVerification.verified_at >= since, HitVerification.verified_at < until,
                       HitVerification.action_taken.is_not(None))
                .order_by(HitVerification.verified_at.desc()))
    with gov._tx() as s:
        gov.authorize(s, actor, "compliance.view", "exceptions:acted_documented",
                      {"since": since.isoformat(), "until": until.isoformat()})
        done = evidence_exported(s, until)
        rows = [r for r in s.execute(statement(read_of_hit(s))).all() if r[0] not in done][:limit]
    return pd.DataFrame(rows, columns=["hit_id", "plate", "camera", "operator", "verified_at",
                                       "action_taken"])
