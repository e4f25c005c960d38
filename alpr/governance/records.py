"""Reads through the access-control layer: ingestion, audited historical searches,
retention holds and the retention purge.

Policy: III.E/IV.E (searches follow departmental procedure: a purpose, a case number, an
audit record), II.A.1 (retention protocols), II.A.2 (preserve reads tied to investigations).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Table, and_, delete, exists, insert, or_, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from alpr.datasets import RowError
from alpr.governance import record_digests
from alpr.governance.access import Actor, Governance
from alpr.matcher.retro import ORDERED_ALPHABET, prefix_range
from alpr.store import partitions
from alpr.store.images import ImagePathError, ImageRoot
from alpr.store.partitions import ensure_partitions
from alpr.store.read_rows import iter_rows, validate
from alpr.store.schema import Camera, HistoricalSearch, Read, RetentionHold
from alpr.utc import require_utc
from alpr.vocabulary.plate_text import PlateTextError, normalize_plate

MAX_CASE_NUMBER = 64  # the store's column length, checked on SQLite too


@dataclass
class IngestReport:
    stored: int = 0
    rejected: list[RowError] = field(default_factory=list)
    batches: int = 0
    hits: int = 0
    already_stored: int = 0  # same camera, time and read key as a stored read (a re-run)

    def __str__(self) -> str:
        return (f"stored {self.stored} reads in {self.batches} batch(es); already stored "
                f"{self.already_stored}; rejected {len(self.rejected)}; hits {self.hits}")


def _naive_utc(ts: dt.datetime) -> dt.datetime:
    return ts.astimezone(dt.UTC).replace(tzinfo=None) if ts.tzinfo else ts


def _key(row: dict[str, Any]) -> tuple[int, dt.datetime, str]:
    return row["camera_id"], _naive_utc(row["read_at"]), row["read_key"]


def _stored_keys(s: Session, good: list[dict[str, Any]]) -> set[tuple[int, dt.datetime, str]]:
    """Natural keys of ``good`` already in the store (one indexed range query a batch)."""
    times = [g["read_at"] for g in good]
    found = s.execute(select(Read.camera_id, Read.read_at, Read.read_key).where(
        Read.camera_id.in_({g["camera_id"] for g in good}),
        Read.read_at >= min(times), Read.read_at <= max(times),
        Read.read_key.in_({g["read_key"] for g in good})))
    return {(c, _naive_utc(t), k) for c, t, k in found}


def _is_duplicate(exc: SQLAlchemyError) -> bool:
    """True if the store refused a read because its natural key is stored already."""
    orig = getattr(exc, "orig", exc)
    text = str(orig)
    if getattr(orig, "sqlstate", None) == "23505":  # PostgreSQL's unique_violation: on a
        return "read_key" in text  # month's partition the key's index has its own name
    return "uq_reads_natural_key" in text or "reads.read_key" in text


def _insert(s: Session, rows: list[tuple[int, dict[str, Any]]], report: IngestReport
            ) -> list[tuple[int, dict[str, Any]]]:
    """Insert the rows; returns (read id, row) of those stored. When the batch as a whole
    is refused (a writer racing on the same reads, a constraint), each row is tried on its
    own: a duplicate counts as already stored, any other refusal is reported for its line.

    The batch is one Core insert (column defaults applied, as for any Core insert) whose
    ``RETURNING`` gives each id with its natural key, unique, so rows are paired by key:
    asking for the ids in parameter order instead makes SQLAlchemy send one statement per
    row on SQLite (no sentinel column), and leaving ``RETURNING`` out sends one per row
    through psycopg's pipeline; this way both send multi-row ``VALUES``."""
    table = Read.__table__  # Core insert: far less overhead than ORM bulk
    assert isinstance(table, Table)
    c = table.c
    params = [r for _, r in rows]
    try:
        with s.begin_nested():
            ids = {(cam, _naive_utc(at), key): rid for cam, at, key, rid in s.connection().execute(
                insert(table).returning(c.camera_id, c.read_at, c.read_key, c.id), params)}
        return [(ids[_key(r)], r) for r in params]
    except SQLAlchemyError:
        pass
    stmt = insert(table).returning(table.c.id)
    stored = []
    for line, row in rows:
        try:
            with s.begin_nested():
                rid = s.connection().execute(stmt, [row]).scalar_one()
            stored.append((rid, row))
        except SQLAlchemyError as exc:
            if _is_duplicate(exc):
                report.already_stored += 1
            else:
                why = str(getattr(exc, "orig", exc)).splitlines()[0][:200]
                report.rejected.append(RowError(line, "(row)", row.get("plate", ""),
                                                f"the store refused the row: {why}"))
    return stored


