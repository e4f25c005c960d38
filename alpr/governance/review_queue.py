"""The review queue: the stored reads most worth a data-staff look before a retraining, ranked,
with the reason for each, exported in the crop contract through the access-control layer.

Who is in it: the verified reads (every read with a hit verification that passes the
hit-verification contract) and every read under the confidence threshold. Why, first to last:
an officer's record says the read was wrong (a corrected plate or state, the recognizer's own
mistake, labelled with what the officer saw); the recognizer's jittered re-reads of the stored
crop disagree (:func:`alpr.recognizer.reread.crop_views`); the read was unsure. A read the
officers labelled goes to ``labels.csv`` (the crop contract: ready for ``data.real_crops``);
one without an officer's label goes to ``to_label.csv`` with its plate left empty, so that
no training run takes the recognizer's own read for the truth until a person labels it.
"""

from __future__ import annotations

import csv
import re
import shutil
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
from sqlalchemy import or_, select
from tqdm.auto import tqdm

from alpr.governance.access import Actor, Governance
from alpr.governance.verified_crops import checked_verifications, true_label, verification_rows
from alpr.recognizer.preprocess import load_rgb
from alpr.recognizer.recognizer import Recognizer
from alpr.recognizer.reread import REREAD_BELOW, crop_views
from alpr.store.images import ImageRoot
from alpr.store.schema import Hit, HitVerification, Read
from alpr.vocabulary.plate_text import PlateTextError, fold_o_to_zero, normalize_plate

# the access the queue asks for: the verified reads' images leave the store as training data
ACTION = "training.export"  # data staff and administrators (alpr.governance.permissions)
PURPOSE = "review queue of reads for OCR retraining"

CORRECTED = "officer-corrected"  # the officer saw another plate or state than the read
FLAGGED = "officer-flagged misread"  # an exact hit whose characters did not match: no plate seen
CONFLICT = "verifications disagree"  # two verifications of one read saw different plates
DISAGREE = "re-reads disagree"  # the jittered views of the stored crop read other texts
LOW = "low confidence"
REASONS = (CORRECTED, FLAGGED, CONFLICT, DISAGREE, LOW)  # the order the queue ranks them in
TIER = {CORRECTED: 0, FLAGGED: 0, CONFLICT: 0, DISAGREE: 1, LOW: 2}
# within the officers' tier
PLATE_WRONG, PLATE_UNKNOWN, STATE_WRONG, O_ZERO_ONLY, CONFLICTING = range(5)

LABELS, TO_LABEL, QUEUE = "labels.csv", "to_label.csv", "queue.csv"
CROP_HEADER = ("image", "state", "plate")  # the crop contract's columns
TO_LABEL_HEADER = (*CROP_HEADER, "read_id", "read_plate", "read_state", "confidence", "reasons")
QUEUE_HEADER = ("rank", "read_id", "list", "image", "state", "plate", "read_plate",
                "read_state", "confidence", "state_confidence", "reasons", "why", "rereads")
REREAD_CHUNK = 64  # reads whose views go through the recognizer together


class Reader(Protocol):
    """What the re-reads need of a recognizer (:class:`alpr.recognizer.Recognizer`)."""

    def read_crops(self, images: list[np.ndarray]) -> Sequence[Any]: ...


@dataclass(frozen=True)
class QueueOptions:
    """One run of the queue. ``min_confidence``: a read under it is queued as unsure (the
    recognizer's own re-read threshold by default); ``limit``: keep the N highest-ranked;
    ``reread``: re-read the stored crops with the jitter views; ``model``: the recognizer
    for that (a folder or ``models:/NAME@ALIAS``; the shipped model by default)."""

    min_confidence: float = REREAD_BELOW
    limit: int | None = None
    reread: bool = True
    model: str | None = None
    progress: bool = False

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_confidence <= 1.0:
            raise ValueError(f"min_confidence {self.min_confidence}: must be between 0 and 1")
        if self.limit is not None and self.limit < 1:
            raise ValueError(f"limit {self.limit}: must be at least 1")


