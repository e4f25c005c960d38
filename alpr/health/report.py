"""Every camera's health: image alignment and focus (daily snapshots against the reference
frame), drift in its reads (CUSUM), patrol coverage of mobile units and misread rates,
combined into a status (ok, warn, fail) with reasons and a recommendation (policy II.B: a
camera outside expected function is removed from service).

:func:`assess` is the pure core over plain DataFrames; :func:`load_inputs` and
:func:`health_report` are the edge that reads the store through the access-control layer.
Findings dated before a camera's latest vendor-maintenance record count as resolved.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Float, case, cast, func, literal, or_, select
from sqlalchemy.orm import Session

from alpr.governance.access import Actor, Governance
from alpr.health.align import Alignment, AlignmentThresholds, estimate_alignment, load_image
from alpr.health.drift import DriftConfig, daily_stats, detect_drift
from alpr.health.misreads import misread_rates, wilson
from alpr.health.patrol import PatrolConfig, patrol_findings
from alpr.health.severity import Severity, classify, must_remove
from alpr.health.severity import recommendation as recommend
from alpr.store.dialect import read_of_hit, utc_day
from alpr.store.schema import (
    Camera,
    CameraFrame,
    CameraSession,
    EquipmentReport,
    Hit,
    HitVerification,
    HotListEntryRow,
    Read,
    Shift,
)


@dataclass(frozen=True)
class HealthConfig:
    """Every threshold of the health report, in one place."""

    alignment: AlignmentThresholds = field(default_factory=AlignmentThresholds)
    drift: DriftConfig = field(default_factory=DriftConfig)
    patrol: PatrolConfig = field(default_factory=PatrolConfig)
    max_misread_rate: float = 0.2  # warn when even the interval's lower end is above it
    min_verified: int = 10


@dataclass(frozen=True)
class Finding:
    camera: str
    day: str
    source: str  # image | reads | patrol | misreads
    status: str  # warn | fail
    reason: str


@dataclass(frozen=True)
class HealthInputs:
    """What the report needs, as plain tables (see :func:`load_inputs` for the columns)."""

    cameras: pd.DataFrame
    reads: pd.DataFrame
    frames: pd.DataFrame
    shifts: pd.DataFrame
    sessions: pd.DataFrame
    reports: pd.DataFrame
    verified: pd.DataFrame
    # Per camera and day, the reads' statistics (:func:`alpr.health.drift.daily_stats`'s
    # columns, plus ``all_reads``, boxed or not), aggregated by the database; None: computed
    # here from ``reads``, which then holds every read of every camera.
    daily: pd.DataFrame | None = None


@dataclass(frozen=True)
class CameraHealth:
    camera: str
    kind: str
    in_service: bool
    status: str
    recommendation: str
    reasons: tuple[str, ...]
    first_flagged: str | None
    suspect_reads: int
    resolved: tuple[str, ...] = ()
    alignment: dict[str, Any] | None = None  # the latest snapshot against the reference
    findings: tuple[Finding, ...] = ()  # every dated finding, current and resolved

    @property
    def severity(self) -> Severity:
        """Where the camera stands on the one scale every page shows
        (:mod:`alpr.health.severity`): a ``fail`` in service is "remove from service"."""
        return classify(self.status, self.in_service)

    @property
    def must_remove(self) -> bool:
        """Policy II.B: it fails its diagnostics and is still in service."""
        return must_remove(self.status, self.in_service)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["severity"] = self.severity.label
        d["reasons"], d["resolved"] = list(self.reasons), list(self.resolved)
        d["findings"] = [asdict(f) for f in self.findings]
        return d


_ORDER = {"ok": 0, "warn": 1, "fail": 2}


@functools.lru_cache(maxsize=8192)
def aligned_paths(reference: str, current: str, thresholds: AlignmentThresholds) -> Alignment:
    """:func:`estimate_alignment` of two image files, remembered for the process (frames are
    written once and never change: their SHA-256 is in the store)."""
    return estimate_alignment(load_image(reference), load_image(current), thresholds)


def image_findings(frames: pd.DataFrame, thresholds: AlignmentThresholds,
                   load: Callable[[str], np.ndarray] = load_image
                   ) -> tuple[list[Finding], dict[str, dict[str, Any]]]:
    """Each snapshot against the camera's reference frame: findings, and the latest result
    per camera. ``frames``: camera, kind (reference|snapshot), taken_at, path."""
    found: list[Finding] = []
    latest: dict[str, dict[str, Any]] = {}
    if frames.empty:
        return found, latest
    fr = frames.copy()
    fr["taken_at"] = pd.to_datetime(fr["taken_at"], utc=True)
    for camera, g in fr.groupby("camera", sort=True):
        refs = g[g["kind"] == "reference"].sort_values("taken_at")
        if refs.empty:
            continue
        ref_row = refs.iloc[-1]
        try:
            ref = load(str(ref_row["path"]))
        except (ValueError, OSError) as exc:
            found.append(Finding(str(camera), ref_row["taken_at"].date().isoformat(), "image",
                                 "warn", f"reference frame unreadable: {exc}"))
            continue
        for row in g[(g["kind"] == "snapshot")].sort_values("taken_at").itertuples():
            day = row.taken_at.date().isoformat()
            try:
                a = (aligned_paths(str(ref_row["path"]), str(row.path), thresholds)
                     if load is load_image else estimate_alignment(ref, load(str(row.path)),
                                                                   thresholds))
            except (ValueError, OSError) as exc:
                found.append(Finding(str(camera), day, "image", "warn",
                                     f"snapshot unreadable: {exc}"))
                continue
            latest[str(camera)] = {"day": day, **a.to_dict()}
            if a.status != "ok":
                found.append(Finding(str(camera), day, "image", a.status,
                                     f"snapshot {day}: " + "; ".join(a.reasons)))
    return found, latest


def assess(inputs: HealthInputs, cfg: HealthConfig | None = None,
           load: Callable[[str], np.ndarray] = load_image) -> list[CameraHealth]:
    """One :class:`CameraHealth` per camera, worst first."""
    cfg = cfg or HealthConfig()
    findings, latest = image_findings(inputs.frames, cfg.alignment, load)
    stats = (inputs.daily if inputs.daily is not None
             else daily_stats(inputs.reads, cfg.drift.low_confidence)
             if not inputs.reads.empty else None)
    if stats is not None and not stats.empty:
        findings += [Finding(a.camera, a.day, "reads", "fail", a.reason)
                     for a in detect_drift(stats, cfg.drift)]
    outages = _outages(inputs.reports)
    for p in patrol_findings(inputs.shifts, inputs.sessions, inputs.reads, outages, cfg.patrol):
        findings.append(Finding(p.camera, p.day, "patrol",
                                "fail" if p.kind == "no_reads" else "warn", p.reason))
    if not inputs.verified.empty:
        rates = misread_rates(inputs.verified)["camera"]
        for row in rates.itertuples():
            if row.verified >= cfg.min_verified:
                _, lo, hi = wilson(int(row.misread), int(row.verified))
                if lo > cfg.max_misread_rate:
                    findings.append(Finding(str(row.camera), "", "misreads", "warn",
                                            f"{row.misread} of {row.verified} verified hits "
                                            f"were misreads ({lo:.0%}-{hi:.0%}, 95 % interval)"))
    repaired = _repairs(inputs.reports)
    per_day = _reads_per_day(inputs)
    out = []
    for cam in inputs.cameras.itertuples():
        name = str(cam.name)
        fixed_on = repaired.get(name)
        mine = sorted((f for f in findings if f.camera == name), key=lambda f: f.day)
        current = [f for f in mine if fixed_on is None or (f.day and f.day >= fixed_on)]
        resolved = tuple(f"{f.day}: {f.reason} (resolved by vendor maintenance {fixed_on})"
                         for f in mine if f not in current)
        status = max((f.status for f in current), key=_ORDER.__getitem__, default="ok")
        first = next((f.day for f in current if f.status == "fail" and f.day), None)
        suspect = 0
        if first is not None and name in per_day:
            days, counts = per_day[name]
            suspect = int(counts[days >= first].sum())
        reasons = _dedupe(current)
        rec = recommend(status, bool(cam.in_service), cam.reason)
        out.append(CameraHealth(name, str(cam.kind), bool(cam.in_service), status, rec,
                                tuple(reasons), first, suspect, resolved, latest.get(name),
                                tuple(mine)))
    return sorted(out, key=lambda h: (-_ORDER[h.status], h.camera))


def _reads_per_day(inputs: HealthInputs) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per camera, its days (ISO, UTC) and how many reads each holds."""
    if inputs.daily is not None:
        d = inputs.daily
        return {str(c): (g["day"].to_numpy(dtype="U10"), g["all_reads"].to_numpy(np.int64))
                for c, g in d.groupby("camera")}
    if inputs.reads.empty:
        return {}
    days = pd.to_datetime(inputs.reads["read_at"], utc=True).dt.strftime("%Y-%m-%d")
    n = days.groupby([inputs.reads["camera"], days]).size()
    return {str(c): (g.index.get_level_values(1).to_numpy(dtype="U10"),
                     g.to_numpy(np.int64)) for c, g in n.groupby(level=0)}


