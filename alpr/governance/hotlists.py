"""Hot lists in the store: imported versions, governed manual entries, matching reads into
hits, shifts that start on a current list, and the verification of every hit.

Policy: III.C (most current hot list at the start of each shift), IV.D (manual entries: a
legitimate purpose, removed by their owner), III.D / IV.B (visually verify characters and
state, and confirm, before acting on a hit).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Row, and_, insert, literal_column, or_, select
from sqlalchemy.orm import Session

from alpr.governance import audit, record_digests
from alpr.governance.access import Actor, Governance
from alpr.hotlist.entries import HotListEntry
from alpr.hotlist.importers import HotList, load_hotlist
from alpr.hotlist.manual import ManualEntryPolicy, create_manual_entry
from alpr.matcher.match import Match, Matcher
from alpr.matcher.reads import Read as MatchRead
from alpr.matcher.retro import ReadIndex, prefix_range, retro_candidates
from alpr.matcher.rules import MatchConfig
from alpr.store.schema import (
    PLATE_REVERSED_SQL,
    Hit,
    HitVerification,
    HotListEntryRow,
    HotListVersion,
    Read,
    Shift,
    User,
)
from alpr.utc import require_utc

MAX_LIST_AGE = dt.timedelta(hours=24)


def _aware(ts: dt.datetime) -> dt.datetime:
    return ts if ts.tzinfo else ts.replace(tzinfo=dt.UTC)


SHRINK_LIMIT = 0.5  # a new version with fewer entries than this share of the last is held


@dataclass(frozen=True)
class Shrink:
    """A confirmed load much smaller than the version it replaces."""

    previous_version: int
    previous_entries: int
    entries: int
    confirmed_by: str

    def __str__(self) -> str:
        return (f"entries dropped from {self.previous_entries} (version "
                f"{self.previous_version}) to {self.entries}, confirmed by {self.confirmed_by}")


def _shrink(gov: Governance, s: Session, actor: Actor, hot: HotList, confirm: bool
            ) -> Shrink | None:
    """Refuse a version under half the current one's entries unless an administrator
    confirms it; a confirmed drop is audited in the load's transaction."""
    v = hot.version
    last = s.execute(select(HotListVersion).where(HotListVersion.source == v.source)
                     .order_by(HotListVersion.loaded_at.desc(), HotListVersion.id.desc())
                     .limit(1)).scalar_one_or_none()
    if last is None or v.rows_loaded >= SHRINK_LIMIT * last.rows_loaded:
        return None
    detail = {"previous_version": last.id, "previous_entries": last.rows_loaded,
              "entries": v.rows_loaded, "rows_rejected": v.rows_rejected,
              "sha256": v.sha256}
    if not confirm:
        raise gov._deny(
            actor.username, "hotlists.load", v.source,
            f"the new version of {v.source!r} has {v.rows_loaded} entries, under half of the "
            f"{last.rows_loaded} in the current version {last.id} (a truncated or wrong "
            f"file?): nothing was loaded; an administrator may load it with "
            f"--confirm-shrink")
    gov.authorize(s, actor, "hotlists.confirm_shrink", v.source, detail)
    audit.append(s, actor.username, "hotlists.shrunk", v.source, detail)
    return Shrink(last.id, last.rows_loaded, v.rows_loaded, actor.username)


def load_list(gov: Governance, actor: Actor, path: Path,
              now: dt.datetime | None = None, confirm_shrink: bool = False
              ) -> tuple[int, HotList]:
    """Import a hot-list file as a new version (bad rows reported in the returned list);
    ``now`` (default: the clock) is the load time, e.g. for a simulated department.

    A version with under half the entries of the source's current one is refused unless
    ``confirm_shrink`` and the actor is an administrator (see :func:`load_list_checked`)."""
    version_id, hot, _ = load_list_checked(gov, actor, path, now, confirm_shrink)
    return version_id, hot


