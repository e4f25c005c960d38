"""The Misreads page's queries: verified hits by day, camera or state with the rejected ones by
cause, the character confusions they show, and the rejected hits (newest, and grouped by
hot-list entry)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased

from alpr.dashboards.filters import Filters
from alpr.dashboards.queries.common import (
    hit_error_column,
    hit_time,
    hit_verifications,
    read_of_hit,
    to_frame,
)
from alpr.health.misreads import HIT_ERRORS, OCR_ERRORS, compared_plates
from alpr.metrics import char_confusions
from alpr.store.dialect import utc_day
from alpr.store.schema import (
    Camera,
    Hit,
    HitVerification,
    HotListEntryRow,
    HotListVersion,
    Read,
    User,
)

OUTCOME_COLUMNS = ("verified", "misread", "wrong_state", "confirmed", *HIT_ERRORS)


def _outcome_counts() -> list[Any]:
    """Counts in :data:`OUTCOME_COLUMNS` order: verified hits, the operator's outcomes, and
    the rejected hits by cause (recognizer misreads apart from wrong list entries)."""
    err = hit_error_column()
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
    keys = {"day": utc_day(s, hit_time(s)), "camera": Camera.name,
            "state": func.coalesce(Read.state, "??")}
    if by not in keys:
        raise ValueError(f"by {by!r}: must be one of {', '.join(keys)}")
    key = keys[by].label(by)
    stmt = hit_verifications(s, select(key, *_outcome_counts()), f).group_by(key).order_by(key)
    df = to_frame(s, stmt, [by, *OUTCOME_COLUMNS])
    for col in OUTCOME_COLUMNS:
        df[col] = df[col].fillna(0).astype(int)
    df["recognizer"] = df[list(OCR_ERRORS)].sum(axis=1).astype(int)
    if by == "day":
        df["day"] = pd.to_datetime(df["day"])
    return df


def confusions(s: Session, f: Filters) -> pd.DataFrame:
    """Character confusions from verified hits, as (true, read, count): the one rule,
    :func:`alpr.metrics.char_confusions`, over the plates that
    :func:`alpr.health.misreads.compared_plates` takes as true — the one the officer noted
    (any outcome), else the listed plate of a hit whose characters matched."""
    entry = aliased(HotListEntryRow)
    stmt = (hit_verifications(s, select(HitVerification.seen_plate, entry.plate,
                                     HitVerification.chars_match, Read.plate), f)
            .join(entry, entry.id == Hit.entry_id)
            .where(HitVerification.seen_plate.is_not(None)
                   | HitVerification.chars_match.is_(True)))
    df = to_frame(s, stmt, ["seen_plate", "listed_plate", "chars_match", "read_plate"])
    counts = char_confusions(*compared_plates(df))
    return pd.DataFrame([(t, r, n) for (t, r), n in sorted(counts.items())],
                        columns=["true", "read", "count"])


def rejected_hits(s: Session, f: Filters, limit: int = 12) -> pd.DataFrame:
    """The newest hits the verifying officer rejected (misread or wrong state), with the
    plate and state the officer saw when recorded and the cause (``error``, see
    :func:`~alpr.dashboards.queries.common.hit_error_column`)."""
    entry = aliased(HotListEntryRow)
    stmt = (hit_verifications(s, select(HitVerification.verified_at, HitVerification.outcome,
                             hit_error_column(), Camera.name,
                             Read.read_at, Read.plate, Read.state, Read.confidence,
                             Read.image_path, entry.plate, entry.state, User.username,
                             HitVerification.seen_plate, HitVerification.seen_state), f)
            .join(entry, entry.id == Hit.entry_id)
            .join(User, User.id == HitVerification.user_id)
            .where(HitVerification.outcome.in_(("misread", "wrong_state")))
            .order_by(HitVerification.verified_at.desc()).limit(limit))
    return to_frame(s, stmt, ["verified_at", "outcome", "error", "camera", "read_at",
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
    err = hit_error_column().label("error")
    source = func.coalesce(version.source, "manual entry").label("source")
    group = (err, entry.plate, entry.state, source, entry.category)
    stmt = (hit_verifications(s, select(*group, func.count(HitVerification.id),
                             func.count(func.distinct(Camera.id)),
                             func.min(hit_time(s)), func.max(hit_time(s)),
                             func.max(HitVerification.id)), f)
            .join(entry, entry.id == Hit.entry_id)
            .outerjoin(version, version.id == entry.version_id)
            .where(HitVerification.outcome.in_(("misread", "wrong_state")))
            .group_by(*group))
    groups = to_frame(s, stmt, ["error", "listed_plate", "listed_state", "list_source",
                              "category", "hits", "cameras", "first_read", "last_read",
                              "example"])
    if groups.empty:
        return pd.DataFrame(columns=ENTRY_GROUP_COLUMNS)
    ex = (select(HitVerification.id, Read.plate, Read.state, HitVerification.seen_plate,
                 HitVerification.seen_state, Camera.name, Read.image_path)
          .join(Hit, Hit.id == HitVerification.hit_id).join(Read, read_of_hit(s))
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


