"""The tamper-evident audit trail: an append-only table whose rows form a keyed hash chain.

Each row's hash is the HMAC-SHA256, with a key kept outside the database
(:mod:`alpr.store.audit_key`), of its own fields and the previous row's hash: editing,
deleting, inserting or reordering rows breaks the chain, and without the key nobody can
recompute it. ``audit_head`` holds the newest id, hash and count; signed checkpoints kept
outside the store (:mod:`alpr.governance.anchors`) show when the newest rows were cut. Each
audited act's row also commits to the digests of the records it wrote
(:mod:`alpr.governance.record_digests`). Rows from before migration 0009 stay as an unkeyed
SHA-256 *legacy segment*, sealed by the keyed ``audit.rekeyed`` row that follows it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from alpr.governance import anchors as anchor_files
from alpr.governance import record_digests
from alpr.governance.anchors import Anchor
from alpr.store.audit_key import (
    AuditKey,
    AuditKeyError,
    checkpoint_dir,
    checkpoint_every,
    key_path,
    load_key,
    require_key,
)
from alpr.store.schema import AuditEntry, AuditHead

GENESIS = "0" * 64
DEFERRED = "alpr.audit.deferred"  # session.info flag: rows are written at commit
QUEUE = "alpr.audit.queue"
CHECKPOINT = "alpr.audit.checkpoint"
REKEYED = "audit.rekeyed"
log = logging.getLogger(__name__)

Item = tuple[str, str, str, dict[str, Any], bool]  # actor, action, target, detail, allowed


def _utc(ts: dt.datetime) -> str:
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=dt.UTC)
    return ts.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _payload(entry_id: int, at: dt.datetime, actor: str, action: str, target: str,
             detail: str, allowed: bool, prev_hash: str, *extra: str) -> bytes:
    return json.dumps([entry_id, _utc(at), actor, action, target, detail, bool(allowed),
                       prev_hash, *extra], separators=(",", ":"), ensure_ascii=False).encode()


def row_digest(entry_id: int, at: dt.datetime, actor: str, action: str, target: str,
               detail: str, allowed: bool, prev_hash: str) -> str:
    """Legacy (before migration 0009): SHA-256 over the canonical JSON of a row's fields and
    the previous hash. Anyone can recompute it, so it proves nothing on its own."""
    return hashlib.sha256(_payload(entry_id, at, actor, action, target, detail, allowed,
                                   prev_hash)).hexdigest()


def row_mac(key: AuditKey, entry_id: int, at: dt.datetime, actor: str, action: str,
            target: str, detail: str, allowed: bool, prev_hash: str) -> str:
    """HMAC-SHA256 with the audit key over the same fields plus the key's id."""
    return hmac.new(key.secret, _payload(entry_id, at, actor, action, target, detail, allowed,
                                         prev_hash, key.key_id), hashlib.sha256).hexdigest()


def store_url(session: Session) -> str:
    return session.get_bind().engine.url.render_as_string(hide_password=False)


# -- writing ----------------------------------------------------------------------------------
def append(session: Session, actor: str, action: str, target: str = "",
           detail: dict[str, Any] | None = None, allowed: bool = True) -> None:
    """Add one entry to the chain inside the caller's transaction.

    In a governance session (:func:`govern`) the row is written when the transaction
    commits, after the work it records, committing to the digests of the records that work
    wrote; elsewhere it is written at once."""
    item: Item = (actor, action, target, dict(detail or {}), allowed)
    if session.info.get(DEFERRED):
        session.info.setdefault(QUEUE, []).append(item)
    else:
        _write(session, [item], [])


def govern(factory: sessionmaker[Session]) -> None:
    """Make ``factory``'s sessions audit at commit and track the records they write."""
    factory.configure(info={DEFERRED: True})
    event.listen(factory, "after_flush", record_digests.after_flush)
    event.listen(factory, "before_commit", _before_commit)
    event.listen(factory, "after_commit", _after_commit)
    event.listen(factory, "after_rollback", _after_rollback)


