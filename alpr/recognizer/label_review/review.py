"""One label review run: read every crop with a model that never trained on it (a fold
model, or the base model alone with ``folds: 0``), score how confidently the read
disagrees with the label, rank, and flag those at or above the threshold."""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pydantic import Field

from alpr.datasets import LabelFileError, LabelledCrop, load_crops, load_frames
from alpr.paths import PROJECT_ROOT
from alpr.recognizer.decode import softmax
from alpr.recognizer.evaluation import load_items
from alpr.recognizer.label_review.folds import plate_folds
from alpr.recognizer.label_review.score import CropScore, score_crop
from alpr.recognizer.preprocess import batch_inputs
from alpr.recognizer.recognizer import PlateRead, Recognizer, resolve_model
from alpr.recognizer.reread import crop_views
from alpr.splits import Split, split_by_plate
from alpr.train.base import Frozen

DEFAULT_THRESHOLD = 0.5


class ReviewConfig(Frozen):
    """Everything a review run depends on; saved beside its outputs."""

    labels: str  # image,state,plate CSV (paths relative to it); the state may be empty
    corrections: str | None = None  # image,old,new fixes applied on load (and written to)
    model: str | None = None  # the base model: folder or MLflow URI; None: the shipped one
    folds: int = Field(5, ge=0)  # 0: read with the base model only; else at least 2
    steps: int = Field(300, gt=0)  # fine-tuning steps of each fold model
    batch_size: int = Field(32, gt=0)
    workers: int = Field(1, ge=0)  # data-loader processes of each fine-tune
    threshold: float = Field(DEFAULT_THRESHOLD, gt=0, le=1)  # flag at or above this score
    views: bool = True  # read and score each crop over the re-read's views of it
    seed: int = 0


@dataclass
class ReviewRow:
    item: LabelledCrop
    image: str  # as the labels CSV writes it (the corrections file's key)
    raw_plate: str  # the label as the CSV writes it (the corrections file's ``old``)
    read: PlateRead
    score: CropScore
    fold: int | None  # 1-based fold; None when the base model read it
    base_trained: bool | None  # did the base model train on this crop (None: unknown)

    @staticmethod
    def columns() -> tuple[str, ...]:
        return ("image", "label", "state", "read", "read_state", "confidence",
                "state_confidence", "p_label", "p_read", "text_score", "state_score", "score",
                "fold", "base_trained")

    def as_dict(self) -> dict[str, object]:
        s = self.score
        return {"image": self.image, "label": self.item.plate, "state": self.item.state or "",
                "read": self.read.text, "read_state": self.read.state,
                "confidence": round(self.read.confidence, 4),
                "state_confidence": round(self.read.state_confidence, 4),
                "p_label": round(s.p_label, 4), "p_read": round(s.p_read, 4),
                "text_score": round(s.text_score, 4),
                "state_score": "" if s.state_score is None else round(s.state_score, 4),
                "score": round(s.score, 4), "fold": self.fold or "",
                "base_trained": {True: "yes", False: "no", None: "unknown"}[self.base_trained]}


@dataclass
class Review:
    config: ReviewConfig
    rows: list[ReviewRow]  # every read crop, highest score first
    skipped: list[str] = field(default_factory=list)  # bad rows and unreadable images
    base_note: str = ""  # which crops the base model trained on
    seconds: float = 0.0

    @property
    def flags(self) -> list[ReviewRow]:
        return [r for r in self.rows if r.score.score >= self.config.threshold]

    def summary(self, top: int = 10) -> str:
        cfg = self.config
        how = (f"out-of-fold: {cfg.folds} folds by plate text, each fold model fine-tuned "
               f"{cfg.steps} steps from the base model on the other folds"
               if cfg.folds else "the base model alone (no fine-tuning)")
        flags = self.flags
        text = sum(r.score.text_score >= cfg.threshold for r in flags)
        lines = [f"label review of {len(self.rows)} crops ({cfg.labels}): {how}; "
                 f"{self.seconds:.0f} s",
                 self.base_note,
                 f"{len(flags)} flagged at score >= {cfg.threshold:g} ({text} text, "
                 f"{len(flags) - text} state only)"]
        if self.skipped:
            lines.append(f"{len(self.skipped)} row(s) skipped (bad rows, unreadable images)")
        if flags:
            lines.append("  rank  score  label -> read  (state -> read state)  fold  image")
        for i, r in enumerate(flags[:top], start=1):
            lines.append(f"  {i:>4}  {r.score.score:.2f}  {r.item.plate} -> {r.read.text}  "
                         f"({r.item.state or '?'} -> {r.read.state})  {r.fold or '-'}  "
                         f"{r.image}")
        if len(flags) > top:
            lines.append(f"  ... {len(flags) - top} more in flags.csv")
        return "\n".join(line for line in lines if line)


def raw_rows(labels: Path) -> dict[Path, tuple[str, str]]:
    """resolved image path -> (image, plate) as the CSV writes them."""
    with open(labels, newline="", encoding="utf-8") as fh:
        return {(labels.parent / r["image"]).resolve(): (r["image"], r["plate"] or "")
                for r in csv.DictReader(fh)}


