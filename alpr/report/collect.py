"""The figures of the annual re-evaluation, gathered through the access-control layer.

``collect(gov, actor, year)`` returns plain data (DataFrames and dicts) for one calendar
year: the compliance metrics for the year and by month (NaN where a month has no records:
no data), the records behind each missed target, the patrol shifts exempt under III.A,
equipment availability and faults, hit verification outcomes and the causes of rejected
hits (the recognizer's misreads apart from wrong hot-list entries, by entry), retention and
sharing, the audit trail's integrity and denied attempts, and the OCR model in use.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict
from sqlalchemy import String, func, literal, literal_column, select

from alpr.governance import audit, compliance
from alpr.governance.access import Actor, Governance
from alpr.governance.compliance_metrics import metric_keys
from alpr.governance.records import RetentionPolicy
from alpr.health import service
from alpr.health.misreads import HIT_ERRORS, hit_error_sql
from alpr.health.report import health_at
from alpr.health.severity import classify, rank
from alpr.store.dialect import read_of_hit
from alpr.store.schema import (
    AuditEntry,
    Camera,
    DataShare,
    EquipmentCheck,
    EquipmentReport,
    Hit,
    HitVerification,
    HotListEntryRow,
    HotListVersion,
    Read,
    RetentionHold,
)


class Clause(BaseModel):
    """One clause of the policy as the report presents it."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)
    clause: str
    title: str
    requires: str
    metrics: list[str]


def clauses() -> list[Clause]:
    text = resources.files("alpr").joinpath("data/policy_clauses.yaml").read_text()
    out = [Clause(**c) for c in yaml.safe_load(text)]
    listed = [m for c in out for m in c.metrics]
    unknown = set(listed) - set(metric_keys())
    if unknown:
        raise ValueError(f"policy_clauses.yaml: metrics {sorted(unknown)} are not in the "
                         f"catalog (compliance_metrics.yaml)")
    missing = [k for k in metric_keys() if listed.count(k) != 1]
    if missing:
        raise ValueError(f"policy_clauses.yaml: metrics {missing} must each be under exactly "
                         f"one clause (each catalog metric is reported once)")
    return out


@dataclass
class ReportData:
    year: int
    since: dt.datetime
    until: dt.datetime
    generated_at: dt.datetime
    generated_by: str
    clauses: list[Clause]
    summary: pd.DataFrame  # one row per metric for the year (value NaN: no data)
    monthly: pd.DataFrame  # month x metric key -> value (NaN: no data that month)
    exceptions: dict[str, pd.DataFrame]  # metric key -> records behind a missed target
    exempt_shifts: pd.DataFrame  # patrol shifts exempt under III.A (reported malfunction)
    causes: pd.DataFrame  # month x cause of a rejected hit (health.misreads.HIT_ERRORS)
    wrong_entries: pd.DataFrame  # rejected hits by cause and hot-list entry, most first
    equipment: pd.DataFrame  # one row per camera
    verifications: pd.DataFrame  # month x outcome -> count
    reads_by_month: pd.DataFrame
    retention: dict[str, Any]
    shares: pd.DataFrame
    security: dict[str, Any]
    model: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def _months(since: dt.datetime, until: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    out, start = [], since
    while start < until:
        end = dt.datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=dt.UTC)
        out.append((start, min(end, until)))
        start = end
    return out


def _aware(ts: dt.datetime | None) -> dt.datetime | None:
    return ts if ts is None or ts.tzinfo else ts.replace(tzinfo=dt.UTC)