def ingest_rows(gov: Governance, actor: Actor, rows: Iterable[tuple[int, dict[str, Any] | RowError]],
                source: str = "", batch_size: int = 5000, match: bool = True,
                at: dt.datetime | None = None) -> IngestReport:
    """Validate and store reads, matching each against the active hot lists into hits.

    One transaction per batch; bad rows are reported, good ones kept. ``at`` (default: the
    clock) is when matching happens: which entries are active, and the hits' time."""
    from alpr.governance.hotlists import active_entries, record_hits
    from alpr.matcher.match import Matcher
    from alpr.matcher.reads import Read as MatchRead

    report = IngestReport()
    batch: list[tuple[int, dict[str, Any]]] = []
    matcher: Matcher | None = None
    if match:
        with gov.Session() as s:
            entries = active_entries(s, at or dt.datetime.now(dt.UTC))
        matcher = Matcher(entries) if entries else None

    def flush() -> None:
        if not batch:
            return
        with gov._tx() as s:
            gov.authorize(s, actor, "reads.ingest", source, {"rows": len(batch)})
            cams = {c.name: c for c in s.execute(select(Camera)).scalars()}
            good: list[tuple[int, dict[str, Any]]] = []
            for line, row in batch:
                cam = cams.get(row["camera"])
                if cam is None:
                    report.rejected.append(RowError(line, "camera", row["camera"],
                                                    "no such camera"))
                elif not cam.in_service:
                    report.rejected.append(RowError(
                        line, "camera", row["camera"],
                        f"camera is out of service ({cam.out_of_service_reason}); its reads are "
                        f"not accepted until it is restored (policy II.B)"))
                else:
                    try:
                        image = (gov.images.stored(row["image_path"]) if row["image_path"]
                                 else None)
                    except ImagePathError as exc:
                        report.rejected.append(RowError(line, "image_path",
                                                        str(row["image_path"])[:60], str(exc)))
                        continue
                    g = dict(row)
                    del g["camera"]
                    g["image_path"], g["camera_id"], g["ingested_by"] = image, cam.id, actor.id
                    good.append((line, g))
            if good:
                # Before anything reads the reads table in this transaction: creating a month's
                # partition locks the parent, and a writer already holding a lock on it while
                # it waits for the creators' advisory lock would deadlock with the creator.
                ensure_partitions(s.connection(), (g["read_at"] for _, g in good))
                # a re-run or a resumed ingest: reads already stored are counted, not kept
                known = _stored_keys(s, [g for _, g in good])
                fresh = []
                for line, g in good:
                    if _key(g) in known:
                        report.already_stored += 1
                    else:
                        known.add(_key(g))
                        fresh.append((line, g))
                good = fresh
            if good:
                stored = _insert(s, good, report)
                record_digests.track(s, "read", [rid for rid, _ in stored])
                if matcher is not None and stored:
                    reads = [(rid, MatchRead(
                        text=g["plate"], state=g["state"], state_confidence=g["state_confidence"],
                        char_confidences=tuple(orjson.loads(g["char_confidences"]))
                        if g["char_confidences"] else None, id=rid))
                        for rid, g in stored]
                    report.hits += record_hits(s, reads, matcher,
                                               at or dt.datetime.now(dt.UTC))
                report.stored += len(stored)
            report.batches += 1
        batch.clear()

    for line, raw in rows:
        checked = raw if isinstance(raw, RowError) else validate(raw, line)
        if isinstance(checked, RowError):
            report.rejected.append(checked)
            continue
        batch.append((line, checked))
        if len(batch) >= batch_size:
            flush()
    flush()
    return report


