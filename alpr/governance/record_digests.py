"""Digests of audited records: what each governed act wrote, as it was when audited.

A governance transaction collects the records it inserted, changed or deleted (ORM flushes
automatically; bulk Core writes call :func:`track`); at commit each record's SHA-256 over a
fixed list of its columns goes into the append-only ``record_digests`` table, and the audit
row of the act commits to them (count and root hash in its keyed detail). ``verify`` then
recomputes every audited record's digest from its table, in batches, and names the records
changed or deleted since their last audited state.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session, UOWTransaction

from alpr.store import schema as db

DELETED = "0" * 64  # the digest of a record an audited act deleted
TRACKED = "alpr.audit.tracked"  # session.info key: {kind: {record id: deleted?}}
BATCH = 5000


@dataclass(frozen=True)
class Kind:
    """An audited table and the columns its digest covers (fixed, so a later migration that
    adds a column does not make every existing record look changed)."""

    model: type[db.Base]
    columns: tuple[str, ...]

    @property
    def table(self) -> Table:
        table = self.model.__table__
        assert isinstance(table, Table)
        return table


KINDS: dict[str, Kind] = {
    # users: not failed_logins, which every wrong password changes (lockout is in `locked`)
    "user": Kind(db.User, ("id", "username", "full_name", "role", "password_hash", "locked",
                           "active", "created_at")),
    "certification": Kind(db.Certification, ("id", "user_id", "kind", "issued_on",
                                             "expires_on", "recorded_by")),
    "camera": Kind(db.Camera, ("id", "name", "kind", "unit", "vehicle", "location",
                               "in_service", "out_of_service_reason")),
    "read": Kind(db.Read, ("id", "read_at", "camera_id", "plate", "state", "confidence",
                           "state_confidence", "char_confidences", "box_x", "box_y", "box_w",
                           "box_h", "image_path", "image_sha256", "model_version",
                           "ingested_by")),
    "search": Kind(db.HistoricalSearch, ("id", "user_id", "at", "query", "purpose",
                                         "case_number", "result_count")),
    "hold": Kind(db.RetentionHold, ("id", "case_number", "reason", "plate", "starts_at",
                                    "ends_at", "created_by", "created_at", "released_at",
                                    "released_by")),
    "camera_session": Kind(db.CameraSession, ("id", "camera_id", "shift_id", "started_at",
                                              "ended_at", "recorded_by")),
    "camera_frame": Kind(db.CameraFrame, ("id", "camera_id", "kind", "taken_at", "path",
                                          "sha256", "recorded_by")),
    "equipment_check": Kind(db.EquipmentCheck, ("id", "camera_id", "checked_by", "checked_at",
                                                "functional", "alignment_ok", "notes")),
    "equipment_report": Kind(db.EquipmentReport, ("id", "camera_id", "kind", "description",
                                                  "reported_by", "reported_at",
                                                  "vendor_notified_at", "resolved_at")),
    "hotlist_version": Kind(db.HotListVersion, ("id", "source", "sha256", "format",
                                                "loaded_at", "loaded_by", "rows_read",
                                                "rows_loaded", "rows_rejected",
                                                "duplicates_merged")),
    "hotlist_entry": Kind(db.HotListEntryRow, ("id", "version_id", "manual", "plate", "state",
                                               "category", "priority", "reference",
                                               "expires_at", "entered_by", "purpose",
                                               "case_number", "created_at", "removed_at",
                                               "removed_by", "removal_reason")),
    "hit": Kind(db.Hit, ("id", "read_id", "read_at", "entry_id", "kind", "substitutions",
                         "state_agreement", "score", "created_at", "retro")),
    "verification": Kind(db.HitVerification, ("id", "hit_id", "user_id", "chars_match",
                                              "state_match", "dispatch_confirmed", "outcome",
                                              "action_taken", "verified_at", "seen_plate",
                                              "seen_state")),
    "shift": Kind(db.Shift, ("id", "user_id", "unit", "started_at", "ended_at",
                             "hotlist_version_id", "hotlist_age_seconds", "hotlist_current")),
    "access_request": Kind(db.AccessRequest, ("id", "requested_by", "requested_at", "kind",
                                              "purpose", "case_number", "status",
                                              "decided_by", "decided_at", "decision_note")),
    "data_share": Kind(db.DataShare, ("id", "request_id", "shared_by", "shared_at",
                                      "recipient_agency", "purpose", "description",
                                      "record_count")),
}
_BY_MODEL = {k.model: name for name, k in KINDS.items()}


def _value(v: Any) -> Any:
    """A column value JSON has no form for, in one both databases give alike (SQLite
    returns naive UTC datetimes); str, int, float, bool and None are written as they are."""
    if isinstance(v, dt.datetime):
        v = v if v.tzinfo else v.replace(tzinfo=dt.UTC)
        return v.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, bytes):
        return v.hex()
    raise TypeError(f"{type(v).__name__} {v!r}: no digest form for this column type")


# the C encoder handles the plain types and calls _value only for the others
_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=_value).encode


def digest(kind: str, row: Mapping[Any, Any]) -> str:
    """SHA-256 over the canonical JSON of the kind's columns.

    >>> digest("camera", {"id": 1, "name": "CAM-1", "kind": "stationary", "unit": None,
    ...     "vehicle": None, "location": None, "in_service": True,
    ...     "out_of_service_reason": None})[:12]
    'f76a34d59dc8'
    """
    return _digest(kind, [row[c] for c in KINDS[kind].columns])


def _digest(kind: str, values: Iterable[Any]) -> str:
    """:func:`digest` from the kind's column values in order (the batch path)."""
    payload = _ENCODE([kind, list(values)])
    return hashlib.sha256(payload.encode()).hexdigest()