def collect(gov: Governance, actor: Actor, year: int, now: dt.datetime | None = None,
            retention: RetentionPolicy | None = None,
            model_dir: Path | None = None) -> ReportData:
    """Everything the annual report shows for ``year`` (up to ``now`` for the current year)."""
    now = now or dt.datetime.now(dt.UTC)
    since = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
    until = min(dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC), now)
    if until <= since:
        raise ValueError(f"year {year}: has not started yet (now is {now:%Y-%m-%d})")
    summary = compliance.summary(gov, actor, until, retention, since=since)
    monthly = pd.DataFrame(
        {start.strftime("%Y-%m"): compliance.summary(gov, actor, end, retention, since=start)
         .set_index("key")["value"] for start, end in _months(since, until)}).T
    missed = summary[summary["status"] == "NOT MET"]
    excs = {k: compliance.exceptions(gov, actor, k, since, until, limit=25,
                                     retention=retention) for k in missed["key"]}
    patrol = compliance.patrol_time(gov, actor, since, until)
    exempt = patrol[patrol["status"] == "exempt"].reset_index(drop=True)
    with gov._tx() as s:
        gov.authorize(s, actor, "compliance.view", f"annual_report:{year}")
        equipment = _equipment(s, since, until)
        verifications = _verifications(s, since, until)
        causes, wrong_entries = _causes(s, since, until)
        reads_by_month = _reads_by_month(s, since, until)
        retention_info = _retention(s, since, until)
        shares = pd.DataFrame(s.execute(
            select(DataShare.recipient_agency, func.count(DataShare.id),
                   func.sum(DataShare.record_count))
            .where(DataShare.shared_at >= since, DataShare.shared_at < until)
            .group_by(DataShare.recipient_agency).order_by(DataShare.recipient_agency)).all(),
            columns=["recipient_agency", "shares", "records"])
        security = _security(s, since, until)
    return ReportData(year, since, until, now, actor.username, clauses(), summary, monthly,
                      excs, exempt, causes, wrong_entries, equipment, verifications,
                      reads_by_month, retention_info, shares, security,
                      model_info(model_dir, since, until))


EQUIPMENT_COLUMNS = [
    "camera", "kind", "status", "in_service", "out_of_service_reason", "diagnostics",
    "measured_from", "reads", "checks", "failed_checks", "malfunctions", "damage",
    "vendor_maintenance", "days_measured", "days_out_of_service", "days_failing_in_service",
    "availability"]


def _equipment(s: Any, since: dt.datetime, until: dt.datetime) -> pd.DataFrame:
    """Per camera, most urgent first: its status at the period's end on the one severity
    scale (:mod:`alpr.health.severity`; a camera failing its diagnostics while in service is
    "remove from service"), the diagnostics' reasons, reads, checks, reports by kind, and
    availability measured from the camera's first record (:mod:`alpr.health.service`): the
    share of that time it was in service and not failing its diagnostics."""
    health = {h.camera: h for h in health_at(s, until)}
    rec = service.load(s, until)
    avail = service.availability(
        rec, service.spells(rec), since, until,
        {h.camera: h.first_flagged for h in health.values()
         if h.must_remove and h.first_flagged}).set_index("camera")
    cams = s.execute(select(Camera.id, Camera.name, Camera.kind, Camera.in_service,
                            Camera.out_of_service_reason).order_by(Camera.name)).all()
    reads = dict(s.execute(select(Read.camera_id, func.count(Read.id)).where(
        Read.read_at >= since, Read.read_at < until).group_by(Read.camera_id)).all())
    failed = dict(s.execute(select(EquipmentCheck.camera_id, func.count(EquipmentCheck.id)).where(
        EquipmentCheck.checked_at >= since, EquipmentCheck.checked_at < until,
        ~(EquipmentCheck.functional & EquipmentCheck.alignment_ok))
        .group_by(EquipmentCheck.camera_id)).all())
    checks = dict(s.execute(select(EquipmentCheck.camera_id, func.count(EquipmentCheck.id)).where(
        EquipmentCheck.checked_at >= since, EquipmentCheck.checked_at < until)
        .group_by(EquipmentCheck.camera_id)).all())
    reports = s.execute(select(EquipmentReport.camera_id, EquipmentReport.kind,
                               EquipmentReport.reported_at)
                        .where(EquipmentReport.reported_at >= since,
                               EquipmentReport.reported_at < until)).all()
    rows = []
    for cid, name, kind, in_service, reason in cams:
        kinds: dict[str, int] = {}
        for rcid, rkind, _ in reports:
            if rcid == cid:
                kinds[rkind] = kinds.get(rkind, 0) + 1
        h = health.get(name)
        a = avail.loc[name] if name in avail.index else None
        rows.append({"camera": name, "kind": kind,
                     "status": classify(h.status if h is not None else "ok",
                                        bool(in_service)).label,
                     "in_service": bool(in_service), "out_of_service_reason": reason or "",
                     "diagnostics": "; ".join(h.reasons) if h is not None else "",
                     "measured_from": a["measured_from"] if a is not None else None,
                     "reads": int(reads.get(cid, 0)),
                     "checks": int(checks.get(cid, 0)), "failed_checks": int(failed.get(cid, 0)),
                     "malfunctions": kinds.get("malfunction", 0),
                     "damage": kinds.get("damage", 0),
                     "vendor_maintenance": kinds.get("vendor_maintenance", 0),
                     "days_measured": round(float(a["days_measured"]), 1) if a is not None
                     else 0.0,
                     "days_out_of_service": round(float(a["days_out_of_service"]), 1)
                     if a is not None else 0.0,
                     "days_failing_in_service": round(float(a["days_failing_in_service"]), 1)
                     if a is not None else 0.0,
                     "availability": a["availability"] if a is not None else None})
    df = pd.DataFrame(rows, columns=EQUIPMENT_COLUMNS)
    df["availability"] = df["availability"].astype(float)  # NaN: not measured in the period
    return df.sort_values("status", key=lambda c: c.map(rank), kind="stable",
                          ignore_index=True)