@dataclass
class QueuedRead:
    """One stored read in the queue: the read, the officer's label if any, and why."""

    read_id: int
    image_path: str | None
    plate: str
    state: str | None
    confidence: float
    state_confidence: float | None
    label: tuple[str, str] | None = None  # (plate, state) the officers' records establish
    reasons: list[str] = field(default_factory=list)
    why: list[str] = field(default_factory=list)  # one sentence per reason
    rereads: tuple[str, ...] = ()  # each jitter view's text
    order: tuple[Any, ...] = ()  # within its tier (see rank)

    @property
    def tier(self) -> int:
        return min(TIER[r] for r in self.reasons)


@dataclass
class ReviewQueue:
    """What :func:`export_review_queue` wrote."""

    out: Path
    items: list[QueuedRead]  # ranked; the exported ones
    candidates: int = 0  # reads looked at (verified, or under the threshold)
    queued: int = 0  # of them, with a reason (before --limit)
    skipped: list[str] = field(default_factory=list)  # reads left out, and why
    contract: str = ""  # the verification contract's summary
    reread: bool = True

    @property
    def labelled(self) -> list[QueuedRead]:
        return [q for q in self.items if q.label is not None]

    @property
    def to_label(self) -> list[QueuedRead]:
        return [q for q in self.items if q.label is None]

    def counts(self) -> dict[str, int]:
        """Exported reads per reason (a read with two reasons counts under both)."""
        return {r: sum(r in q.reasons for q in self.items) for r in REASONS}

    def summary(self) -> str:
        counts = ", ".join(f"{n} {r}" for r, n in self.counts().items() if n)
        kept = (f" (the {len(self.items)} highest ranked of {self.queued})"
                if len(self.items) < self.queued else "")
        return (f"review queue: {len(self.items)} read(s) of {self.candidates} looked at"
                f"{kept}: {counts or 'none'}; {len(self.labelled)} labelled by officers -> "
                f"{self.out / LABELS}, {len(self.to_label)} to label -> "
                f"{self.out / TO_LABEL}; ranked list {self.out / QUEUE}"
                + ("" if self.reread else "; crops not re-read")
                + (f"; {len(self.skipped)} skipped" if self.skipped else ""))


def export_review_queue(gov: Governance, actor: Actor, out_dir: Path,
                        options: QueueOptions = QueueOptions(),
                        reader: Reader | None = None) -> ReviewQueue:
    """Rank the store's reads for review and write ``out_dir``: ``labels.csv`` (the crop
    contract: officer-labelled crops), ``to_label.csv`` (the same columns, plate and state
    left empty for a person, then the read and the reasons), ``queue.csv`` (every exported
    read, ranked, with its reasons) and ``images/read<ID>.<ext>``. Each read is exported
    once, to one of the two lists. ``reader`` re-reads the crops (default: the recognizer of
    ``options.model``)."""
    check_out(Path(out_dir))  # before the store is read: a folder it can write, or refused
    reads, verifications = _query(gov, actor, options.min_confidence)
    queue = ReviewQueue(out=Path(out_dir), items=[], candidates=len(reads),
                        reread=options.reread)
    items = {int(r.read_id): QueuedRead(
        read_id=int(r.read_id), image_path=r.image_path, plate=str(r.plate),
        state=r.state if isinstance(r.state, str) and r.state else None,
        confidence=float(r.confidence),
        state_confidence=None if pd.isna(r.state_confidence) else float(r.state_confidence))
        for r in reads.itertuples()}
    queue.contract = _label_from_officers(items, verifications)
    for q in items.values():
        if q.confidence < options.min_confidence:
            _add(q, LOW, f"read with confidence {q.confidence:.2f}, under "
                         f"{options.min_confidence:g}")
    images = gov.images
    crops = _load_crops(items.values(), images, queue.skipped)
    if options.reread and crops:
        if reader is None:
            reader = Recognizer.load(options.model)
        _reread(items, crops, reader, options.progress, queue.skipped)
    ranked = rank(q for q in items.values() if q.reasons and q.read_id in crops)
    queue.queued = len(ranked)
    queue.items = ranked[:options.limit] if options.limit else ranked
    _write(queue, crops)
    return queue