def _before_commit(session: Session) -> None:
    session.flush()  # so every tracked record is known and in the database
    queue: list[Item] = session.info.pop(QUEUE, [])
    lines = record_digests.pending(session)
    if lines and not queue:  # written through a governance session without an audited act
        queue = [("(unaudited)", "records.unaudited", "", {}, True)]
    if queue:
        _write(session, queue, lines)


def _after_commit(session: Session) -> None:
    due = session.info.pop(CHECKPOINT, None)
    if due is None:
        return
    folder, anchor = due
    try:
        anchor_files.write_checkpoint(folder, anchor)
    except FileExistsError:
        pass
    except OSError as exc:  # the store's work is committed; say so rather than fail it
        log.warning("audit checkpoint not written to %s: %s", folder, exc)


def _after_rollback(session: Session) -> None:
    for k in (QUEUE, CHECKPOINT, record_digests.TRACKED):
        session.info.pop(k, None)


def _write(session: Session, items: Sequence[Item], lines: list[tuple[str, str, str]],
           sealing: bool = False) -> int:
    """Append ``items`` (head row locked); the last one commits to ``lines``. Returns the
    last id."""
    url = store_url(session)
    key = require_key(url)
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()
                           ).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, last_id=0, last_hash=GENESIS, count=0)
        session.add(head)
        session.flush()
    if head.last_id and not sealing:
        last_key = session.scalar(select(AuditEntry.key_id).where(
            AuditEntry.id == head.last_id))
        if last_key is None:
            raise AuditKeyError("the audit chain ends in unkeyed legacy rows: run "
                                "`alpr db upgrade` to seal them before writing")
        if last_key != key.key_id:
            raise AuditKeyError(f"the audit chain is signed with key {last_key}, but the key "
                                f"from {key.source} is {key.key_id}: restore the store's key "
                                f"(writing with another would break the chain)")
    first = head.last_id
    for i, (actor, action, target, detail, allowed) in enumerate(items):
        if lines and i == len(items) - 1:
            detail = {**detail, "record_digests": {"n": len(lines),
                                                   "sha256": record_digests.root(lines)}}
        entry_id = head.last_id + 1
        at = dt.datetime.now(dt.UTC)
        text = json.dumps(detail, sort_keys=True, default=str)
        mac = row_mac(key, entry_id, at, actor, action, target, text, allowed, head.last_hash)
        session.add(AuditEntry(id=entry_id, at=at, actor=actor, action=action, target=target,
                               detail=text, allowed=allowed, prev_hash=head.last_hash,
                               row_hash=mac, key_id=key.key_id))
        head.last_id, head.last_hash, head.count = entry_id, mac, head.count + 1
    session.flush()
    if lines:
        record_digests.write(session, head.last_id, lines)
    every = checkpoint_every()
    if every and first // every != head.last_id // every:
        session.info[CHECKPOINT] = (checkpoint_dir(url), anchor_files.make(
            head.last_id, head.last_hash, head.count, key))
        if not session.info.get(DEFERRED):  # a plain session: write it when it commits
            event.listen(session, "after_commit", _after_commit, once=True)
    return head.last_id


def seal_legacy(session: Session) -> int | None:
    """Seal a pre-0009 chain: check its unkeyed SHA-256 rows, then append the keyed
    ``audit.rekeyed`` row that pins their head (no-op when there are none). Returns its id."""
    head = session.get(AuditHead, 1)
    if head is None or head.count == 0:
        return None
    last = session.scalar(select(AuditEntry.key_id).where(AuditEntry.id == head.last_id))
    if last is not None:
        return None
    walk = _walk(session, None, set(), sealing=True)
    check = (f"BROKEN at row {walk.broken[0]}: {walk.broken[1]}" if walk.broken
             else f"intact: {walk.rows} rows")
    detail = {"legacy_rows": head.count, "legacy_head": head.last_hash,
              "legacy_check": check, "scheme": "HMAC-SHA256"}
    return _write(session, [("(migration)", REKEYED, "audit_log", detail, True)], [],
                  sealing=True)