def root(lines: Iterable[tuple[str, str, str]]) -> str:
    """The hash an audit row keeps of its digests: over the sorted (kind, id, digest)."""
    h = hashlib.sha256()
    for kind, rid, d in sorted(lines):
        h.update(f"{kind}\x1f{rid}\x1f{d}\n".encode())
    return h.hexdigest()


# -- collecting what a transaction wrote ----------------------------------------------------
def track(session: Session, kind: str, ids: Iterable[Any], deleted: bool = False) -> None:
    """Mark records of ``kind`` written (or ``deleted``) by this transaction's audited act;
    needed only for Core bulk writes: ORM adds, changes and deletes are found by
    :func:`after_flush`."""
    if kind not in KINDS:
        raise KeyError(f"kind {kind!r}: not an audited record kind ({', '.join(KINDS)})")
    marks = session.info.setdefault(TRACKED, {}).setdefault(kind, {})
    for rid in ids:
        marks[str(rid)] = deleted or marks.get(str(rid), False)


def after_flush(session: Session, _ctx: UOWTransaction) -> None:
    """Session event: note every audited record this flush inserted, changed or deleted."""
    for obj in list(session.new) + [o for o in session.dirty if session.is_modified(o)]:
        kind = _BY_MODEL.get(type(obj))
        if kind is not None:
            track(session, kind, [obj.id])
    for obj in session.deleted:
        kind = _BY_MODEL.get(type(obj))
        if kind is not None:
            track(session, kind, [obj.id], deleted=True)


def pending(session: Session) -> list[tuple[str, str, str]]:
    """(kind, record id, digest) of every record this transaction wrote, read back from the
    database as committed; a changed record whose digest did not change is left out."""
    marks: dict[str, dict[str, bool]] = session.info.pop(TRACKED, {})
    out: list[tuple[str, str, str]] = []
    for kind, ids in marks.items():
        live = [rid for rid, gone in ids.items() if not gone]
        out += [(kind, rid, DELETED) for rid, gone in ids.items() if gone]
        k = KINDS[kind]
        cols = [k.table.c[c] for c in k.columns]
        for i in range(0, len(live), BATCH):
            chunk = live[i:i + BATCH]
            rows = session.execute(select(*cols).where(
                k.table.c.id.in_([int(r) for r in chunk])))
            found = {str(r[0]): _digest(kind, r) for r in rows}
            out += [(kind, rid, found.get(rid, DELETED)) for rid in chunk]
    return _changed_only(session, out)