def check_out(out: Path) -> None:
    """Refuse an output folder the queue cannot write (a file in the way) or must not
    overwrite: one holding crop lists the queue did not write (a verified-crops folder has
    ``labels.csv`` and ``images/read<ID>`` too, but no ``queue.csv``)."""
    for p in [out, *out.parents]:
        if p.exists():
            if not p.is_dir():
                raise ValueError(f"{out}: {p} is a file where a folder is needed")
            break
    if (out / QUEUE).is_file():
        return
    theirs = [n for n in (LABELS, TO_LABEL) if (out / n).exists()]
    if theirs:
        raise ValueError(f"{out}: holds {' and '.join(theirs)} but no {QUEUE}: not a review "
                         f"queue's folder, so it is not overwritten; give a new or empty folder")


def _query(gov: Governance, actor: Actor, min_confidence: float
           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The candidate reads and their verifications, in one audited transaction (a denial is
    recorded by the access-control layer)."""
    with gov._tx() as s:
        gov.authorize(s, actor, ACTION, "verified and unsure reads",
                      {"purpose": PURPOSE, "min_confidence": min_confidence})
        verified = select(Hit.read_id).join(HitVerification, HitVerification.hit_id == Hit.id)
        reads = s.execute(
            select(Read.id.label("read_id"), Read.plate, Read.state, Read.confidence,
                   Read.state_confidence, Read.image_path)
            .where(or_(Read.id.in_(verified), Read.confidence < min_confidence))
            .order_by(Read.id)).all()
        verifications = verification_rows(s)
    return (pd.DataFrame([r._asdict() for r in reads],
                         columns=["read_id", "plate", "state", "confidence",
                                  "state_confidence", "image_path"]),
            verifications)


def _label_from_officers(items: dict[int, QueuedRead], df: pd.DataFrame) -> str:
    """Give each read the label its verifications establish (those passing the
    verification contract; :func:`~alpr.governance.verified_crops.true_label`), and the
    officer's reasons; the contract's summary back."""
    good, summary = checked_verifications(df)
    for read_id, rows in good.groupby("read_id", sort=True):
        q = items.get(int(read_id))
        if q is None:
            continue
        records = [r._asdict() for r in rows.itertuples()]
        labels = list(dict.fromkeys(
            (_plate(lab[0]), lab[1]) for r in records if (lab := true_label(r)) is not None))
        if len(labels) > 1:
            _add(q, CONFLICT, "the officers' records of this read disagree: "
                 + " vs ".join(f"{p} {s}".strip() for p, s in labels),
                 order=(CONFLICTING, -q.confidence))
            continue
        if labels:
            q.label = labels[0]
            _corrections(q)
        elif any(r["kind"] == "exact" and not r["chars_match"] for r in records):
            _add(q, FLAGGED, f"exact hit on {q.plate}, but the officer found other "
                             f"characters on the vehicle and recorded no plate",
                 order=(PLATE_UNKNOWN, -q.confidence))
    return summary


def _corrections(q: QueuedRead) -> None:
    """The officer-corrected reason, when the label is not the read."""
    assert q.label is not None
    plate, state = q.label
    read = _plate(q.plate)
    wrong = []
    if plate != read:
        o_zero = fold_o_to_zero(plate) == fold_o_to_zero(read)
        wrong.append(f"plate read {read}, officer saw {plate}"
                     + (" (only an O/0 swap)" if o_zero else ""))
    if state and state != (q.state or ""):
        wrong.append(f"state read {q.state or 'none'}, officer saw {state}")
    if not wrong:
        return
    # a wrong plate first, then a wrong state, then an O/0 swap alone; the confidently
    # wrong first within each: the errors no confidence threshold catches
    if fold_o_to_zero(plate) != fold_o_to_zero(read):
        kind, sure = PLATE_WRONG, q.confidence
    elif state and state != (q.state or ""):
        kind, sure = STATE_WRONG, q.state_confidence or 0.0
    else:
        kind, sure = O_ZERO_ONLY, q.confidence
    _add(q, CORRECTED, "; ".join(wrong), order=(kind, -sure))


def _add(q: QueuedRead, reason: str, why: str, order: tuple[Any, ...] = ()) -> None:
    q.reasons.append(reason)
    q.why.append(f"{reason}: {why}")
    if order and (not q.order or TIER[reason] <= q.tier):
        q.order = order


def _load_crops(items: Iterable[QueuedRead], images: ImageRoot, skipped: list[str]
                ) -> dict[int, Path]:
    """Each candidate's image file under the store's image root (decoded only when it will
    be re-read or is queued); a missing one, or one a previous read already uses, skipped
    and said."""
    out: dict[int, Path] = {}
    seen: dict[Path, int] = {}
    for q in items:
        src, why = images.existing(q.image_path)
        if src is None:
            if q.reasons:
                skipped.append(f"read {q.read_id}: {why}")
            continue
        if src in seen:
            skipped.append(f"read {q.read_id}: its image {src} is read {seen[src]}'s too "
                           f"(exported once, with read {seen[src]})")
            continue
        seen[src] = q.read_id
        out[q.read_id] = src
    return out


def _reread(items: dict[int, QueuedRead], crops: dict[int, Path], reader: Reader,
            progress: bool, skipped: list[str]) -> None:
    """Read every candidate's stored crop again from its jitter views; a read whose views
    (O folded to 0) do not all give its own text gets the re-reads-disagree reason."""
    ids = list(crops)
    # a bar on a terminal; in a log, a plain line every few hundred reads
    tty = progress and sys.stderr.isatty()
    bar = tqdm(total=len(ids), desc="re-reading stored crops", unit="read", disable=not tty)
    for i in range(0, len(ids), REREAD_CHUNK):
        chunk, views = [], []
        for read_id in ids[i:i + REREAD_CHUNK]:
            try:
                image = load_rgb(crops[read_id])
            except ValueError as exc:  # not an image a training run could read either
                skipped.append(f"read {read_id}: {exc}")
                del crops[read_id]
                continue
            chunk.append(read_id)
            views.append(crop_views(image))
        flat = [v for vs in views for v in vs]
        texts = [str(r.text) for r in reader.read_crops(flat)] if flat else []
        k = 0
        for read_id, vs in zip(chunk, views, strict=True):
            q = items[read_id]
            q.rereads = tuple(texts[k:k + len(vs)])
            k += len(vs)
            disagreement(q)
        bar.update(len(ids[i:i + REREAD_CHUNK]))
        done = min(i + REREAD_CHUNK, len(ids))
        if progress and not tty and (done % (8 * REREAD_CHUNK) == 0 or done == len(ids)):
            print(f"re-reading stored crops: {done}/{len(ids)}", file=sys.stderr, flush=True)
    bar.close()


def disagreement(q: QueuedRead) -> None:
    """The re-reads-disagree reason, when a view of the crop reads another text than the
    stored read (O folded to 0: one glyph on most US plates).

    >>> q = QueuedRead(1, None, "ABC123", "CA", 0.97, 0.9,
    ...                rereads=("ABC123", "ABC123", "A8C123", "ABC123", "ABCI23"))
    >>> disagreement(q); q.why
    ['re-reads disagree: 3 of 5 jitter views read ABC123 (the stored read), 1 A8C123, 1 ABCI23']
    >>> q = QueuedRead(2, None, "B0B1", "CA", 0.97, 0.9, rereads=("BOB1",) * 5)
    >>> disagreement(q); q.reasons
    []
    """
    if not q.rereads:
        return
    stored = fold_o_to_zero(q.plate)
    agree = sum(fold_o_to_zero(t) == stored for t in q.rereads)
    if agree == len(q.rereads):
        return
    others: dict[str, int] = {}
    for t in q.rereads:
        if fold_o_to_zero(t) != stored:
            others[t or "(nothing)"] = others.get(t or "(nothing)", 0) + 1
    rest = ", ".join(f"{n} {t}" for t, n in sorted(others.items(), key=lambda tn: -tn[1]))
    _add(q, DISAGREE, f"{agree} of {len(q.rereads)} jitter views read {q.plate} "
                      f"(the stored read), {rest}",
         order=(agree / len(q.rereads), -q.confidence))


def rank(items: Iterable[QueuedRead]) -> list[QueuedRead]:
    """The officers' reads first, then reads whose re-reads disagree, then unsure reads;
    within the officers' tier: a corrected plate, a flagged misread (plate not recorded), a
    corrected state, an O/0 swap alone, records that disagree, the more confident (wrongly)
    first in each; re-reads: the fewer views agreeing first, then the more confident;
    unsure reads: the least sure first; then reads with more reasons first.

    >>> a = QueuedRead(1, None, "A", None, 0.5, None, reasons=[LOW], order=(0.5,))
    >>> b = QueuedRead(2, None, "B", None, 0.99, None, reasons=[CORRECTED], order=(0, -0.99))
    >>> c = QueuedRead(3, None, "C", None, 0.2, None, reasons=[LOW], order=(0.2,))
    >>> [q.read_id for q in rank([a, b, c])]
    [2, 3, 1]
    """
    def key(q: QueuedRead) -> tuple[Any, ...]:
        order = q.order if q.tier < TIER[LOW] else (q.confidence,)
        return (q.tier, order, -len(q.reasons), q.read_id)
    return sorted(items, key=key)


def _write(queue: ReviewQueue, crops: dict[int, Path]) -> None:
    out = queue.out
    before = _listed_images(out / QUEUE)  # a previous run's copies
    (out / "images").mkdir(parents=True, exist_ok=True)
    kept = []
    for q in queue.items:
        src = crops[q.read_id]
        name = f"images/read{q.read_id}{src.suffix.lower()}"
        try:
            shutil.copyfile(src, out / name)
        except OSError as exc:
            queue.skipped.append(f"read {q.read_id}: image {src} could not be copied ({exc})")
            continue
        kept.append((q, name))
    queue.items = [q for q, _ in kept]
    with (open(out / LABELS, "w", newline="", encoding="utf-8") as lf,
          open(out / TO_LABEL, "w", newline="", encoding="utf-8") as tf,
          open(out / QUEUE, "w", newline="", encoding="utf-8") as qf):
        labels, to_label, ranked = csv.writer(lf), csv.writer(tf), csv.writer(qf)
        labels.writerow(CROP_HEADER)
        to_label.writerow(TO_LABEL_HEADER)
        ranked.writerow(QUEUE_HEADER)
        for n, (q, name) in enumerate(kept, 1):
            reasons = "; ".join(q.reasons)
            if q.label is not None:
                labels.writerow([name, q.label[1], q.label[0]])
            else:  # a person's label goes in the empty plate and state columns
                to_label.writerow([name, "", "", q.read_id, q.plate, q.state or "",
                                   f"{q.confidence:.4f}", reasons])
            ranked.writerow([n, q.read_id, LABELS if q.label else TO_LABEL, name,
                             q.label[1] if q.label else "", q.label[0] if q.label else "",
                             q.plate, q.state or "", f"{q.confidence:.4f}",
                             "" if q.state_confidence is None else f"{q.state_confidence:.4f}",
                             reasons, " | ".join(q.why), " ".join(t or "-" for t in q.rereads)])
    for name in before - {name for _, name in kept}:  # no stale copy stays behind
        (out / name).unlink(missing_ok=True)


def _listed_images(queue_csv: Path) -> set[str]:
    """The image copies a previous run of the queue listed in ``queue_csv`` (none if absent):
    only names it writes, ``images/read<ID>.<ext>``."""
    if not queue_csv.is_file():
        return set()
    with open(queue_csv, newline="", encoding="utf-8") as fh:
        return {name for r in csv.DictReader(fh)
                if re.fullmatch(r"images/read\d+\.\w+", name := r.get("image") or "")}


def _plate(text: str) -> str:
    """A plate in its canonical form (as written when it cannot be normalised)."""
    try:
        return normalize_plate(text)
    except PlateTextError:
        return text
