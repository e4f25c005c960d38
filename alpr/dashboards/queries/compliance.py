"""The Compliance page's drill-downs: the records behind each metric's figure (who, when), each
with ``ok`` where the metric judges a record, filtered like the page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import exists, select
from sqlalchemy.orm import Session, aliased

from alpr.dashboards.filters import Filters
from alpr.dashboards.queries.common import (
    for_cameras,
    hit_error_column,
    hit_verifications,
    read_of_hit,
    to_frame,
)
from alpr.governance.compliance import (
    evidence_exported,
    manual_listed,
    past_retention_count,
    retention_has_data,
)
from alpr.governance.records import RetentionPolicy
from alpr.store.schema import (
    AccessRequest,
    Camera,
    DataShare,
    HistoricalSearch,
    Hit,
    HitVerification,
    HotListEntryRow,
    Read,
    Shift,
    User,
)


def searches(s: Session, f: Filters) -> pd.DataFrame:
    """Historical searches in the period: who, when, purpose, case; ok = both recorded."""
    stmt = (select(User.username, HistoricalSearch.at, HistoricalSearch.purpose,
                   HistoricalSearch.case_number, HistoricalSearch.result_count)
            .join(User, User.id == HistoricalSearch.user_id)
            .where(HistoricalSearch.at >= f.t0, HistoricalSearch.at < f.t1)
            .order_by(HistoricalSearch.at))
    if f.user:
        stmt = stmt.where(User.username == f.user)
    df = to_frame(s, stmt, ["user", "at", "purpose", "case_number", "results"])
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
    df = to_frame(s, stmt, ["user", "at", "unit", "hotlist_age_hours", "ok"])
    df["ok"] = df["ok"].astype(bool)
    return df


def _acted(s: Session, f: Filters, *extra: Any) -> Any:
    """Verifications in the period that recorded an action (by the filter's cameras and
    user): user, when, camera, plate, action, then ``extra`` columns."""
    stmt = for_cameras(
        select(User.username, HitVerification.verified_at, Camera.name, Read.plate,
               HitVerification.action_taken, *extra)
        .select_from(HitVerification).join(Hit, Hit.id == HitVerification.hit_id)
        .join(Read, read_of_hit(s)).join(Camera, Camera.id == Read.camera_id)
        .join(User, User.id == HitVerification.user_id)
        .where(HitVerification.action_taken.is_not(None), HitVerification.verified_at >= f.t0,
               HitVerification.verified_at < f.t1).order_by(HitVerification.verified_at), f)
    return stmt.where(User.username == f.user) if f.user else stmt


def actions(s: Session, f: Filters) -> pd.DataFrame:
    """Verifications in the period that recorded an action: ok = characters, state and
    dispatch confirmation all checked first (III.D, IV.B)."""
    df = to_frame(s, _acted(s, f, HitVerification.chars_match, HitVerification.state_match,
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
    stmt = for_cameras(
        select(Hit.id, Hit.created_at, Read.read_at, Camera.name, Read.plate, Read.state,
               entry.plate, Hit.kind, verified)
        .select_from(Hit)
        .join(Read, read_of_hit(s)).join(Camera, Camera.id == Read.camera_id)
        .join(entry, entry.id == Hit.entry_id)
        .where(Hit.created_at >= f.t0, Hit.created_at < f.t1)
        .order_by(Hit.created_at), f)
    df = to_frame(s, stmt, ["hit_id", "at", "read_at", "camera", "read_plate", "read_state",
                          "listed_plate", "match", "ok"])
    df["ok"] = df["ok"].astype(bool)
    return df


def verified_in_period(s: Session, f: Filters) -> pd.DataFrame:
    """Verifications made in the period: who, when, which camera and plate, the operator's
    outcome and, for a rejected hit, its cause (``error``,
    :func:`alpr.health.misreads.hit_error`: the recognizer's misread or a wrong list entry)."""
    entry = aliased(HotListEntryRow)
    stmt = for_cameras(
        select(User.username, HitVerification.verified_at, Camera.name, Read.plate, Read.state,
               HitVerification.seen_plate, HitVerification.seen_state, entry.plate,
               entry.state, HitVerification.outcome, hit_error_column())
        .select_from(HitVerification).join(Hit, Hit.id == HitVerification.hit_id)
        .join(Read, read_of_hit(s)).join(Camera, Camera.id == Read.camera_id)
        .join(entry, entry.id == Hit.entry_id)
        .join(User, User.id == HitVerification.user_id)
        .where(HitVerification.verified_at >= f.t0, HitVerification.verified_at < f.t1)
        .order_by(HitVerification.verified_at), f)
    if f.user:
        stmt = stmt.where(User.username == f.user)
    return to_frame(s, stmt, ["user", "at", "camera", "read_plate", "read_state", "seen_plate",
                            "seen_state", "listed_plate", "listed_state", "outcome", "error"])


def acted_hits(s: Session, f: Filters) -> pd.DataFrame:
    """Hits acted on (verifications in the period that recorded an action) and whether an
    evidence package was exported for each by the period's end: ok (II.A.2)."""
    df = to_frame(s, _acted(s, f, Hit.id), ["user", "at", "camera", "plate", "action", "hit_id"])
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
    df = to_frame(s, stmt, ["user", "at", "recipient", "purpose", "records", "request_kind",
                          "request_status"])
    df["ok"] = (df["request_status"] == "approved") & (df["request_kind"] == "data_share")
    return df


def overdue_manual_entries(s: Session, f: Filters) -> pd.DataFrame:
    """Manual hot-list entries on the list at the period's end, each with ok = not yet past
    its expiry (IV.D.2: the person who entered it removes it once it no longer serves)."""
    stmt = (select(User.username, HotListEntryRow.created_at, HotListEntryRow.plate,
                   HotListEntryRow.purpose, HotListEntryRow.expires_at)
            .join(User, User.id == HotListEntryRow.entered_by)
            .where(manual_listed(f.t1)).order_by(HotListEntryRow.expires_at))
    if f.user:
        stmt = stmt.where(User.username == f.user)
    df = to_frame(s, stmt, ["user", "at", "plate", "purpose", "expires_at"])
    expires = pd.to_datetime(df["expires_at"], utc=True)
    df["ok"] = (expires.isna() | (expires > pd.Timestamp(f.t1))).astype(bool)
    return df


def verifications(s: Session, f: Filters) -> pd.DataFrame:
    """Verifications of hits on reads in the period: who, when, which camera, the outcome."""
    stmt = (hit_verifications(s, select(User.username, HitVerification.verified_at, Camera.name,
                             Read.plate, Read.state, HitVerification.outcome), f)
            .join(User, User.id == HitVerification.user_id)
            .order_by(HitVerification.verified_at))
    if f.user:
        stmt = stmt.where(User.username == f.user)
    return to_frame(s, stmt, ["user", "at", "camera", "plate", "state", "outcome"])


def past_retention(s: Session, f: Filters) -> int | None:
    """Reads older than the retention period at the period's end and not held (the
    governance layer's own count); None (no data) when no read was stored by then and no
    purge had run."""
    if not retention_has_data(s, f.t1):
        return None
    return past_retention_count(s, f.t1 - dt.timedelta(days=RetentionPolicy().reads_days))