def _dedupe(findings: list[Finding]) -> list[str]:
    """One line per source and kind of problem: the first day, and how many days since."""
    out: list[str] = []
    groups: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        key = (f.source, f.reason.split(":")[0] if f.source == "image" else f.reason[:40])
        if f.source == "image":
            key = (f.source, f.status)
        groups.setdefault(key, []).append(f)
    for (_source, _), fs in groups.items():
        first = fs[0]
        more = f" (and {len(fs) - 1} more day(s))" if len(fs) > 1 else ""
        out.append(f"[{first.source}] {first.reason}{more}")
    return out


def _outages(reports: pd.DataFrame) -> pd.DataFrame:
    if reports.empty:
        return pd.DataFrame(columns=["camera", "from", "until"])
    r = reports[reports["kind"] != "vendor_maintenance"]
    return pd.DataFrame({"camera": r["camera"], "from": r["reported_at"],
                         "until": r["resolved_at"]})


def _repairs(reports: pd.DataFrame) -> dict[str, str]:
    """Day of each camera's latest vendor maintenance record."""
    if reports.empty:
        return {}
    r = reports[reports["kind"] == "vendor_maintenance"].copy()
    r["day"] = pd.to_datetime(r["reported_at"], utc=True).dt.date.astype(str)
    return {str(c): str(g["day"].max()) for c, g in r.groupby("camera")}