def _month(col: Any) -> Any:
    """'YYYY-MM' of a timestamp column, in SQL both databases group by (literal positions:
    PostgreSQL treats two bound parameters as two different expressions)."""
    return func.substr(func.cast(col, String), literal_column("1"), literal_column("7"))


def _verifications(s: Any, since: dt.datetime, until: dt.datetime) -> pd.DataFrame:
    m = _month(HitVerification.verified_at)
    rows = s.execute(select(m, HitVerification.outcome, func.count(HitVerification.id)).where(
        HitVerification.verified_at >= since, HitVerification.verified_at < until)
        .group_by(m, HitVerification.outcome)).all()
    df = pd.DataFrame(rows, columns=["month", "outcome", "count"])
    if df.empty:
        return pd.DataFrame(columns=["confirmed", "misread", "wrong_state",
                                     "entry_no_longer_valid"])
    table = df.pivot_table(index="month", columns="outcome", values="count", fill_value=0)
    for col in ("confirmed", "misread", "wrong_state", "entry_no_longer_valid"):
        if col not in table:
            table[col] = 0
    hits = dict(s.execute(select(_month(Hit.created_at), func.count(Hit.id)).where(
        Hit.created_at >= since, Hit.created_at < until).group_by(_month(Hit.created_at)))
        .all())
    table["hits"] = [hits.get(m, 0) for m in table.index]
    return table.astype(int)


