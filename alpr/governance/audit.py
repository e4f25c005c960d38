"""The tamper-evident audit trail: an append-only table whose rows form a hash chain.

Each row's hash covers its own fields and the previous row's hash, so editing, deleting or
reordering any row breaks the chain from that row on; ``audit_head`` holds the newest id,
hash and count, so removing the newest rows shows too. Export the head (``alpr audit head``)
to anchor the chain outside the database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alpr.store.schema import AuditEntry, AuditHead

GENESIS = "0" * 64


def _utc(ts: dt.datetime) -> str:
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=dt.UTC)
    return ts.astimezone(dt.UTC).isoformat(timespec="microseconds")


def row_digest(entry_id: int, at: dt.datetime, actor: str, action: str, target: str,
               detail: str, allowed: bool, prev_hash: str) -> str:
    """SHA-256 over the canonical JSON of a row's fields and the previous hash."""
    payload = json.dumps([entry_id, _utc(at), actor, action, target, detail, bool(allowed),
                          prev_hash], separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def append(session: Session, actor: str, action: str, target: str = "",
           detail: dict[str, Any] | None = None, allowed: bool = True) -> AuditEntry:
    """Add one entry to the chain inside the caller's transaction (head row locked)."""
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()
                           ).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, last_id=0, last_hash=GENESIS, count=0)
        session.add(head)
        session.flush()
    entry_id = head.last_id + 1
    at = dt.datetime.now(dt.UTC)
    text = json.dumps(detail or {}, sort_keys=True, default=str)
    digest = row_digest(entry_id, at, actor, action, target, text, allowed, head.last_hash)
    entry = AuditEntry(id=entry_id, at=at, actor=actor, action=action, target=target,
                       detail=text, allowed=allowed, prev_hash=head.last_hash, row_hash=digest)
    session.add(entry)
    head.last_id, head.last_hash, head.count = entry_id, digest, head.count + 1
    session.flush()
    return entry


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    rows: int
    first_bad_id: int | None = None
    reason: str = ""

    def __str__(self) -> str:
        if self.ok:
            return f"audit chain intact: {self.rows} rows"
        return f"audit chain BROKEN at row {self.first_bad_id}: {self.reason}"


def verify(session: Session) -> ChainReport:
    """Walk the chain in id order; report the first row that does not fit."""
    prev, expected_id, n = GENESIS, 1, 0
    for e in session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars():
        if e.id != expected_id:
            return ChainReport(False, n, expected_id, f"row {expected_id} is missing "
                               f"(next row present is {e.id})")
        if e.prev_hash != prev:
            return ChainReport(False, n, e.id, "previous-hash link does not match the row "
                               "before it (a row was deleted, inserted or reordered)")
        digest = row_digest(e.id, e.at, e.actor, e.action, e.target, e.detail, e.allowed,
                            e.prev_hash)
        if digest != e.row_hash:
            return ChainReport(False, n, e.id, "row contents do not match its hash "
                               "(the row was edited)")
        prev, expected_id, n = e.row_hash, expected_id + 1, n + 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.count != n or head.last_hash != prev):
        return ChainReport(False, n, n + 1, f"the chain head records {head.count} rows ending "
                           f"in {head.last_hash[:12]}…, the table has {n} (newest rows removed)")
    return ChainReport(True, n)