def ingest_file(gov: Governance, actor: Actor, path: Path, batch_size: int = 5000) -> IngestReport:
    return ingest_rows(gov, actor, iter_rows(path), source=str(path), batch_size=batch_size)


# -- historical searches ---------------------------------------------------------------------
HIDDEN_FIELDS = {"auditor": {"image_path"}}  # auditors review the trail, not the images


@dataclass(frozen=True)
class SearchRules:
    """Departmental search procedure; a case number is required by default."""

    require_case_number: bool = True
    min_purpose_chars: int = 10
    max_results: int = 10_000


def _like(pattern: str) -> str:
    """Plate wildcard (``?`` one char, ``*`` any run) to SQL LIKE."""
    return pattern.replace("*", "%").replace("?", "_")


def _prefix_bounds(pattern: str) -> list[Any]:
    """A range of ``ix_reads_plate`` for a pattern's known start (``ABC*`` → ``plate >= 'ABC'
    AND plate < 'ABD'``): ``LIKE`` alone uses no index on PostgreSQL under a non-C collation,
    and reads every read of the period."""
    head = pattern.split("*")[0].split("?")[0]
    if head == pattern or not head or any(c not in ORDERED_ALPHABET for c in head):
        return []
    lo, hi = prefix_range(head)
    return [Read.plate >= lo] + ([Read.plate < hi] if hi is not None else [])