def load_list_checked(gov: Governance, actor: Actor, path: Path,
                      now: dt.datetime | None = None, confirm_shrink: bool = False
                      ) -> tuple[int, HotList, Shrink | None]:
    """:func:`load_list`, also returning the confirmed shrink (None if the list did not
    shrink by half)."""
    now = require_utc(now, "now") if now is not None else None
    if len(Path(path).name) > 200:
        raise ValueError(f"{path}: the list's name (its file name) is longer than the 200 "
                         f"characters a source may have")
    hot = load_hotlist(path, now=now)
    v = hot.version
    with gov._tx() as s:
        gov.authorize(s, actor, "hotlists.load", v.source,
                      {"sha256": v.sha256, "rows_loaded": v.rows_loaded,
                       "rows_rejected": v.rows_rejected})
        shrink = _shrink(gov, s, actor, hot, confirm_shrink)
        row = HotListVersion(source=v.source, sha256=v.sha256, format=v.format,
                             loaded_at=v.loaded_at, loaded_by=actor.id, rows_read=v.rows_read,
                             rows_loaded=v.rows_loaded, rows_rejected=v.rows_rejected,
                             duplicates_merged=v.duplicates_merged)
        s.add(row)
        s.flush()
        now = now or dt.datetime.now(dt.UTC)
        rows = [{"version_id": row.id, "manual": False, "plate": e.plate, "state": e.state,
                 "category": e.category, "priority": e.priority, "reference": e.reference,
                 "expires_at": e.expires_at, "created_at": now} for e in hot.entries]
        for i in range(0, len(rows), 5000):
            s.execute(insert(HotListEntryRow), rows[i:i + 5000])
        return row.id, hot, shrink


def _latest_versions(s: Session) -> list[HotListVersion]:
    latest: dict[str, HotListVersion] = {}
    for v in s.execute(select(HotListVersion).order_by(HotListVersion.loaded_at)).scalars():
        latest[v.source] = v
    return list(latest.values())


def _entry(row: HotListEntryRow, usernames: dict[int, str]) -> HotListEntry:
    return HotListEntry(plate=row.plate, state=row.state, category=row.category,
                        priority=row.priority, source="manual" if row.manual else "list",
                        reference=str(row.id),
                        expires_at=_aware(row.expires_at) if row.expires_at else None,
                        entered_by=usernames.get(row.entered_by or -1), purpose=row.purpose,
                        case_number=row.case_number)


def active_entries(s: Session, now: dt.datetime) -> list[HotListEntry]:
    """Entries of the latest version of each list, plus manual entries not removed or
    expired; ``reference`` carries the row id. (Plain column rows, not ORM objects: a list
    has millions of entries.)"""
    ids = [v.id for v in _latest_versions(s)]
    e = HotListEntryRow
    users: dict[int, str] = {uid: name for uid, name in s.execute(select(User.id, User.username))}
    rows = s.execute(select(e.id, e.manual, e.plate, e.state, e.category, e.priority,
                            e.expires_at, e.entered_by, e.purpose, e.case_number)
                     .where(e.removed_at.is_(None),
                            or_(e.version_id.in_(ids), e.manual.is_(True))))
    out = []
    for rid, manual, plate, state, category, priority, expires, by, purpose, case in rows:
        entry = HotListEntry(plate=plate, state=state, category=category, priority=priority,
                             source="manual" if manual else "list", reference=str(rid),
                             expires_at=_aware(expires) if expires else None,
                             entered_by=users.get(by) if by else None, purpose=purpose,
                             case_number=case)
        if entry.is_active(now):
            out.append(entry)
    return out


def record_hits(s: Session, reads: Sequence[tuple[int, MatchRead]], matcher: Matcher,
                now: dt.datetime, retro: bool = False) -> int:
    """Match stored reads and insert one hit per (read, entry)."""
    found: list[dict[str, Any]] = []
    batch = [r for _, r in reads]
    for (read_id, _), matches in zip(reads, matcher.match_many(batch, now), strict=True):
        found += [_hit_row(read_id, None, int(m.entry.reference or 0), m, now, retro)
                  for m in matches]
    if found:
        ids = sorted({f["read_id"] for f in found})
        times = {rid: at for rid, at in
                 s.execute(select(Read.id, Read.read_at).where(Read.id.in_(ids)))}
        for f in found:
            f["read_at"] = times[f["read_id"]]
        _insert_hits(s, found)
    return len(found)


