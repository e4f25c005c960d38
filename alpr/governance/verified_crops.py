"""Verified reads as labelled crops: reads whose hit an operator verified become training
labels, through the access-control layer. The verification records pass the
hit-verification contract first.

The label is what the officer saw on the vehicle when the verification records it
(``seen_plate``, ``seen_state``) — so a misread's crop, the recognizer's own mistake, is
labelled with the true plate. Without it, a read is a label only when its hit matched the
hot-list entry exactly and both the characters and the state were found to match.
"""

from __future__ import annotations

import csv
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from alpr.governance.access import Actor, Governance
from alpr.store.dialect import read_of_hit
from alpr.store.images import ImageRoot
from alpr.store.schema import Hit, HitVerification, HotListEntryRow, Read


@dataclass
class CollectedCrops:
    labels: Path
    crops: int
    skipped: list[str] = field(default_factory=list)  # why each usable-looking read was not
    contract: str = ""  # the verification contract's summary
    relabelled: int = 0  # crops whose label (the plate seen) differs from the read's text


def verification_rows(session: Session) -> pd.DataFrame:
    """Every hit verification with its read and hot-list entry, one row each, by read (then
    verification): the columns the verification contract and :func:`true_label` read, and
    the read's ``image_path``. The caller has authorised the access."""
    rows = session.execute(
        select(HitVerification.hit_id, HitVerification.chars_match,
               HitVerification.state_match, HitVerification.dispatch_confirmed,
               HitVerification.outcome, HitVerification.action_taken,
               HitVerification.verified_at, HitVerification.seen_plate,
               HitVerification.seen_state, Read.id.label("read_id"), Read.plate,
               Read.state, Read.image_path, Hit.kind,
               HotListEntryRow.plate.label("listed_plate"),
               HotListEntryRow.state.label("listed_state"))
        .join(Hit, Hit.id == HitVerification.hit_id).join(Read, read_of_hit(session))
        .join(HotListEntryRow, HotListEntryRow.id == Hit.entry_id)
        .order_by(Read.id, HitVerification.id)).all()
    return pd.DataFrame([r._asdict() for r in rows])


def checked_verifications(df: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The rows of :func:`verification_rows` that pass the hit-verification contract (indexed
    by line from 1), and the contract's summary ("" for no rows)."""
    from alpr.contracts.frames import verifications_frame
    from alpr.contracts.registry import get_contract
    from alpr.contracts.runner import validate

    if df.empty:
        return df, ""
    df.index = pd.RangeIndex(1, len(df) + 1, name="line")
    report = validate(get_contract("verifications"), verifications_frame(df),
                      source="store: hit verifications")
    return df.drop(index=list(report.bad_lines)), report.summary()


def collect_verified_crops(gov: Governance, actor: Actor, out_dir: Path,
                           image_root: Path | None = None) -> CollectedCrops:
    """Write ``out_dir/labels.csv`` (image,state,plate) with a copy of each read's image.

    A read qualifies when a verification of one of its hits passes the contract and tells
    its true plate and state (whatever the outcome of the hit): the plate and state seen,
    when recorded (a seen state, or the entry's when the state matched); else the read's
    own text and the entry's state when the characters and the state both matched and the hit
    was exact (a confusable, edit or wildcard hit's read need not be the plate)."""
    with gov._tx() as s:
        gov.authorize(s, actor, "training.export", "verified reads",
                      {"purpose": "labelled crops for OCR training"})
        df = verification_rows(s)
    images = gov.images if image_root is None else ImageRoot.for_store(
        gov.engine.url.render_as_string(hide_password=False), image_root)
    out = Path(out_dir)
    (out / "images").mkdir(parents=True, exist_ok=True)
    result = CollectedCrops(labels=out / "labels.csv", crops=0)
    written: set[int] = set()
    good, result.contract = checked_verifications(df)
    with open(result.labels, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["image", "state", "plate"])
        for r in good.itertuples():
            if r.read_id in written:
                continue
            label = true_label(r._asdict())
            if label is None:
                if r.chars_match and r.state_match:
                    result.skipped.append(f"read {r.read_id}: a {r.kind} hit (not exact) and "
                                          f"the plate seen was not recorded: its true text is "
                                          f"unknown")
                continue
            src, why = images.existing(r.image_path)
            if src is None:
                result.skipped.append(f"read {r.read_id}: image {r.image_path!r} not found"
                                      if why and "not found" in why else
                                      f"read {r.read_id}: {why}")
                continue
            name = f"images/read{r.read_id}{src.suffix.lower()}"
            shutil.copyfile(src, out / name)
            w.writerow([name, label[1], label[0]])
            written.add(r.read_id)
            result.relabelled += label[0] != r.plate
    result.crops = len(written)
    return result


def true_label(r: dict) -> tuple[str, str] | None:
    """(plate, state) a verification establishes for its read's image, or None.

    >>> base = {"chars_match": True, "state_match": True, "seen_plate": None,
    ...         "seen_state": None, "plate": "ABC123", "state": "CA", "kind": "exact",
    ...         "listed_state": "CA"}
    >>> true_label(base)
    ('ABC123', 'CA')
    >>> true_label({**base, "kind": "confusable"}) is None  # the read is not the listing
    True
    >>> true_label({**base, "chars_match": False, "seen_plate": "ABC128"})
    ('ABC128', 'CA')
    >>> true_label({**base, "state_match": False, "seen_plate": "ABC123"}) is None
    True
    """
    seen_plate, seen_state = _given(r.get("seen_plate")), _given(r.get("seen_state"))
    if seen_plate:
        state = seen_state or (_given(r.get("listed_state")) or _given(r.get("state"))
                               if r.get("state_match") else None)
        return (seen_plate, state) if state else None
    # an exact hit: the read is the listed plate, which the officer found on the vehicle
    if r.get("chars_match") and r.get("state_match") and r.get("kind") == "exact":
        return str(r["plate"]), _given(r.get("listed_state")) or _given(r.get("state")) or ""
    return None


def _given(v: object) -> str | None:
    """A recorded text, or None for a missing one (None, NaN from pandas, blank)."""
    if v is None or (isinstance(v, float) and v != v) or not str(v).strip():
        return None
    return str(v).strip()


