"""The records schema: users and their certifications, cameras, reads, historical searches,
retention holds, and the tamper-evident audit log. Rules that protect data integrity are database constraints
(foreign keys, checks, unique keys), not only Python checks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from alpr.store.times import UTCDateTime
from alpr.store.vocabulary import (
    CAMERA_KINDS,
    CERTIFICATIONS,
    HIT_KINDS,
    OUTCOMES,
    ROLES,
    STATE_AGREEMENT,
)

__all__ = ["CAMERA_KINDS", "CERTIFICATIONS", "HIT_KINDS", "OUTCOMES", "ROLES",
           "STATE_AGREEMENT"]  # the vocabularies, as before; the tables below


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(_in("role", ROLES), name="ck_users_role"),
        CheckConstraint("failed_logins >= 0", name="ck_users_failed_logins"),
        CheckConstraint("length(username) >= 2", name="ck_users_username"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(300))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    certifications: Mapped[list[Certification]] = relationship(
        back_populates="user", foreign_keys="Certification.user_id")


class Certification(Base):
    """Training (policy I.A) and SLED/NCIC certification (I.B), with their validity."""

    __tablename__ = "certifications"
    __table_args__ = (
        CheckConstraint(_in("kind", CERTIFICATIONS), name="ck_certifications_kind"),
        CheckConstraint("expires_on > issued_on", name="ck_certifications_dates"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    issued_on: Mapped[dt.date] = mapped_column(Date)
    expires_on: Mapped[dt.date] = mapped_column(Date)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    user: Mapped[User] = relationship(back_populates="certifications", foreign_keys=[user_id])


class Camera(Base):
    """A mobile (vehicle) or stationary ALPR camera; out of service needs a reason (II.B)."""

    __tablename__ = "cameras"
    __table_args__ = (
        CheckConstraint(_in("kind", CAMERA_KINDS), name="ck_cameras_kind"),
        CheckConstraint("in_service OR out_of_service_reason IS NOT NULL",
                        name="ck_cameras_out_of_service_reason"),
        CheckConstraint("kind <> 'mobile' OR vehicle IS NOT NULL", name="ck_cameras_vehicle"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    unit: Mapped[str | None] = mapped_column(String(64))
    vehicle: Mapped[str | None] = mapped_column(String(64))
    location: Mapped[str | None] = mapped_column(String(200))
    in_service: Mapped[bool] = mapped_column(Boolean, default=True)
    out_of_service_reason: Mapped[str | None] = mapped_column(Text)


class AuditEntry(Base):
    """Append-only audit trail; each row holds the hash of the previous row (a hash chain)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        UniqueConstraint("row_hash", name="uq_audit_log_row_hash"),
        CheckConstraint("length(row_hash) = 64 AND length(prev_hash) = 64",
                        name="ck_audit_log_hashes"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[str] = mapped_column(Text, default="{}")
    allowed: Mapped[bool] = mapped_column(Boolean)
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64))
    # the audit key's fingerprint: row_hash is its HMAC-SHA256; None on the unkeyed SHA-256
    # rows written before migration 0009 (a legacy segment sealed by an audit.rekeyed row)
    key_id: Mapped[str | None] = mapped_column(String(16))


class AuditHead(Base):
    """One row: the newest audit entry's id and hash, locked while appending so concurrent
    writers extend the chain one at a time, and so that removing the newest rows shows."""

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="ck_audit_head_single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(Integer)


def _plate_key(context: Any) -> str:
    """The natural key of a read inserted without one: its plate (see ``Read.read_key``)."""
    return f"plate:{context.get_current_parameters()['plate']}"


class RecordDigest(Base):
    """The SHA-256 of an audited record as it was after the audited act ``audit_id`` wrote it
    (``DELETED``-style all-zero digest: the act deleted it). Append-only; the audit row
    commits to its digests, so ``alpr audit verify`` reports records changed since."""

    __tablename__ = "record_digests"
    __table_args__ = (
        CheckConstraint("length(digest) = 64", name="ck_record_digests_digest"),
        Index("ix_record_digests_record", "kind", "record_id"),
    )

    audit_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # audit_log.id
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))


# The plate read backwards, in SQL both databases index (SQLite has no reverse(); plates have
# at most 10 characters): a partial plate known at its end (``*4123``) is a range of this
# expression's index, as one known at its start is a range of ``ix_reads_plate`` (0011).
PLATE_REVERSED_SQL = " || ".join(f"substr(plate, {i}, 1)" for i in range(10, 0, -1))