def checkpoint(session: Session) -> Anchor:
    """A signed anchor of the chain's head now (to keep outside the store)."""
    key = require_key(store_url(session))
    head = session.get(AuditHead, 1)
    if head is None or head.count == 0:
        raise ValueError("the audit chain is empty: nothing to anchor yet")
    return anchor_files.make(head.last_id, head.last_hash, head.count, key)


# -- verifying --------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChainReport:
    """``status``: intact, broken (an edit, cut or forgery shows) or unverifiable (no key, or
    another one). ``problems``: anchors the chain no longer contains and audited records
    changed since; any of them makes ``ok`` false too."""

    ok: bool
    rows: int
    first_bad_id: int | None = None
    reason: str = ""
    status: str = "intact"
    problems: tuple[str, ...] = ()
    anchors: int = 0
    records: int = 0
    legacy_rows: int = 0

    def __str__(self) -> str:
        if self.status == "broken":
            head = f"audit chain BROKEN at row {self.first_bad_id}: {self.reason}"
        elif self.status == "unverifiable":
            head = f"audit chain CANNOT BE VERIFIED ({self.rows} rows): {self.reason}"
        else:
            legacy = (f", the first {self.legacy_rows} unkeyed (legacy, sealed)"
                      if self.legacy_rows else "")
            head = (f"audit chain intact: {self.rows} rows{legacy}; {self.anchors} anchor(s) "
                    f"contained; {self.records} audited record(s) checked")
        if self.problems:
            head += f"\n{len(self.problems)} problem(s):\n" + "\n".join(
                f"  - {p}" for p in self.problems)
        return head


def verify(session: Session, anchors: Iterable[Anchor] = (), checkpoints: bool = True,
           records: bool = True) -> ChainReport:
    """Walk the chain in id order and report the first row that does not fit; then check
    each anchor (given, and the store's own checkpoints) is still contained, and each
    audited record still matches its digest."""
    url = store_url(session)
    bad_key = None
    try:
        key = load_key(url)
        where = f"looked in $ALPR_AUDIT_KEY, $ALPR_AUDIT_KEY_FILE and {key_path(url)}"
    except AuditKeyError as exc:  # present but unusable (exposed, malformed)
        key, where, bad_key = None, str(exc), str(exc)
    wanted = list(anchors) + (anchor_files.load_folder(checkpoint_dir(url)) if checkpoints
                              else [])
    walk = _walk(session, key, {a.id for a in wanted}, {a.hash for a in wanted if not a.id})
    if walk.broken is not None:
        bad_id, reason = walk.broken
        return ChainReport(False, walk.rows, bad_id, reason, "broken")
    problems = [p for a in wanted for p in _contained(a, walk, key)]
    if bad_key is not None:
        return ChainReport(False, walk.rows, None, bad_key, "unverifiable", tuple(problems),
                           len(wanted))
    if walk.keyed and key is None:
        return ChainReport(False, walk.rows, None, f"no audit key ({where}); the "
                           f"{walk.keyed} keyed rows cannot be checked", "unverifiable",
                           tuple(problems), len(wanted))
    if walk.foreign:
        assert key is not None
        return ChainReport(False, walk.rows, walk.foreign[0], f"rows are signed with key "
                           f"{walk.foreign[1]}, the key from {key.source} is {key.key_id}",
                           "unverifiable", tuple(problems), len(wanted))
    checked = 0
    if records:
        found, checked = record_digests.verify(session, walk.commitments)
        problems += found
    return ChainReport(not problems, walk.rows, None, "", "intact", tuple(problems),
                       len(wanted), checked, walk.legacy)


@dataclass
class _Walk:
    rows: int = 0
    keyed: int = 0
    legacy: int = 0
    broken: tuple[int | None, str] | None = None
    foreign: tuple[int, str] | None = None  # first row signed with another key
    last_hash: str = GENESIS
    commitments: dict[int, tuple[int, str]] = field(default_factory=dict)
    hashes: dict[int, str] = field(default_factory=dict)  # of the anchored rows
    found: set[str] = field(default_factory=set)  # anchored bare hashes seen