# -- the edge: the store, through the access-control layer -----------------------------------
def load_inputs(gov: Governance, actor: Actor, since: dt.datetime | None = None) -> HealthInputs:
    """Read what the report needs (``compliance.view``: administrators and auditors)."""
    with gov._tx() as s:
        gov.authorize(s, actor, "compliance.view", "camera_health")
        return read_inputs(s, since)


def read_inputs(s: Session, since: dt.datetime | None = None,
                until: dt.datetime | None = None) -> HealthInputs:
    """The report's tables from a session the caller has already authorised (the dashboards
    authorise each page view once): records from ``since`` (reads) and before ``until``
    (everything; a report resolved at or after ``until`` counts as still open)."""
    ids = s.execute(select(Camera.id, Camera.name, Camera.unit)).all()
    names = {i: n for i, n, _ in ids}
    cameras = pd.DataFrame(
        s.execute(select(Camera.name, Camera.kind, Camera.unit, Camera.in_service,
                         Camera.out_of_service_reason).order_by(Camera.name)).all(),
        columns=["name", "kind", "unit", "in_service", "reason"])
    # The reads themselves only for the patrol units' cameras (reads per shift); every
    # camera's daily statistics are aggregated by the database.
    unit_ids = [i for i, _, u in ids if u]
    q = select(Read.camera_id, Read.read_at).where(Read.camera_id.in_(unit_ids))
    if since is not None:
        q = q.where(Read.read_at >= since)
    if until is not None:
        q = q.where(Read.read_at < until)
    reads = _frame(s.execute(q).all() if unit_ids else [], ["camera", "read_at"])
    daily = daily_read_stats(s, since, until)
    fq = select(CameraFrame.camera_id, CameraFrame.kind, CameraFrame.taken_at, CameraFrame.path)
    if until is not None:
        fq = fq.where(CameraFrame.taken_at < until)
    frames = _frame(s.execute(fq).all(), ["camera", "kind", "taken_at", "path"])
    unit_cam = {u: n for n, u in zip(cameras["name"], cameras["unit"], strict=True) if u}
    # Shifts judged are those begun in the window (their reads are all loaded); sessions are
    # those that overlap it.
    sq = select(Shift.unit, Shift.started_at, Shift.ended_at)
    cq = select(CameraSession.camera_id, CameraSession.started_at, CameraSession.ended_at)
    if since is not None:
        sq = sq.where(Shift.started_at >= since)
        cq = cq.where(or_(CameraSession.ended_at.is_(None), CameraSession.ended_at >= since))
    if until is not None:
        sq = sq.where(Shift.started_at < until)
        cq = cq.where(CameraSession.started_at < until)
    shifts = _frame(s.execute(sq).all(), ["unit", "started_at", "ended_at"])
    sessions = _frame(s.execute(cq).all(), ["camera", "started_at", "ended_at"])
    rq = select(EquipmentReport.camera_id, EquipmentReport.kind, EquipmentReport.reported_at,
                EquipmentReport.resolved_at)
    vq = (select(Read.camera_id, Read.state, HitVerification.outcome, HotListEntryRow.plate,
                 HitVerification.chars_match, Hit.substitutions, Read.plate,
                 HitVerification.seen_plate)
          .join(Hit, Hit.id == HitVerification.hit_id).join(Read, read_of_hit(s))
          .join(HotListEntryRow, HotListEntryRow.id == Hit.entry_id))
    if until is not None:
        rq = rq.where(EquipmentReport.reported_at < until)
        vq = vq.where(HitVerification.verified_at < until)
        end = pd.Timestamp(until)
        for df in (shifts, sessions):
            for col in ("started_at", "ended_at"):
                df[col] = pd.to_datetime(df[col], utc=True)
        shifts = shifts[shifts["started_at"] < end].copy()
        shifts.loc[shifts["ended_at"] >= end, "ended_at"] = pd.NaT  # not ended yet: not judged
        sessions = sessions[sessions["started_at"] < end].copy()
        sessions.loc[sessions["ended_at"] >= end, "ended_at"] = end
    reports = _frame(s.execute(rq).all(), ["camera", "kind", "reported_at", "resolved_at"])
    if until is not None:
        late = pd.to_datetime(reports["resolved_at"], utc=True) >= end
        reports.loc[late, "resolved_at"] = None
    verified = _frame(s.execute(vq).all(),
                      ["camera", "read_state", "outcome", "listed_plate", "chars_match",
                       "substitutions", "read_plate", "seen_plate"])
    for df in (reads, daily, frames, sessions, reports, verified):
        df["camera"] = df["camera"].map(names)
    shifts["camera"] = shifts["unit"].map(unit_cam)
    shifts = shifts.dropna(subset=["camera"])
    return HealthInputs(cameras, reads, frames, shifts, sessions, reports, verified, daily)


