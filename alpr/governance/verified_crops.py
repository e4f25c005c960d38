"""Verified reads as labelled crops: reads whose hit an operator verified (characters and
state both checked against the image) become training labels, through the access-control
layer. The verification records pass the hit-verification contract first.
"""

from __future__ import annotations

import csv
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from alpr.governance.access import Actor, Governance
from alpr.store.schema import Hit, HitVerification, Read


@dataclass
class CollectedCrops:
    labels: Path
    crops: int
    skipped: list[str] = field(default_factory=list)  # why each usable-looking read was not
    contract: str = ""  # the verification contract's summary


def collect_verified_crops(gov: Governance, actor: Actor, out_dir: Path,
                           image_root: Path | None = None) -> CollectedCrops:
    """Write ``out_dir/labels.csv`` (image,state,plate) with a copy of each read's image.

    A read qualifies when a verification of one of its hits passes the contract and says
    the characters and the state match the image (whatever the outcome of the hit)."""
    from alpr.contracts.frames import verifications_frame
    from alpr.contracts.runner import get_contract, validate

    with gov._tx() as s:
        gov.authorize(s, actor, "reads.view", "verified reads",
                      {"purpose": "labelled crops for OCR training"})
        rows = s.execute(
            select(HitVerification.hit_id, HitVerification.chars_match,
                   HitVerification.state_match, HitVerification.dispatch_confirmed,
                   HitVerification.outcome, HitVerification.action_taken,
                   HitVerification.verified_at, Read.id.label("read_id"), Read.plate,
                   Read.state, Read.image_path)
            .join(Hit, Hit.id == HitVerification.hit_id).join(Read, Read.id == Hit.read_id)
            .order_by(Read.id)).all()
    df = pd.DataFrame([r._asdict() for r in rows])
    out = Path(out_dir)
    (out / "images").mkdir(parents=True, exist_ok=True)
    result = CollectedCrops(labels=out / "labels.csv", crops=0)
    written: set[int] = set()
    good = df
    if not df.empty:
        df.index = pd.RangeIndex(1, len(df) + 1, name="line")
        report = validate(get_contract("verifications"), verifications_frame(df),
                          source="store: hit verifications")
        result.contract = report.summary()
        good = df.drop(index=list(report.bad_lines))
    with open(result.labels, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["image", "state", "plate"])
        for r in good.itertuples():
            if not (r.chars_match and r.state_match) or r.read_id in written:
                continue
            src = _image(r.image_path, image_root)
            if src is None or not src.is_file():
                result.skipped.append(f"read {r.read_id}: image {r.image_path!r} not found")
                continue
            name = f"images/read{r.read_id}{src.suffix.lower()}"
            shutil.copyfile(src, out / name)
            w.writerow([name, r.state or "", r.plate])
            written.add(r.read_id)
    result.crops = len(written)
    return result


def _image(path: str | None, root: Path | None) -> Path | None:
    if not path:
        return None
    p = Path(path)
    return p if p.is_absolute() or root is None else Path(root) / p
