"""Compliance metrics as DataFrames, computed in SQL, each citing its policy clause.

For the administrators' dashboards and the annual re-evaluation report. Every call goes
through the access-control layer (``compliance.view``: administrators and auditors).
Metrics that need shifts, hits and manual hot-list entries arrive with those records.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import and_, case, exists, func, select

from alpr.governance.access import Actor, Governance
from alpr.governance.records import RetentionPolicy, _held
from alpr.store.schema import (
    Camera,
    Certification,
    EquipmentCheck,
    HistoricalSearch,
    Hit,
    HitVerification,
    HotListEntryRow,
    Read,
    Shift,
    User,
)


def certified_users(gov: Governance, actor: Actor, as_of: dt.date) -> pd.DataFrame:
    """One row per active user: current training? current certification? (policy I.A, I.B)"""
    def current(kind: str) -> Any:
        return func.max(case((and_(Certification.kind == kind,
                                   Certification.issued_on <= as_of,
                                   Certification.expires_on >= as_of), 1), else_=0))

    stmt = (select(User.username, User.role, current("alpr_training").label("training"),
                   current("sled_ncic").label("certification"))
            .outerjoin(Certification, Certification.user_id == User.id)
            .where(User.active.is_(True)).group_by(User.id, User.username, User.role)
            .order_by(User.username))
    with gov._tx() as s:
        gov.authorize(s, actor, "compliance.view", "certified_users")
        df = pd.DataFrame(s.execute(stmt).all(),
                          columns=["username", "role", "training", "certification"])
    df[["training", "certification"]] = df[["training", "certification"]].fillna(0).astype(bool)
    df["compliant"] = df["training"] & df["certification"]
    return df


def cameras_needing_attention(gov: Governance, actor: Actor, as_of: dt.datetime,
                              max_days_between_checks: int = 30) -> pd.DataFrame:
    """Cameras overdue for a check, and cameras in service despite a failed last check (II.B)."""
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
    cutoff = as_of - dt.timedelta(days=max_days_between_checks)
    out = []
    for name, kind, in_service, at, functional, aligned in rows:
        if at is not None and at.tzinfo is None:
            at = at.replace(tzinfo=dt.UTC)
        problems = []
        if in_service and (at is None or at < cutoff):
            problems.append("overdue for an equipment check")
        if in_service and at is not None and not (functional and aligned):
            problems.append("in service despite a failed last check")
        out.append({"camera": name, "kind": kind, "in_service": in_service,
                    "last_check": at, "problems": "; ".join(problems)})
    df = pd.DataFrame(out, columns=["camera", "kind", "in_service", "last_check", "problems"])
    return df[df["problems"] != ""].reset_index(drop=True)


def summary(gov: Governance, actor: Actor, as_of: dt.datetime,
            retention: RetentionPolicy | None = None,
            max_days_between_checks: int = 30) -> pd.DataFrame:
    """One row per metric: value (a share or a count), numerator, denominator, policy clause."""
    users = certified_users(gov, actor, as_of.date())
    cams = cameras_needing_attention(gov, actor, as_of, max_days_between_checks)
    cutoff = as_of - dt.timedelta(days=(retention or RetentionPolicy()).reads_days)
    with gov._tx() as s:
        gov.authorize(s, actor, "compliance.view", "summary")
        searches, with_case = s.execute(select(
            func.count(HistoricalSearch.id),
            func.count(HistoricalSearch.case_number))).one()
        n_cams = s.scalar(select(func.count(Camera.id))) or 0
        past = s.scalar(select(func.count(Read.id)).where(Read.read_at < cutoff, ~_held())) or 0
        shifts, current_shifts, mean_age = s.execute(select(
            func.count(Shift.id), func.sum(case((Shift.hotlist_current, 1), else_=0)),
            func.avg(Shift.hotlist_age_seconds))).one()
        outcomes: dict[str, int] = {o: n for o, n in s.execute(
            select(HitVerification.outcome, func.count(HitVerification.id))
            .group_by(HitVerification.outcome))}
        acted = s.scalar(select(func.count(HitVerification.id)).where(
            HitVerification.action_taken.is_not(None))) or 0
        acted_verified = s.scalar(select(func.count(HitVerification.id)).where(
            HitVerification.action_taken.is_not(None), HitVerification.chars_match,
            HitVerification.state_match, HitVerification.dispatch_confirmed)) or 0
        hits = s.scalar(select(func.count(Hit.id))) or 0
        unverified = s.scalar(select(func.count(Hit.id)).where(~exists().where(
            HitVerification.hit_id == Hit.id))) or 0
        overdue_manual = s.scalar(select(func.count(HotListEntryRow.id)).where(
            HotListEntryRow.manual.is_(True), HotListEntryRow.removed_at.is_(None),
            HotListEntryRow.expires_at <= as_of)) or 0

    def share(num: int, den: int) -> float:
        return num / den if den else 1.0

    rows = [
        ("users with current training and certification", share(int(users["compliant"].sum()),
         len(users)), int(users["compliant"].sum()), len(users), "I.A, I.B"),
        ("historical searches with purpose and case number", share(with_case, searches),
         with_case, searches, "III.E, IV.E"),
        ("cameras overdue for a check or in service despite a failed one", float(len(cams)),
         len(cams), n_cams, "II.B"),
        ("reads past retention and not under a hold", float(past), past, None, "II.A.1"),
        ("shifts started with a current hot list", share(int(current_shifts or 0), shifts),
         int(current_shifts or 0), shifts, "III.C"),
        ("mean hot-list age at shift start (hours)", float(mean_age or 0) / 3600, None, shifts,
         "III.C"),
        ("hits acted on with characters, state and confirmation verified first",
         share(acted_verified, acted), acted_verified, acted, "III.D, IV.B"),
        ("verified hits that were misreads", share(outcomes.get("misread", 0),
         sum(outcomes.values())) if outcomes else 0.0, outcomes.get("misread", 0),
         sum(outcomes.values()), "III.D.1"),
        ("verified hits with the wrong state", share(outcomes.get("wrong_state", 0),
         sum(outcomes.values())) if outcomes else 0.0, outcomes.get("wrong_state", 0),
         sum(outcomes.values()), "III.D.1"),
        ("hits not yet verified", float(unverified), unverified, hits, "III.D"),
        ("manual entries past expiry and not removed", float(overdue_manual), overdue_manual,
         None, "IV.D.2"),
    ]
    return pd.DataFrame(rows, columns=["metric", "value", "numerator", "denominator", "clause"])