def _changed_only(session: Session, lines: list[tuple[str, str, str]]
                  ) -> list[tuple[str, str, str]]:
    """Drop the lines whose record already has that digest as its latest (e.g. a user row
    touched only in ``failed_logins``); cheap, as only existing records are looked up."""
    rd = db.RecordDigest
    small = [(k, r) for k, r, _ in lines if k in ("user", "camera")]
    if not small:
        return lines
    latest: dict[tuple[str, str], str] = {}
    for k, r, d in session.execute(select(rd.kind, rd.record_id, rd.digest).where(
            rd.kind.in_({k for k, _ in small}),
            rd.record_id.in_({r for _, r in small})).order_by(rd.audit_id)):
        latest[(k, r)] = d
    return [line for line in lines if latest.get(line[:2]) != line[2]]


def write(session: Session, audit_id: int, lines: list[tuple[str, str, str]]) -> None:
    rows = [{"audit_id": audit_id, "kind": k, "record_id": r, "digest": d} for k, r, d in lines]
    for i in range(0, len(rows), BATCH):
        session.execute(insert(db.RecordDigest), rows[i:i + BATCH])


# -- verification ---------------------------------------------------------------------------
def verify(session: Session, commitments: Mapping[int, tuple[int, str]]
           ) -> tuple[list[str], int]:
    """Problems with the audited records (digests not committed by the chain, records
    changed or deleted since their last audited state) and how many records were checked.
    ``commitments``: audit row id -> (count, root) from the verified chain."""
    rd = db.RecordDigest
    problems: list[str] = []
    groups: dict[int, list[tuple[str, str, str]]] = {}
    latest: dict[str, dict[str, str]] = {}
    for audit_id, kind, rid, d in session.execute(
            select(rd.audit_id, rd.kind, rd.record_id, rd.digest).order_by(rd.audit_id)):
        groups.setdefault(audit_id, []).append((kind, rid, d))
        latest.setdefault(kind, {})[rid] = d
    for audit_id in sorted(set(groups) | set(commitments)):
        lines = groups.get(audit_id, [])
        want = commitments.get(audit_id)
        if want is None:
            problems.append(f"record digests under audit row {audit_id}: not committed by "
                            f"that row (inserted outside the audited act)")
        elif (len(lines), root(lines)) != want:
            problems.append(f"record digests under audit row {audit_id}: {len(lines)} present, "
                            f"the row committed to {want[0]} (digests edited or deleted)")
    for kind, digests in latest.items():
        if kind not in KINDS:
            problems.append(f"record digests of unknown kind {kind!r}")
            continue
        problems += _check_table(session, kind, digests)
    return problems, sum(len(d) for d in latest.values())


def _check_table(session: Session, kind: str, digests: dict[str, str]) -> list[str]:
    k = KINDS[kind]
    cols = [k.table.c[c] for c in k.columns]
    changed: list[str] = []
    seen: set[str] = set()
    ids = sorted(digests, key=_n)
    for i in range(0, len(ids), BATCH):  # by primary key: only the audited rows are read
        chunk = [int(r) for r in ids[i:i + BATCH]]
        for row in session.execute(select(*cols).where(k.table.c.id.in_(chunk))):
            rid = str(row[0])
            seen.add(rid)
            want = digests[rid]
            if want == DELETED:
                changed.append(f"{kind} {rid}: deleted by an audited act, but present again")
            elif _digest(kind, row) != want:
                changed.append(f"{kind} {rid}: changed since its last audited state")
    gone = [rid for rid, d in digests.items() if d != DELETED and rid not in seen]
    changed += [f"{kind} {rid}: deleted without an audited act" for rid in sorted(gone, key=_n)]
    return changed


def _n(rid: str) -> tuple[int, str]:
    return (int(rid), rid) if rid.isdigit() else (0, rid)
