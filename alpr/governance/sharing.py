"""Access requests and data sharing (policy II.A.4: the administrator authorises requests
for system use or data access; V: ALPR data is for official use, shared only for legitimate
law-enforcement purposes). Every share cites an approved request and is logged.
"""

from __future__ import annotations

import datetime as dt

from alpr.governance.access import Actor, Governance
from alpr.store.schema import AccessRequest, DataShare
from alpr.utc import require_utc


def request_access(gov: Governance, actor: Actor, kind: str, purpose: str,
                   case_number: str | None = None, at: dt.datetime | None = None) -> int:
    """Submit a request for system use, data access or a data share, dated ``at`` (UTC;
    default: the clock)."""
    when = _when(at)
    if kind not in ("system_use", "data_access", "data_share"):
        raise ValueError(f"kind {kind!r}: must be system_use, data_access or data_share")
    if len((purpose or "").strip()) < 10:
        raise ValueError("purpose: a law-enforcement purpose of at least 10 characters")
    with gov._tx() as s:
        gov.authorize(s, actor, "requests.submit", kind, {"purpose": purpose})
        req = AccessRequest(requested_by=actor.id, requested_at=when,
                            kind=kind, purpose=purpose.strip(), case_number=case_number,
                            status="pending")
        s.add(req)
        s.flush()
        return req.id


def decide(gov: Governance, actor: Actor, request_id: int, approve: bool, note: str,
           at: dt.datetime | None = None) -> None:
    """An administrator approves or denies a request (never their own), at ``at`` (UTC;
    default: the clock)."""
    when = _when(at)
    with gov._tx() as s:
        req = s.get(AccessRequest, request_id)
        if req is None:
            raise ValueError(f"request {request_id}: no such request")
        if req.requested_by == actor.id:
            raise gov._deny(actor.username, "requests.decide", str(request_id),
                            "nobody may decide their own request")
        gov.authorize(s, actor, "requests.decide", str(request_id),
                      {"approve": approve, "note": note})
        if req.status != "pending":
            raise ValueError(f"request {request_id}: already {req.status}")
        req.status = "approved" if approve else "denied"
        req.decided_by, req.decided_at, req.decision_note = (
            actor.id, when, note)


def share(gov: Governance, actor: Actor, request_id: int, recipient_agency: str, purpose: str,
          description: str, record_count: int, at: dt.datetime | None = None) -> int:
    """Log a share of ALPR data under an approved data-share request, shared at ``at``
    (UTC; default: the clock)."""
    when = _when(at)
    if len((purpose or "").strip()) < 10:
        raise ValueError("purpose: a law-enforcement purpose of at least 10 characters (V.B)")
    if len((recipient_agency or "").strip()) < 2:
        raise ValueError("recipient_agency: name the receiving agency")
    with gov._tx() as s:
        req = s.get(AccessRequest, request_id)
        if req is None or req.kind != "data_share" or req.status != "approved":
            raise gov._deny(actor.username, "data.share", str(request_id),
                            "sharing needs an approved data_share request (policy II.A.4, V.B)")
        gov.authorize(s, actor, "data.share", recipient_agency,
                      {"request_id": request_id, "purpose": purpose, "records": record_count})
        row = DataShare(request_id=request_id, shared_by=actor.id,
                        shared_at=when, recipient_agency=recipient_agency,
                        purpose=purpose, description=description, record_count=record_count)
        s.add(row)
        s.flush()
        return row.id


def _when(at: dt.datetime | None) -> dt.datetime:
    return require_utc(at, "at") if at is not None else dt.datetime.now(dt.UTC)