def _causes(s: Any, since: dt.datetime, until: dt.datetime
            ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rejected hits verified in the period by cause (:func:`alpr.health.misreads.hit_error`:
    the recognizer misread the characters or the state, or the read matched the vehicle and
    the list entry was wrong, or a near match): month x cause, and by cause, entry (plate,
    state, list source, category) and the state read, with the hit count, most first."""
    err = hit_error_sql(HitVerification.outcome, Read.plate, Read.state,
                        HitVerification.seen_plate, HitVerification.seen_state)
    m = _month(HitVerification.verified_at)
    source = func.coalesce(HotListVersion.source, literal("manual entry"))
    base = (select().select_from(HitVerification).join(Hit, Hit.id == HitVerification.hit_id)
            .join(Read, read_of_hit(s))
            .join(HotListEntryRow, HotListEntryRow.id == Hit.entry_id)
            .outerjoin(HotListVersion, HotListVersion.id == HotListEntryRow.version_id)
            .where(HitVerification.verified_at >= since, HitVerification.verified_at < until,
                   err.is_not(None)))
    rows = s.execute(base.add_columns(m, err, func.count(HitVerification.id))
                     .group_by(m, err)).all()
    df = pd.DataFrame(rows, columns=["month", "cause", "count"])
    causes = (df.pivot_table(index="month", columns="cause", values="count", fill_value=0)
              if len(df) else pd.DataFrame())
    for col in HIT_ERRORS:
        if col not in causes:
            causes[col] = 0
    causes = causes[list(HIT_ERRORS)].astype(int)
    group = (err, HotListEntryRow.plate, HotListEntryRow.state, source,
             HotListEntryRow.category, Read.state)
    by_entry = pd.DataFrame(s.execute(base.add_columns(*group, func.count(HitVerification.id))
                                      .group_by(*group)).all(),
                            columns=["error", "listed_plate", "listed_state", "list_source",
                                     "category", "read_state", "hits"])
    by_entry["hits"] = by_entry["hits"].astype(int)
    rank = by_entry["error"].map({k: i for i, k in enumerate(HIT_ERRORS)})
    by_entry = (by_entry.assign(_rank=rank)
                .sort_values(["_rank", "hits", "listed_plate"], ascending=[True, False, True])
                .drop(columns="_rank").reset_index(drop=True))
    return causes, by_entry


def _reads_by_month(s: Any, since: dt.datetime, until: dt.datetime) -> pd.DataFrame:
    m = _month(Read.read_at)
    rows = s.execute(select(m, func.count(Read.id), func.avg(Read.confidence)).where(
        Read.read_at >= since, Read.read_at < until).group_by(m).order_by(m)).all()
    return pd.DataFrame(rows, columns=["month", "reads", "mean_confidence"])


def _audit_rows(s: Any, since: dt.datetime, until: dt.datetime, *where: Any) -> list[Any]:
    return s.execute(select(AuditEntry.action, AuditEntry.detail, AuditEntry.allowed,
                            AuditEntry.actor).where(AuditEntry.at >= since,
                                                    AuditEntry.at < until, *where)).all()


def _retention(s: Any, since: dt.datetime, until: dt.datetime) -> dict[str, Any]:
    purges = [json.loads(d) for _, d, _, _ in _audit_rows(
        s, since, until, AuditEntry.action == "retention.purged")]
    holds_placed = s.scalar(select(func.count(RetentionHold.id)).where(
        RetentionHold.created_at >= since, RetentionHold.created_at < until)) or 0
    holds_active = s.scalar(select(func.count(RetentionHold.id)).where(
        RetentionHold.released_at.is_(None))) or 0
    acted = s.scalar(select(func.count(HitVerification.id)).where(
        HitVerification.action_taken.is_not(None), HitVerification.verified_at >= since,
        HitVerification.verified_at < until)) or 0
    exports = len(_audit_rows(s, since, until, AuditEntry.action == "evidence.export",
                              AuditEntry.allowed.is_(True)))
    return {"purges": len(purges), "reads_purged": sum(p.get("deleted", 0) for p in purges),
            "partitions_dropped": sum(len(p.get("partitions_dropped", [])) for p in purges),
            "holds_placed": holds_placed, "holds_active": holds_active,
            "hits_acted_on": acted, "evidence_exports": exports}


def _security(s: Any, since: dt.datetime, until: dt.datetime) -> dict[str, Any]:
    chain = audit.verify(s)
    denied = _audit_rows(s, since, until, AuditEntry.allowed.is_(False))
    by_action: dict[str, int] = {}
    for action, _, _, _ in denied:
        by_action[action] = by_action.get(action, 0) + 1
    total = s.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.at >= since, AuditEntry.at < until)) or 0
    return {"chain_ok": chain.ok, "chain_rows": chain.rows, "chain_message": str(chain),
            "audited_acts": total, "denied": len(denied),
            "denied_by_action": dict(sorted(by_action.items(), key=lambda kv: -kv[1]))}


def model_info(model_dir: Path | None, since: dt.datetime, until: dt.datetime
               ) -> dict[str, Any]:
    """The OCR model in use (its card) and the training runs tracked in MLflow in the period."""
    from alpr.recognizer.recognizer import default_model_dir

    folder = model_dir or default_model_dir()
    info: dict[str, Any] = {"folder": str(folder), "runs": [], "tracking": None}
    card = folder / "card.json"
    if card.is_file():
        c = json.loads(card.read_text())
        info.update(name=c.get("name"), command=c.get("command"),
                    metrics=c.get("metrics_val", {}), data=c.get("data", {}),
                    calibration=c.get("calibration", {}).get("method"))
    try:
        info["runs"], info["tracking"] = _mlflow_runs(since, until)
    except Exception as exc:  # a report must not fail for want of a tracking server
        info["tracking"] = f"MLflow runs not available: {exc}"
    return info


def _mlflow_runs(since: dt.datetime, until: dt.datetime) -> tuple[list[dict[str, Any]], str]:
    from alpr.train.tracking import tracking_uri

    uri = tracking_uri()
    if uri.startswith("sqlite:///") and not Path(uri.removeprefix("sqlite:///")).is_file():
        return [], f"no MLflow tracking store at {uri}"
    import mlflow

    mlflow.set_tracking_uri(uri)
    runs = mlflow.search_runs(search_all_experiments=True, output_format="pandas",
                              filter_string=f"attributes.start_time >= "
                              f"{int(since.timestamp() * 1000)} and attributes.start_time < "
                              f"{int(until.timestamp() * 1000)}")
    out = []
    for _, r in runs.iterrows():
        out.append({"run": r.get("tags.mlflow.runName"), "started": str(r.get("start_time")),
                    "status": r.get("status"),
                    "exact_match_o_folded": r.get("metrics.final_exact_match_o_folded",
                                                  r.get("metrics.val_exact_match_o_folded")),
                    "gate": r.get("tags.gate_decision")})
    return out, uri