def card_split(folder: Path) -> tuple[Split | None, str]:
    """The split a model folder's training made, recomputed from its card (the sets and
    shares its config names: :func:`alpr.splits.split_by_plate`; frame rows those
    :func:`alpr.datasets.load_frames` keeps, the frames contract's rule, without running
    the contract: a second, not a minute), or (None, why not).
    """
    card_path = folder / "card.json"
    config = json.loads(card_path.read_text()).get("config", {}) if card_path.is_file() else {}
    data = config.get("data")
    if not data:
        return None, (f"its card ({card_path}) names no training data: the review cannot "
                      f"say which crops it trained on")

    def here(p: str) -> Path:  # configs name paths relative to the project folder
        return Path(p) if Path(p).is_absolute() else PROJECT_ROOT / p

    fixes = here(data["corrections"]) if data.get("corrections") else None
    try:
        crops = [load_crops(here(p), fixes).items for p in data.get("real_crops", [])]
        crops += [load_crops(here(p), fixes, require_state=False).items
                  for p in data.get("text_crops", [])]
        frames = [load_frames(here(p), fixes).items for p in data.get("real_frames", [])]
    except LabelFileError as exc:
        return None, f"its training sets cannot be read here ({exc})"
    share = data.get("frames_val_fraction")
    heldout = (0.3 if share is None else share) if data.get("frames_val") else None
    start = config.get("init_from")
    started = (f"; it started from another model ({start}), and what that one trained on "
               f"is not out-of-fold either: docs/review.md" if start else "")
    return (split_by_plate(crops, frames, tune=data.get("val_fraction", 0.15),
                           test=data.get("test_fraction", 0.15), frames_heldout=heldout),
            f"the train side of its card's split{started}")


def base_training_images(folder: Path) -> tuple[set[Path] | None, str]:
    """(the images on the train side of the base model's split, a note saying so and naming
    what the base started from), or (None, why not) where it cannot be known."""
    split, note = card_split(folder)
    return (None if split is None else {it.image for it in split.train}), note


def _read(rec: Recognizer, items: Sequence[LabelledCrop], images: Sequence[np.ndarray],
          char_t: float, state_t: float, views: bool) -> list[tuple[PlateRead, CropScore]]:
    """Each crop's read and its disagreement score, with the given calibration
    temperatures; with ``views``, the read and both probabilities are averaged over the
    re-read's views of the crop (:func:`alpr.recognizer.reread.crop_views`), so a read that
    only one framing supports does not count as a confident disagreement."""
    crops = [crop_views(im) if views else [im] for im in images]
    reads = rec.read_views(crops) if views else rec.read_crops(list(images))
    out = []
    for it, r, vs in zip(items, reads, crops, strict=True):
        chars, states = rec.logits(batch_inputs(vs, rec.spec.height, rec.spec.width))
        cp = softmax(chars / char_t, axis=-1)  # (V, T, C+1)
        sp = softmax(states / state_t, axis=-1).mean(axis=0)  # (S,)
        out.append((r, score_crop(cp, rec.labels.alphabet, it.plate, r.text, sp,
                                  tuple(rec.labels.states), it.state, r.state)))
    return out


def review_labels(cfg: ReviewConfig, work: Path, progress: bool = True,
                  log: Callable[[str], None] = print) -> Review:
    """Run the review of ``cfg``; fold models are trained under ``work/folds``.

    Raises ``LabelFileError`` for an unusable labels file, ``FoldError`` for folds the
    plates cannot fill, ``FileNotFoundError`` for a missing model."""
    from alpr.recognizer.label_review.finetune import finetune_fold

    t0 = time.monotonic()
    labels = load_crops(cfg.labels, corrections=cfg.corrections, require_state=False)
    skipped = [f"{cfg.labels}: {e}" for e in labels.errors]
    if not labels.items:
        raise LabelFileError(f"{cfg.labels}: no usable rows")
    items, images, unreadable = load_items(labels.items)
    skipped += unreadable
    folds: list[int | None] = (list(plate_folds(items, cfg.folds)) if cfg.folds
                               else [None] * len(items))
    base_dir = resolve_model(cfg.model)
    base = Recognizer.load(cfg.model)
    trained, note = base_training_images(base_dir)
    seen = sum(it.image in trained for it in items) if trained is not None else None
    base_note = (f"base model {base_dir}: trained on {seen} of these {len(items)} crops "
                 f"({note}); on those the review is not out-of-fold for the base"
                 if seen is not None else f"base model {base_dir}: {note}")
    results: list[tuple[PlateRead, CropScore] | None] = [None] * len(items)
    fold_ids: list[int | None] = [*sorted({g for g in folds if g is not None})] or [None]
    for f in fold_ids:
        held = [i for i, g in enumerate(folds) if g == f]
        rec = base
        if f is not None:
            log(f"fold {f + 1}/{cfg.folds}: fine-tuning on {len(items) - len(held)} crops, "
                f"reading {len(held)}")
            model = finetune_fold([it for it, g in zip(items, folds, strict=True) if g != f],
                                  work / "folds" / f"fold-{f + 1}", base_dir, cfg.steps,
                                  cfg.batch_size, cfg.workers, cfg.seed + f,
                                  f"label-review-fold-{f + 1}", progress)
            rec = Recognizer.load(model)
        # every model reads with the base model's calibration: a fold has no tune side
        got = _read(rec, [items[i] for i in held], [images[i] for i in held],
                    base.char_temperature, base.state_temperature, cfg.views)
        for i, r in zip(held, got, strict=True):
            results[i] = r
    raw = raw_rows(Path(cfg.labels))
    rows = []
    for it, g, res in zip(items, folds, results, strict=True):
        assert res is not None
        key, plate = raw.get(it.image, (str(it.image), it.plate))
        rows.append(ReviewRow(it, key, plate, res[0], res[1], None if g is None else g + 1,
                              None if trained is None else it.image in trained))
    rows.sort(key=lambda r: -r.score.score)
    return Review(cfg, rows, skipped, base_note, time.monotonic() - t0)