def _frame(rows: Any, columns: list[str]) -> pd.DataFrame:
    """A DataFrame of result rows (as plain tuples: pandas probes a Row for attributes, which
    costs more than the query on a large result)."""
    return pd.DataFrame.from_records([tuple(r) for r in rows], columns=columns)


def daily_read_stats(s: Session, since: dt.datetime | None = None,
                     until: dt.datetime | None = None,
                     low_confidence: float = DriftConfig.low_confidence) -> pd.DataFrame:
    """:func:`alpr.health.drift.daily_stats` of the stored reads in ``[since, until)``, by the
    database: per camera id and UTC day one row of counts, sums and sums of squares (one
    pass over the period's boxed reads, nothing of them loaded), turned into the same means
    and sample standard deviations; ``all_reads`` counts the reads with or without a box."""
    # double precision throughout: a NUMERIC constant would make PostgreSQL do every sum in
    # decimal arithmetic (measured: 6x slower)
    w, h = cast(Read.box_w, Float), cast(Read.box_h, Float)
    half, one, zero = (cast(literal(x), Float) for x in (0.5, 1.0, 0.0))
    metrics: dict[str, Any] = {
        "centre_x": cast(Read.box_x, Float) + w * half, "centre_y": cast(Read.box_y, Float) + h * half,
        "width": w, "aspect": h / cast(func.nullif(w, 0.0), Float),
        "confidence": cast(Read.confidence, Float),
        "low_share": case((Read.confidence < low_confidence, one), else_=zero)}
    day = utc_day(s, Read.read_at)
    period = ([Read.read_at >= since] if since is not None else []) + (
        [Read.read_at < until] if until is not None else [])
    # box_w and box_h are NULL together (ck_reads_box); confidence is NOT NULL, so every
    # metric but the aspect (NULL for a zero width) counts each boxed read
    cols: list[Any] = [func.count().label("reads"), func.count(metrics["aspect"]).label("n_aspect")]
    for m, e in metrics.items():
        cols += [func.sum(e).label(f"{m}__s"), func.sum(e * e).label(f"{m}__q")]
    res = s.execute(select(Read.camera_id.label("camera"), day.label("day"), *cols)
                    .where(Read.box_w.is_not(None), *period).group_by(Read.camera_id, day))
    raw = _frame(res.all(), list(res.keys()))
    every = _frame(s.execute(select(Read.camera_id, day, func.count()).where(*period)
                             .group_by(Read.camera_id, day)).all(),
                   ["camera", "day", "all_reads"])
    raw["day"], every["day"] = raw["day"].astype(str), every["day"].astype(str)
    out = every.merge(raw, on=["camera", "day"], how="left")
    out["reads"] = out["reads"].fillna(0).astype(int)
    for m in metrics:
        n = (out["n_aspect"] if m == "aspect" else out["reads"]).astype(float)
        sm, sq = out[f"{m}__s"].astype(float), out[f"{m}__q"].astype(float)
        mean = (sm / n).where(n > 0)
        var = ((sq - sm * sm / n) / (n - 1)).where(n > 1)
        # sums of squares cancel to rounding noise where a day's values are all alike
        var = var.where(var > 1e-12 * (mean * mean + 1.0), 0.0).where(n > 1)
        out[m] = mean
        out[f"{m}_sd"] = np.sqrt(var)
    out["all_reads"] = out["all_reads"].astype(int)
    keep = ["camera", "day", *metrics, *(f"{m}_sd" for m in metrics), "reads", "all_reads"]
    return out[keep].sort_values(["camera", "day"], ignore_index=True)