class Read(Base):
    """One plate read by a camera: what the recognizer saw, with its evidence trail."""

    __tablename__ = "reads"
    __table_args__ = (
        CheckConstraint("confidence >= 0 AND confidence <= 1", name="ck_reads_confidence"),
        CheckConstraint("state_confidence IS NULL OR (state_confidence >= 0 AND "
                        "state_confidence <= 1)", name="ck_reads_state_confidence"),
        CheckConstraint("length(plate) BETWEEN 1 AND 10", name="ck_reads_plate"),
        CheckConstraint("image_sha256 IS NULL OR length(image_sha256) = 64",
                        name="ck_reads_image_sha256"),
        CheckConstraint("(box_w IS NULL) = (box_h IS NULL)", name="ck_reads_box"),
        # SQLite does not enforce VARCHAR lengths: these checks do, on both databases
        CheckConstraint("state IS NULL OR length(state) <= 3", name="ck_reads_state"),
        CheckConstraint("model_version IS NULL OR length(model_version) <= 100",
                        name="ck_reads_model_version"),
        CheckConstraint("image_path IS NULL OR length(image_path) <= 1024",
                        name="ck_reads_image_path"),
        CheckConstraint("char_confidences IS NULL OR length(char_confidences) <= 2000",
                        name="ck_reads_char_confidences"),
        CheckConstraint("length(read_key) BETWEEN 1 AND 120", name="ck_reads_read_key"),
        # the natural key: a re-run or a resumed ingest stores nothing twice (migration 0010)
        UniqueConstraint("camera_id", "read_at", "read_key", name="uq_reads_natural_key"),
        Index("ix_reads_camera_time", "camera_id", "read_at"),
        # an index of an expression, not a column: every insert path (ORM, Core, raw SQL)
        # keeps it, and nothing can leave it stale (retro-matching, migration 0011)
        Index("ix_reads_plate_reversed", text(f"({PLATE_REVERSED_SQL})")),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    read_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="RESTRICT"))
    plate: Mapped[str] = mapped_column(String(10), index=True)
    state: Mapped[str | None] = mapped_column(String(3))
    confidence: Mapped[float] = mapped_column(Float)
    state_confidence: Mapped[float | None] = mapped_column(Float)
    char_confidences: Mapped[str | None] = mapped_column(Text)  # JSON list
    box_x: Mapped[int | None] = mapped_column(Integer)
    box_y: Mapped[int | None] = mapped_column(Integer)
    box_w: Mapped[int | None] = mapped_column(Integer)
    box_h: Mapped[int | None] = mapped_column(Integer)
    image_path: Mapped[str | None] = mapped_column(Text)
    image_sha256: Mapped[str | None] = mapped_column(String(64))
    model_version: Mapped[str | None] = mapped_column(String(100))
    ingested_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # "id:<the reader's read id>" when the reads file gives one, else "plate:<plate>";
    # unique with the camera and the time (a partitioned table's keys include read_at)
    read_key: Mapped[str] = mapped_column(String(120), default=_plate_key)