def _hit_row(read_id: int, read_at: dt.datetime | None, entry_id: int, m: Match,
             now: dt.datetime, retro: bool) -> dict[str, Any]:
    return {"read_id": read_id, "read_at": read_at, "entry_id": entry_id, "kind": m.kind,
            "substitutions": json.dumps([sub.to_list() for sub in m.substitutions]),
            "state_agreement": m.state_agreement, "score": float(m.score),
            "created_at": now, "retro": retro}


def _insert_hits(s: Session, rows: list[dict[str, Any]]) -> None:
    """One multi-row insert of hits, each tracked for its record digest in the audit trail
    (a plate seen thousands of times makes thousands of hits)."""
    ids = list(s.scalars(insert(Hit).returning(Hit.id), rows))
    record_digests.track(s, "hit", ids)


def add_manual_entry(gov: Governance, actor: Actor, plate: str, state: str | None,
                     category: str, purpose: str, expires_at: dt.datetime,
                     case_number: str | None = None, policy: ManualEntryPolicy | None = None,
                     now: dt.datetime | None = None) -> tuple[int, int]:
    """Add a manual entry (validated by policy IV.D) and retro-match past reads.

    Only the stored reads that could match the entry are read, through the plate indexes
    (:func:`past_candidates`); the matcher's rules then decide, as at ingest.

    Returns (entry id, number of past reads that now hit)."""
    now = now or dt.datetime.now(dt.UTC)
    e = create_manual_entry(plate, state, category, actor.username, purpose, expires_at, now,
                            case_number=case_number, policy=policy)
    with gov._tx() as s:
        gov.authorize(s, actor, "hotlists.manual", e.plate,
                      {"category": e.category, "purpose": e.purpose,
                       "expires_at": expires_at.isoformat(), "case_number": case_number})
        row = HotListEntryRow(manual=True, plate=e.plate, state=e.state, category=e.category,
                              priority=e.priority, expires_at=e.expires_at, entered_by=actor.id,
                              purpose=e.purpose, case_number=case_number, created_at=now)
        s.add(row)
        s.flush()
        entry = _entry(row, {actor.id: actor.username})
        hits = retro_match_stored(s, entry)
        if hits:
            _insert_hits(s, [_hit_row(read_id, read_at, row.id, m, now, retro=True)
                             for read_id, read_at, m in hits])
        return row.id, len(hits)


_IN_CHUNK = 500  # texts per IN (...): under every database's limit on bound parameters
_RANGE_CHUNK = 100  # prefix ranges per query