def health_report(gov: Governance, actor: Actor, cfg: HealthConfig | None = None,
                  since: dt.datetime | None = None) -> list[CameraHealth]:
    """Every camera's health from the store."""
    return assess(load_inputs(gov, actor, since), cfg)


WINDOW_DAYS = 45  # how far back the diagnostics look from the moment they judge


def health_at(s: Session, as_of: dt.datetime, cfg: HealthConfig | None = None,
              window_days: int = WINDOW_DAYS) -> list[CameraHealth]:
    """The diagnostics as they stood at ``as_of`` (records of the ``window_days`` before it),
    from a session the caller has authorised; what II.B compliance and the annual report
    judge. The cameras' service state is today's (the store keeps no history of the flag)."""
    since = as_of - dt.timedelta(days=window_days)
    return assess(read_inputs(s, since, as_of), cfg)


def must_remove_now(report: list[CameraHealth]) -> list[CameraHealth]:
    """The cameras policy II.B says must come out of service: failing and still in service."""
    return [h for h in report if h.must_remove]


def format_table(report: list[CameraHealth]) -> str:
    """A plain-text table for people: one block per camera, worst first."""
    lines = []
    for h in report:
        service = "in service" if h.in_service else "OUT OF SERVICE"
        lines.append(f"{h.camera:10} {h.kind:10} {h.status.upper():5} {service}: "
                     f"{h.recommendation}")
        for r in h.reasons:
            lines.append(f"    - {r}")
        if h.suspect_reads:
            lines.append(f"    ! {h.suspect_reads} reads since {h.first_flagged} are suspect: "
                         f"review them before relying on them")
        for r in h.resolved:
            lines.append(f"    (resolved) {r}")
    return "\n".join(lines)