class HistoricalSearch(Base):
    """A search of historical data: who, why, for which case, what, and how many results
    (policy III.E / IV.E)."""

    __tablename__ = "historical_searches"
    __table_args__ = (
        CheckConstraint("length(purpose) >= 10", name="ck_searches_purpose"),
        CheckConstraint("result_count >= 0", name="ck_searches_result_count"),
        CheckConstraint("case_number IS NULL OR length(case_number) <= 64",
                        name="ck_searches_case_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    query: Mapped[str] = mapped_column(Text)  # JSON
    purpose: Mapped[str] = mapped_column(Text)
    case_number: Mapped[str | None] = mapped_column(String(64))
    result_count: Mapped[int] = mapped_column(Integer)


class RetentionHold(Base):
    """Preserves reads tied to an investigation from retention purges until released."""

    __tablename__ = "retention_holds"
    __table_args__ = (
        CheckConstraint("length(reason) >= 10", name="ck_holds_reason"),
        CheckConstraint("starts_at < ends_at", name="ck_holds_window"),
        CheckConstraint("length(case_number) BETWEEN 1 AND 64", name="ck_holds_case_number"),
        CheckConstraint("plate IS NULL OR length(plate) BETWEEN 1 AND 10", name="ck_holds_plate"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_number: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    plate: Mapped[str | None] = mapped_column(String(10))  # None: every plate in the window
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    released_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    released_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))


class CameraSession(Base):
    """A span of time a camera's ALPR was switched on and reading: for mobile units, the part
    of a patrol shift the system was active (patrol-time metric)."""

    __tablename__ = "camera_sessions"
    __table_args__ = (
        CheckConstraint("ended_at IS NULL OR ended_at >= started_at",
                        name="ck_camera_sessions_times"),
        Index("ix_camera_sessions_camera_time", "camera_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="RESTRICT"))
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("shifts.id", ondelete="RESTRICT"),
                                                 index=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))


class CameraFrame(Base):
    """A full frame from a camera: its reference (at installation) or a periodic snapshot,
    kept as an image file; the alignment and focus diagnostics compare the two (II.B)."""

    __tablename__ = "camera_frames"
    __table_args__ = (
        CheckConstraint("kind IN ('reference', 'snapshot')", name="ck_camera_frames_kind"),
        CheckConstraint("length(sha256) = 64", name="ck_camera_frames_sha256"),
        Index("ix_camera_frames_camera_time", "camera_id", "taken_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(12))
    taken_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))


class EquipmentCheck(Base):
    """A designated, trained person's regular check of a camera (policy II.B)."""

    __tablename__ = "equipment_checks"
    __table_args__ = (
        CheckConstraint("functional OR notes IS NOT NULL", name="ck_checks_failure_notes"),
        Index("ix_equipment_checks_camera_time", "camera_id", "checked_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="RESTRICT"))
    checked_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    checked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    functional: Mapped[bool] = mapped_column(Boolean)
    alignment_ok: Mapped[bool] = mapped_column(Boolean)
    notes: Mapped[str | None] = mapped_column(Text)


class EquipmentReport(Base):
    """A malfunction or damage report (VI.A.4, VI.B.2) and its vendor follow-up."""

    __tablename__ = "equipment_reports"
    __table_args__ = (
        CheckConstraint("kind IN ('malfunction', 'damage', 'vendor_maintenance')",
                        name="ck_reports_kind"),
        CheckConstraint("length(description) >= 5", name="ck_reports_description"),
        CheckConstraint("resolved_at IS NULL OR resolved_at >= reported_at",
                        name="ck_reports_resolution"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="RESTRICT"),
                                           index=True)
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    reported_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    reported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    vendor_notified_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))



class HotListVersion(Base):
    """One load of one hot-list source: what a shift start records (policy III.C)."""

    __tablename__ = "hotlist_versions"
    __table_args__ = (
        CheckConstraint("length(sha256) = 64", name="ck_hotlist_versions_sha256"),
        CheckConstraint("rows_loaded >= 0 AND rows_rejected >= 0 AND rows_read >= 0",
                        name="ck_hotlist_versions_counts"),
        CheckConstraint("length(source) BETWEEN 1 AND 200 AND length(format) <= 10",
                        name="ck_hotlist_versions_source"),
        Index("ix_hotlist_versions_source_time", "source", "loaded_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(10))
    loaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    loaded_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    rows_read: Mapped[int] = mapped_column(Integer)
    rows_loaded: Mapped[int] = mapped_column(Integer)
    rows_rejected: Mapped[int] = mapped_column(Integer)
    duplicates_merged: Mapped[int] = mapped_column(Integer)


class HotListEntryRow(Base):
    """An entry of an imported list version, or a manual entry (policy IV.D: entered for a
    legitimate purpose, removed by its owner once it no longer serves one)."""

    __tablename__ = "hotlist_entries"
    __table_args__ = (
        CheckConstraint("length(plate) BETWEEN 1 AND 12", name="ck_entries_plate"),
        CheckConstraint("manual = (version_id IS NULL)", name="ck_entries_manual_or_version"),
        CheckConstraint("NOT manual OR (entered_by IS NOT NULL AND purpose IS NOT NULL AND "
                        "expires_at IS NOT NULL)", name="ck_entries_manual_fields"),
        CheckConstraint("(removed_at IS NULL) = (removed_by IS NULL) AND "
                        "(removed_at IS NULL) = (removal_reason IS NULL)",
                        name="ck_entries_removal"),
        CheckConstraint("length(category) <= 40 AND (reference IS NULL OR length(reference) "
                        "<= 200) AND (case_number IS NULL OR length(case_number) <= 64)",
                        name="ck_entries_lengths"),
        Index("ix_hotlist_entries_plate", "plate"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int | None] = mapped_column(
        ForeignKey("hotlist_versions.id", ondelete="RESTRICT"), index=True)
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    plate: Mapped[str] = mapped_column(String(12))
    state: Mapped[str | None] = mapped_column(String(3))
    category: Mapped[str] = mapped_column(String(40))
    priority: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str | None] = mapped_column(String(200))
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    entered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    purpose: Mapped[str | None] = mapped_column(Text)
    case_number: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    removed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    removed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    removal_reason: Mapped[str | None] = mapped_column(Text)


class Hit(Base):
    """A read that matched an entry, with how it matched."""

    __tablename__ = "hits"
    __table_args__ = (
        CheckConstraint(_in("kind", HIT_KINDS), name="ck_hits_kind"),
        CheckConstraint(_in("state_agreement", STATE_AGREEMENT), name="ck_hits_state"),
        CheckConstraint("score >= 0 AND score <= 1", name="ck_hits_score"),
        UniqueConstraint("read_id", "entry_id", name="uq_hits_read_entry"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # On PostgreSQL the foreign key is (read_id, read_at) -> reads (id, read_at), because a
    # time-partitioned table's keys must include the partition key (migration 0006).
    read_id: Mapped[int] = mapped_column(ForeignKey("reads.id", ondelete="RESTRICT"), index=True)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    entry_id: Mapped[int] = mapped_column(ForeignKey("hotlist_entries.id", ondelete="RESTRICT"),
                                          index=True)
    kind: Mapped[str] = mapped_column(String(12))
    substitutions: Mapped[str] = mapped_column(Text, default="[]")  # JSON
    state_agreement: Mapped[str] = mapped_column(String(10))
    score: Mapped[float] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    retro: Mapped[bool] = mapped_column(Boolean, default=False)


class HitVerification(Base):
    """The operator's verification of a hit before any action (policy III.D, IV.B): visual
    check of the characters and of the state, and confirmation through dispatch/NCIC."""

    __tablename__ = "hit_verifications"
    __table_args__ = (
        CheckConstraint(_in("outcome", OUTCOMES), name="ck_verifications_outcome"),
        CheckConstraint("outcome <> 'confirmed' OR (chars_match AND state_match AND "
                        "dispatch_confirmed)", name="ck_verifications_confirmed_needs_checks"),
        CheckConstraint("action_taken IS NULL OR outcome = 'confirmed'",
                        name="ck_verifications_action_needs_confirmation"),
        CheckConstraint("seen_plate IS NULL OR length(seen_plate) >= 1",
                        name="ck_verifications_seen_plate"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hit_id: Mapped[int] = mapped_column(ForeignKey("hits.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    chars_match: Mapped[bool] = mapped_column(Boolean)
    state_match: Mapped[bool] = mapped_column(Boolean)
    dispatch_confirmed: Mapped[bool] = mapped_column(Boolean)
    outcome: Mapped[str] = mapped_column(String(30))
    action_taken: Mapped[str | None] = mapped_column(Text)
    verified_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    # what the officer saw on the vehicle (None: not recorded): the true label of the read's
    # image, so a misread's crop can still teach the recognizer
    seen_plate: Mapped[str | None] = mapped_column(String(10))
    seen_state: Mapped[str | None] = mapped_column(String(3))


class Shift(Base):
    """An operator's shift, with the hot-list versions current at its start (policy III.C)."""

    __tablename__ = "shifts"
    __table_args__ = (
        CheckConstraint("ended_at IS NULL OR ended_at > started_at", name="ck_shifts_times"),
        CheckConstraint("hotlist_age_seconds >= 0", name="ck_shifts_age"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    unit: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    hotlist_version_id: Mapped[int] = mapped_column(
        ForeignKey("hotlist_versions.id", ondelete="RESTRICT"))
    hotlist_age_seconds: Mapped[int] = mapped_column(Integer)
    hotlist_current: Mapped[bool] = mapped_column(Boolean)


class AccessRequest(Base):
    """A request to use the system or access/share its data, and the administrator's decision
    (policy II.A.4); nobody approves their own request."""

    __tablename__ = "access_requests"
    __table_args__ = (
        CheckConstraint("kind IN ('system_use', 'data_access', 'data_share')",
                        name="ck_requests_kind"),
        CheckConstraint("status IN ('pending', 'approved', 'denied')", name="ck_requests_status"),
        CheckConstraint("length(purpose) >= 10", name="ck_requests_purpose"),
        CheckConstraint("(status = 'pending') = (decided_by IS NULL)", name="ck_requests_decided"),
        CheckConstraint("decided_by IS NULL OR decided_by <> requested_by",
                        name="ck_requests_no_self_approval"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    requested_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(Text)
    case_number: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str | None] = mapped_column(Text)


class DataShare(Base):
    """ALPR data shared with another agency for a legitimate purpose (policy V)."""

    __tablename__ = "data_shares"
    __table_args__ = (
        CheckConstraint("length(purpose) >= 10", name="ck_shares_purpose"),
        CheckConstraint("length(recipient_agency) >= 2", name="ck_shares_recipient"),
        CheckConstraint("record_count >= 0", name="ck_shares_count"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("access_requests.id",
                                                       ondelete="RESTRICT"))
    shared_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    shared_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    recipient_agency: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)  # what was shared
    record_count: Mapped[int] = mapped_column(Integer)