def _walk(session: Session, key: AuditKey | None, anchored: set[int],
          anchored_hashes: set[str] = frozenset(),  # type: ignore[assignment]
          sealing: bool = False) -> _Walk:
    w = _Walk()
    e = AuditEntry
    rows = session.execute(select(e.id, e.at, e.actor, e.action, e.target, e.detail,
                                  e.allowed, e.prev_hash, e.row_hash, e.key_id)
                           .order_by(e.id).execution_options(yield_per=5000))
    expected_id = 1
    for rid, at, actor, action, target, detail, allowed, prev, row_hash, key_id in rows:
        if rid != expected_id:
            w.broken = (expected_id, f"row {expected_id} is missing (next row present is "
                                     f"{rid})")
            return w
        if prev != w.last_hash:
            w.broken = (rid, "previous-hash link does not match the row before it (a row "
                             "was deleted, inserted or reordered)")
            return w
        fields = (rid, at, actor, action, target, detail, allowed, prev)
        if key_id is None:
            if w.keyed:
                w.broken = (rid, "an unkeyed row after keyed rows (the chain was rewritten "
                                 "without the key)")
                return w
            if row_digest(*fields) != row_hash:
                w.broken = (rid, "row contents do not match its hash (the row was edited)")
                return w
            w.legacy += 1
        else:
            if w.legacy and not w.keyed and not _seals(action, detail, w):
                w.broken = (rid, f"the {w.legacy} unkeyed legacy rows before it are not "
                                 f"sealed by an {REKEYED} row naming them")
                return w
            w.keyed += 1
            if key is not None and key_id == key.key_id:
                if not hmac.compare_digest(row_mac(key, *fields), row_hash):
                    w.broken = (rid, "row contents do not match its keyed hash (the row was "
                                     "edited, or forged without the key)")
                    return w
            elif key is not None and w.foreign is None:
                w.foreign = (rid, key_id)
            if '"record_digests"' in detail:
                committed = json.loads(detail).get("record_digests") or {}
                w.commitments[rid] = (int(committed.get("n", -1)),
                                      str(committed.get("sha256", "")))
        if rid in anchored:
            w.hashes[rid] = row_hash
        if row_hash in anchored_hashes:
            w.found.add(row_hash)
        w.last_hash, expected_id, w.rows = row_hash, expected_id + 1, w.rows + 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.count != w.rows or head.last_hash != w.last_hash):
        w.broken = (w.rows + 1, f"the chain head records {head.count} rows ending in "
                                f"{head.last_hash[:12]}…, the table has {w.rows} (newest rows "
                                f"removed)")
    elif w.rows and not w.keyed and not sealing:
        w.broken = (1, "no row is signed with an audit key: the chain was rewritten without "
                       "it, or the store was never upgraded (`alpr db upgrade`)")
    return w


def _seals(action: str, detail: str, w: _Walk) -> bool:
    """The first keyed row after legacy rows is the ``audit.rekeyed`` row that names them."""
    if action != REKEYED:
        return False
    d = json.loads(detail)
    return bool(d.get("legacy_rows") == w.legacy and d.get("legacy_head") == w.last_hash)


def _contained(a: Anchor, w: _Walk, key: AuditKey | None) -> list[str]:
    """Why the chain does not contain and extend anchor ``a`` (empty when it does)."""
    out = []
    if key is not None and a.mac is not None and not a.signature_ok(key):
        out.append(f"anchor {a}: its signature does not match the audit key (altered, or "
                   f"made for another store)")
    if not a.id:
        if a.hash not in w.found:
            out.append(f"anchor {a}: no row of the chain has this hash any more (the chain "
                       f"was cut or rewritten)")
    elif a.id > w.rows:
        out.append(f"anchor {a}: row {a.id} is no longer in the chain, which has {w.rows} "
                   f"rows (the newest rows were cut)")
    elif a.id and w.hashes.get(a.id) != a.hash:
        out.append(f"anchor {a}: row {a.id} has another hash now (the chain was rewritten "
                   f"from there or before)")
    elif w.rows < a.count:
        out.append(f"anchor {a}: the chain has {w.rows} rows, fewer than the {a.count} "
                   f"anchored")
    return out