def search_reads(gov: Governance, actor: Actor, *, purpose: str, case_number: str | None,
                 plate: str | None = None, since: dt.datetime | None = None,
                 until: dt.datetime | None = None, camera: str | None = None,
                 rules: SearchRules = SearchRules(),
                 at: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Search historical reads; every search is recorded with its purpose and result count,
    at ``at`` (UTC; default: the clock; a simulation passes its own time)."""
    refusal = None
    if len((purpose or "").strip()) < rules.min_purpose_chars:
        refusal = (f"purpose: a law-enforcement purpose of at least "
                   f"{rules.min_purpose_chars} characters is required (policy III.E)")
    elif rules.require_case_number and not (case_number or "").strip():
        refusal = "case_number: required for historical searches (policy III.E)"
    if refusal is not None:  # a search outside procedure is a refused act: recorded
        with gov._tx():
            raise gov.refuse(actor, "search.history", plate or "*", refusal)
    _check_case_number(case_number)
    since = require_utc(since, "since") if since is not None else None
    until = require_utc(until, "until") if until is not None else None
    at = require_utc(at, "at") if at is not None else dt.datetime.now(dt.UTC)
    query: dict[str, Any] = {"plate": plate, "camera": camera,
                             "since": since.isoformat() if since else None,
                             "until": until.isoformat() if until else None}
    stmt = select(Read, Camera.name).join(Camera, Camera.id == Read.camera_id)
    if plate:
        core = plate.replace("*", "").replace("?", "")
        try:
            if core:
                normalize_plate(core)
        except PlateTextError as exc:
            raise ValueError(f"plate: {exc}") from None
        pat = plate.upper().replace(" ", "").replace("-", "")
        stmt = stmt.where(Read.plate.like(_like(pat)) if ("*" in pat or "?" in pat)
                          else Read.plate == pat, *_prefix_bounds(pat))
    if since:
        stmt = stmt.where(Read.read_at >= since)
    if until:
        stmt = stmt.where(Read.read_at < until)
    if camera:
        stmt = stmt.where(Camera.name == camera)
    stmt = stmt.order_by(Read.read_at).limit(rules.max_results)
    with gov._tx() as s:
        user = gov.authorize(s, actor, "search.history", plate or "*",
                             {"purpose": purpose, "case_number": case_number, **query})
        hidden = HIDDEN_FIELDS.get(user.role, set())
        rows = []
        for read, cam_name in s.execute(stmt):
            row = {"id": read.id, "read_at": read.read_at, "camera": cam_name,
                   "plate": read.plate, "state": read.state, "confidence": read.confidence,
                   "image_path": read.image_path, "image_sha256": read.image_sha256}
            rows.append({k: v for k, v in row.items() if k not in hidden})
        s.add(HistoricalSearch(user_id=actor.id, at=at,
                               query=json.dumps(query), purpose=purpose.strip(),
                               case_number=case_number, result_count=len(rows)))
    return rows


def _check_case_number(case_number: str | None) -> None:
    if case_number is not None and len(case_number) > MAX_CASE_NUMBER:
        raise ValueError(f"case_number {case_number[:20]!r}…: {len(case_number)} characters, "
                         f"more than the {MAX_CASE_NUMBER} allowed")


# -- retention -------------------------------------------------------------------------------
@dataclass(frozen=True)
class RetentionPolicy:
    """How long reads are kept; the department sets it (policy II.A.1). A period of zero
    or fewer days would purge every read, including today's: it is refused."""

    reads_days: int = 365

    def __post_init__(self) -> None:
        if isinstance(self.reads_days, bool) or not isinstance(self.reads_days, int) \
                or self.reads_days <= 0:
            raise ValueError(f"--days {self.reads_days}: the retention period must be a "
                             f"positive whole number of days (reads older than it are "
                             f"purged; 0 or less would purge every read)")


def place_hold(gov: Governance, actor: Actor, case_number: str, reason: str,
               starts_at: dt.datetime, ends_at: dt.datetime, plate: str | None = None) -> int:
    """Preserve reads (of ``plate``, or all) in a time window for an investigation."""
    if len((reason or "").strip()) < 10:
        raise ValueError("reason: at least 10 characters explaining the investigation")
    if not (case_number or "").strip():
        raise ValueError("case_number: required for a hold")
    _check_case_number(case_number)
    starts_at, ends_at = require_utc(starts_at, "starts_at"), require_utc(ends_at, "ends_at")
    if not starts_at < ends_at:
        raise ValueError(f"ends_at {ends_at}: must be after starts_at {starts_at}")
    norm = normalize_plate(plate) if plate else None
    with gov._tx() as s:
        gov.authorize(s, actor, "holds.manage", case_number, {"plate": norm, "reason": reason})
        hold = RetentionHold(case_number=case_number, reason=reason.strip(), plate=norm,
                             starts_at=starts_at, ends_at=ends_at, created_by=actor.id,
                             created_at=dt.datetime.now(dt.UTC))
        s.add(hold)
        s.flush()
        return hold.id


def release_hold(gov: Governance, actor: Actor, hold_id: int) -> None:
    with gov._tx() as s:
        gov.authorize(s, actor, "holds.manage", str(hold_id), {"release": True})
        hold = s.get(RetentionHold, hold_id)
        if hold is None:
            raise ValueError(f"hold {hold_id}: no such hold")
        hold.released_at, hold.released_by = dt.datetime.now(dt.UTC), actor.id


def _held() -> Any:
    """SQL condition: an active hold covers this read, or a hit on it was acted on (a
    verification recorded an action): such reads are evidence (policy II.A.2)."""
    from alpr.store.schema import Hit, HitVerification

    on_hold = exists().where(and_(
        RetentionHold.released_at.is_(None),
        RetentionHold.starts_at <= Read.read_at, Read.read_at < RetentionHold.ends_at,
        or_(RetentionHold.plate.is_(None), RetentionHold.plate == Read.plate)))
    acted_on = exists().where(and_(Hit.read_id == Read.id, HitVerification.hit_id == Hit.id,
                                   HitVerification.action_taken.is_not(None)))
    return or_(on_hold, acted_on)


@dataclass
class PurgeReport:
    cutoff: dt.datetime
    expired: int
    held: int
    deleted: int
    images_deleted: int
    dry_run: bool
    partitions_dropped: list[str] = field(default_factory=list)
    images_shared: int = 0  # files of purged reads that a kept read or frame still uses
    images_refused: list[str] = field(default_factory=list)  # paths outside the image root

    def __str__(self) -> str:
        verb = "would delete" if self.dry_run else "deleted"
        text = (f"reads older than {self.cutoff:%Y-%m-%d}: {self.expired}; under a hold (kept): "
                f"{self.held}; {verb} {self.deleted} reads and {self.images_deleted} image "
                f"file(s)")
        if self.images_shared:
            text += f"; {self.images_shared} image file(s) kept, still used by kept reads"
        if self.images_refused:
            text += (f"; {len(self.images_refused)} image path(s) outside the image root "
                     f"left alone (first: {self.images_refused[0]})")
        if self.partitions_dropped:
            verb = "would drop" if self.dry_run else "dropped"
            text += f"; {verb} whole partitions: {', '.join(self.partitions_dropped)}"
        return text


@dataclass
class _ImagePlan:
    files: list[Path] = field(default_factory=list)  # to delete once the rows are gone
    shared: int = 0
    refused: list[str] = field(default_factory=list)


def _image_plan(s: Session, images: ImageRoot, targets: list[Any]) -> _ImagePlan:
    """Which image files of the reads to purge go with them: those under the image root that
    no kept read (held, or within retention) and no camera frame still refers to."""
    from alpr.store.schema import CameraFrame

    plan = _ImagePlan()
    doomed = {t.id for t in targets}
    names: dict[Path, set[str]] = {}  # file -> the forms the rows give it
    for t in targets:
        if not t.image_path:
            continue
        try:
            path = images.confine(t.image_path)
        except ImagePathError as exc:
            plan.refused.append(f"read {t.id}: {exc}")
            continue
        if path.is_file():
            names.setdefault(path, set()).add(t.image_path)
    forms = sorted({f for v in names.values() for f in v} | {str(p) for p in names})
    used: set[str] = set()
    for i in range(0, len(forms), 1000):
        chunk = forms[i:i + 1000]
        used |= {ip for rid, ip in s.execute(select(Read.id, Read.image_path).where(
            Read.image_path.in_(chunk))) if rid not in doomed and ip}
        used |= set(s.scalars(select(CameraFrame.path).where(CameraFrame.path.in_(chunk))))
    for path, given in names.items():
        if (given | {str(path)}) & used:
            plan.shared += 1
        else:
            plan.files.append(path)
    return plan


def _whole_partitions(s: Any, cutoff: dt.datetime) -> list[partitions.Partition]:
    """Monthly partitions wholly past ``cutoff`` that hold nothing preserved (PostgreSQL)."""
    out = []
    for part in partitions.partitions(s.connection()):
        if part.end > cutoff:
            break
        in_part = and_(Read.read_at >= part.start, Read.read_at < part.end)
        if not s.scalar(select(exists().where(in_part, _held()))):
            out.append(part)
    return out


def _track_purged(s: Session, read_ids: list[int]) -> None:
    """Record the purge's deletions (reads, their hits and verifications) with the purge's
    audit row, so verify tells them from deletions no audited act made."""
    from alpr.store.schema import Hit, HitVerification

    for i in range(0, len(read_ids), 5000):
        chunk = read_ids[i:i + 5000]
        hit_ids = list(s.scalars(select(Hit.id).where(Hit.read_id.in_(chunk))))
        ver_ids = list(s.scalars(select(HitVerification.id).where(
            HitVerification.hit_id.in_(hit_ids)))) if hit_ids else []
        record_digests.track(s, "read", chunk, deleted=True)
        record_digests.track(s, "hit", hit_ids, deleted=True)
        record_digests.track(s, "verification", ver_ids, deleted=True)


def _drop_partition(s: Any, part: partitions.Partition) -> None:
    """Delete the partition's unacted hits, then detach and drop the month at once."""
    from alpr.store.schema import Hit, HitVerification

    hit_ids = select(Hit.id).where(Hit.read_at >= part.start, Hit.read_at < part.end)
    s.execute(delete(HitVerification).where(HitVerification.hit_id.in_(hit_ids)))
    s.execute(delete(Hit).where(Hit.read_at >= part.start, Hit.read_at < part.end))
    s.execute(text(f"ALTER TABLE reads DETACH PARTITION {part.name}"))
    s.execute(text(f"DROP TABLE {part.name}"))


def purge(gov: Governance, actor: Actor, policy: RetentionPolicy = RetentionPolicy(),
          now: dt.datetime | None = None, dry_run: bool = False,
          image_root: Path | None = None) -> PurgeReport:
    """Delete reads past retention, and their images, unless a hold preserves them.

    Only files under the image root (``image_root``, default the store's) are deleted, and a
    file only when no kept read still uses it. A dry run reports the same counts of reads
    and files as the run would delete."""
    now = require_utc(now, "now") if now is not None else dt.datetime.now(dt.UTC)
    images = gov.images if image_root is None else ImageRoot.for_store(
        gov.engine.url.render_as_string(hide_password=False), image_root)
    cutoff = now - dt.timedelta(days=policy.reads_days)
    with gov._tx() as s:
        gov.authorize(s, actor, "retention.purge", "reads",
                      {"cutoff": cutoff.isoformat(), "dry_run": dry_run})
        expired = s.scalar(select(_count()).where(Read.read_at < cutoff)) or 0
        held = s.scalar(select(_count()).where(Read.read_at < cutoff, _held())) or 0
        doomed = select(Read.id, Read.image_path, Read.read_at).where(Read.read_at < cutoff,
                                                                       ~_held())
        targets = s.execute(doomed).all()
        deleted = len(targets)  # or, in a dry run, would be
        plan = _image_plan(s, images, list(targets))
        if not dry_run:
            _track_purged(s, [t.id for t in targets])
        whole = _whole_partitions(s, cutoff)
        if not dry_run and whole:  # a whole month goes at once: no row-by-row delete
            for part in whole:
                _drop_partition(s, part)
            partitions.forget_cache()
            targets = [t for t in targets if not any(
                p.start <= _utc(t.read_at) < p.end for p in whole)]
        if not dry_run and targets:
            ids = [t.id for t in targets]
            from alpr.store.schema import Hit, HitVerification

            for i in range(0, len(ids), 5000):
                chunk = ids[i:i + 5000]
                hit_ids = select(Hit.id).where(Hit.read_id.in_(chunk))
                s.execute(delete(HitVerification).where(HitVerification.hit_id.in_(hit_ids)))
                s.execute(delete(Hit).where(Hit.read_id.in_(chunk)))
                s.execute(delete(Read).where(Read.id.in_(chunk)))
        from alpr.governance import audit

        audit.append(s, actor.username, "retention.purged" if not dry_run else "retention.dry_run",
                     "reads", {"cutoff": cutoff.isoformat(), "expired": expired, "held": held,
                               "deleted": deleted, "image_files": len(plan.files),
                               "image_files_shared": plan.shared,
                               "image_paths_refused": len(plan.refused),
                               "partitions_dropped": [p.name for p in whole]})
    removed = len(plan.files) if dry_run else 0
    if not dry_run:  # only once the rows are gone for good; confined again at use time
        for path in plan.files:
            again, _ = images.existing(str(path))
            if again is not None:
                again.unlink()
                removed += 1
    return PurgeReport(cutoff, expired, held, deleted, removed, dry_run,
                       [p.name for p in whole], plan.shared, plan.refused)


def _utc(ts: dt.datetime) -> dt.datetime:
    return ts if ts.tzinfo else ts.replace(tzinfo=dt.UTC)


def _count() -> Any:
    from sqlalchemy import func

    return func.count(Read.id)
