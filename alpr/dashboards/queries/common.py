"""What every page's queries share: the filters applied to cameras, UTC days on both SQLite and
PostgreSQL, result rows as a DataFrame, and the join from a hit's verification to its read
and camera (with the rejected hit's cause as an SQL column)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alpr.dashboards.filters import Filters
from alpr.health.misreads import hit_error_sql
from alpr.store.dialect import is_sqlite, read_of_hit
from alpr.store.schema import Camera, Hit, HitVerification, Read, User

LOW_CONFIDENCE = 0.9  # reads below this are what an operator would double-check


def aware(ts: dt.datetime | None) -> dt.datetime | None:
    """SQLite returns naive UTC datetimes; PostgreSQL aware ones."""
    if ts is None or pd.isna(ts):
        return None
    return ts if ts.tzinfo else ts.replace(tzinfo=dt.UTC)


def to_frame(s: Session, stmt: Any, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame([tuple(r) for r in s.execute(stmt).all()], columns=columns)


def for_cameras(stmt: Any, f: Filters) -> Any:
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
    latest = aware(s.scalar(select(func.max(Read.read_at))))
    return latest.date() if latest else None


def hit_time(s: Session) -> Any:
    """When the hit's read was taken. On SQLite written as an expression on purpose: a bare
    ``reads.read_at`` range lets SQLite's planner scan millions of reads through the time
    index; this way it starts from the few hits (or verifications) and looks reads up by key
    (``hits.read_at`` may be NULL there on rows older than migration 0006). On PostgreSQL
    ``hits.read_at`` is NOT NULL and, by the foreign key ``(read_id, read_at)``, the read's own
    time: the hit's column, which its rows can be filtered on before any read is touched."""
    return func.coalesce(Hit.read_at, Read.read_at) if is_sqlite(s) else Hit.read_at


def hit_verifications(s: Session, stmt: Any, f: Filters) -> Any:
    """``stmt`` over the verifications of hits whose read is in the period, joined to the hit,
    its read and its camera, for the filters' cameras."""
    return for_cameras(stmt.select_from(HitVerification)
                    .join(Hit, Hit.id == HitVerification.hit_id)
                    .join(Read, read_of_hit(s))
                    .join(Camera, Camera.id == Read.camera_id)
                    .where(hit_time(s) >= f.t0, hit_time(s) < f.t1), f)


def hit_error_column() -> Any:
    """Why a rejected hit was wrong (:func:`alpr.health.misreads.hit_error`, in SQL): the
    recognizer's misread of characters or state, a wrong hot-list entry, or a near match."""
    return hit_error_sql(HitVerification.outcome, Read.plate, Read.state,
                         HitVerification.seen_plate, HitVerification.seen_state)