def _chunks(items: Sequence[str], size: int) -> list[Sequence[str]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


PastRead = Row[int, str, str | None, float | None, dt.datetime]


def past_candidates(s: Session, entry_plate: str, config: MatchConfig | None = None,
                    ) -> list[PastRead]:
    """The stored reads (id, plate, state, state_confidence, read_at; by id) that could
    match a listed plate, found through the indexes of ``reads`` only
    (:func:`alpr.matcher.retro.retro_candidates`): a full plate's misreads through
    ``ix_reads_plate``; a partial plate's known start through ranges of ``ix_reads_plate``,
    its known end through ranges of ``ix_reads_plate_reversed``. A partial plate known at
    neither end (``*ABC*``) reads the plate index whole (not the reads) for the texts that
    fit it."""
    cand = retro_candidates(entry_plate, config)
    cols = (Read.id, Read.plate, Read.state, Read.state_confidence, Read.read_at)
    texts: Sequence[str] = cand.texts
    rows: list[PastRead] = []
    if cand.key is not None:
        key = Read.plate if cand.key == "plate" else literal_column(PLATE_REVERSED_SQL)
        for chunk in _chunks(cand.prefixes, _RANGE_CHUNK):
            ranges = [key >= lo if hi is None else and_(key >= lo, key < hi)
                      for lo, hi in map(prefix_range, chunk)]
            rows += s.execute(select(*cols).where(or_(*ranges), Read.plate.like(cand.like))
                              ).all()
    elif cand.like is not None:
        texts = s.scalars(select(Read.plate).distinct().where(Read.plate.like(cand.like))).all()
    for chunk in _chunks(texts, _IN_CHUNK):
        rows += s.execute(select(*cols).where(Read.plate.in_(chunk))).all()
    rows.sort(key=lambda r: r[0])
    return rows


def retro_match_stored(s: Session, entry: HotListEntry, config: MatchConfig | None = None,
                       ) -> list[tuple[int, dt.datetime, Match]]:
    """(read id, read time, match) of every stored read ``entry`` matches, by read id: the
    candidates of :func:`past_candidates` under ``ReadIndex.retro_match`` (the rules of
    forward matching), so exactly the reads a scan of every read would find."""
    rows = past_candidates(s, entry.plate, config)
    index = ReadIndex([MatchRead(text=p, state=st, state_confidence=sc, id=(rid, at))
                       for rid, p, st, sc, at in rows], config)
    return [(r.id[0], r.id[1], m) for r, m in index.retro_match(entry)]


def remove_manual_entry(gov: Governance, actor: Actor, entry_id: int, reason: str) -> None:
    """Remove a manual entry: by the user who entered it, or an administrator (IV.D.2)."""
    if len((reason or "").strip()) < 5:
        raise ValueError("reason: say why the entry no longer serves a law-enforcement purpose")
    with gov._tx() as s:
        row = s.get(HotListEntryRow, entry_id)
        if row is None or not row.manual:
            raise ValueError(f"entry {entry_id}: no such manual entry")
        role = s.scalar(select(User.role).where(User.id == actor.id))
        if row.entered_by != actor.id and role != "administrator":
            # only its owner or an administrator removes an entry (IV.D.2)
            raise gov._deny(actor.username, "hotlists.manual.remove", str(entry_id),
                            "only the user who entered it or an administrator may remove it")
        gov.authorize(s, actor, "hotlists.manual", str(entry_id), {"remove": reason})
        row.removed_at, row.removed_by, row.removal_reason = (
            dt.datetime.now(dt.UTC), actor.id, reason.strip())


def due_for_removal(gov: Governance, actor: Actor, now: dt.datetime) -> list[dict[str, Any]]:
    """Manual entries past their expiry and not yet removed, with who must remove them."""
    with gov._tx() as s:
        gov.authorize(s, actor, "hotlists.view", "due_for_removal")
        rows = s.execute(select(HotListEntryRow, User.username)
                         .join(User, User.id == HotListEntryRow.entered_by)
                         .where(HotListEntryRow.manual.is_(True),
                                HotListEntryRow.removed_at.is_(None),
                                HotListEntryRow.expires_at <= now)).all()
        return [{"entry_id": r.id, "plate": r.plate, "expired": _aware(r.expires_at),  # type: ignore[arg-type]
                 "message": f"{r.plate}: due for removal by {u}"} for r, u in rows]


@dataclass(frozen=True)
class ShiftStart:
    shift_id: int
    hotlist_version_id: int
    hotlist_age: dt.timedelta
    current: bool


def start_shift(gov: Governance, actor: Actor, unit: str, now: dt.datetime | None = None,
                max_age: dt.timedelta = MAX_LIST_AGE) -> ShiftStart:
    """Start a shift on the current hot lists; refuses when none is current (III.C)."""
    now = now or dt.datetime.now(dt.UTC)
    with gov._tx() as s:
        gov.authorize(s, actor, "shifts.start", unit)
        latest = _latest_versions(s)
        if not latest:
            raise gov.refuse(actor, "shifts.start", unit, "no hot list is loaded: load the "
                             "most current list before the shift starts (policy III.C)")
        oldest = min(latest, key=lambda v: _aware(v.loaded_at))
        age = now - _aware(oldest.loaded_at)
        if age > max_age:
            raise gov.refuse(actor, "shifts.start", unit,
                             f"hot list {oldest.source!r} is {age} old (more than {max_age}): "
                             f"load the most current list before the shift starts (III.C)")
        shift = Shift(user_id=actor.id, unit=unit, started_at=now, hotlist_version_id=oldest.id,
                      hotlist_age_seconds=int(age.total_seconds()), hotlist_current=True)
        s.add(shift)
        s.flush()
        return ShiftStart(shift.id, oldest.id, age, True)


def verify_hit(gov: Governance, actor: Actor, hit_id: int, *, chars_match: bool,
               state_match: bool, dispatch_confirmed: bool, outcome: str,
               action_taken: str | None = None, at: dt.datetime | None = None,
               seen_plate: str | None = None, seen_state: str | None = None) -> int:
    """Record the operator's verification; action only on a confirmed, fully checked hit.

    ``chars_match`` / ``state_match``: the hot-list entry's characters / state match the
    plate on the vehicle. ``seen_plate`` and ``seen_state`` (optional) record what the
    officer saw on it: the true label of the read's image, which makes even a misread's crop
    training data (:func:`alpr.governance.verified_crops.collect_verified_crops`).
    """
    refusal = None
    if outcome == "confirmed" and not (chars_match and state_match and dispatch_confirmed):
        refusal = ("outcome 'confirmed' needs the characters and the state visually "
                   "verified and the hit confirmed through dispatch/NCIC (III.D, IV.B)")
    elif action_taken and outcome != "confirmed":
        refusal = ("action_taken: a hit is not probable cause; act only on a confirmed "
                   "hit (IV.B.2)")
    if refusal is not None:  # recorded as a denied verification
        with gov._tx():
            raise gov.refuse(actor, "hits.verify", str(hit_id), refusal)
    seen_plate, seen_state = _seen(seen_plate, seen_state)
    with gov._tx() as s:
        gov.authorize(s, actor, "hits.verify", str(hit_id),
                      {"outcome": outcome, "action_taken": action_taken,
                       "seen_plate": seen_plate, "seen_state": seen_state})
        if s.get(Hit, hit_id) is None:
            raise ValueError(f"hit {hit_id}: no such hit")
        v = HitVerification(hit_id=hit_id, user_id=actor.id, chars_match=chars_match,
                            state_match=state_match, dispatch_confirmed=dispatch_confirmed,
                            outcome=outcome, action_taken=action_taken,
                            verified_at=at or dt.datetime.now(dt.UTC), seen_plate=seen_plate,
                            seen_state=seen_state)
        s.add(v)
        s.flush()
        return v.id


def _seen(plate: str | None, state: str | None) -> tuple[str | None, str | None]:
    """The seen plate in canonical form and the seen state's code; errors name the field.

    >>> _seen(" 7abc-123 ", "ca")
    ('7ABC123', 'CA')
    """
    from alpr.vocabulary.jurisdictions import get_jurisdiction
    from alpr.vocabulary.plate_text import PlateTextError, normalize_plate

    if plate is not None and plate.strip():
        if any(c in plate for c in "?*"):
            raise ValueError(f"seen_plate {plate!r}: the plate as seen, without wildcards")
        try:
            plate = normalize_plate(plate)
        except PlateTextError as exc:
            raise ValueError(f"seen_plate: {exc}") from None
    else:
        plate = None
    if state is not None and state.strip():
        try:
            state = get_jurisdiction(state.strip()).code
        except (KeyError, ValueError):
            raise ValueError(f"seen_state {state!r}: not a known jurisdiction code") from None
    else:
        state = None
    return plate, state


def end_shift(gov: Governance, actor: Actor, shift_id: int,
              now: dt.datetime | None = None) -> None:
    """End the acting operator's shift (its ``ended_at``); a shift ends once, after it began."""
    now = now or dt.datetime.now(dt.UTC)
    with gov._tx() as s:
        gov.authorize(s, actor, "shifts.start", str(shift_id), {"end": now.isoformat()})
        shift = s.get(Shift, shift_id)
        if shift is None:
            raise ValueError(f"shift {shift_id}: no such shift")
        if shift.user_id != actor.id:
            raise gov.refuse(actor, "shifts.start", str(shift_id),
                             f"shift {shift_id}: only the operator on the shift may end it")
        if shift.ended_at is not None:
            raise ValueError(f"shift {shift_id}: already ended at {shift.ended_at}")
        if now <= _aware(shift.started_at):
            raise ValueError(f"now {now}: a shift must end after it started "
                             f"({shift.started_at})")
        shift.ended_at = now
