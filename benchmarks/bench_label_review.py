"""Label review on planted errors, on crops the base model never trained on.

The set: the Brazilian crops on the tune side of the shipped model's split (no model in its
lineage trained on them: full.yaml and full-eu.yaml read no Brazilian crops, frames-finetune
only their train side) plus synthetic plates rendered here with ``alpr.synth`` from a seed no
training run uses (their states left unlabelled: synthetic artwork is not a real state's).
N of them get one character swapped for another of the same kind (letter
for letter, digit for digit, never O for 0), and ``alpr.recognizer.label_review`` must find
them: recall and precision of the flags at the threshold, and at the top N of the ranking.

    .venv/bin/python benchmarks/bench_label_review.py                 # base model only
    .venv/bin/python benchmarks/bench_label_review.py --folds 3 --steps 300
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import platform
import random
import string
import tempfile
import time
from pathlib import Path

from alpr.datasets import load_crops
from alpr.paths import PROJECT_ROOT
from alpr.recognizer.label_review.review import (
    DEFAULT_THRESHOLD,
    ReviewConfig,
    card_split,
    review_labels,
)
from alpr.synth.writer import write_dataset
from alpr.vocabulary.plate_text import fold_o_to_zero

BR = PROJECT_ROOT.parent / "shared" / "datasets" / "openalpr-br-crops"
SYNTH_SEED = 20261201  # no training config uses it


def swap_one(plate: str, rng: random.Random) -> str:
    """``plate`` with one character replaced by another of the same kind (no O/0 swap)."""
    i = rng.randrange(len(plate))
    pool = string.ascii_uppercase if plate[i].isalpha() else string.digits
    choices = [c for c in pool if fold_o_to_zero(c) != fold_o_to_zero(plate[i])]
    return plate[:i] + rng.choice(choices) + plate[i + 1:]


def build_set(work: Path, n: int, planted: int, seed: int) -> tuple[Path, dict[Path, str], dict]:
    """labels.csv of the BR tune crops plus synthetic plates (``n`` in all) with ``planted``
    swapped labels; (its path, image -> true plate of each planted crop, counts)."""
    split, _ = card_split(PROJECT_ROOT / "models" / "plate-ocr")
    if split is None:
        raise SystemExit("the shipped model's training sets are not here (../shared/datasets)")
    br = [it for it in split.tune if BR in it.image.parents][:n]
    synth_csv = write_dataset(work / "synthetic", n=n - len(br), seed=SYNTH_SEED, augment=True,
                              progress=False)
    synth = load_crops(synth_csv).items
    items = [*br, *synth]
    rng = random.Random(seed)
    plant = set(rng.sample(range(len(items)), planted))
    truth: dict[Path, str] = {}
    labels = work / "labels.csv"
    with open(labels, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["image", "state", "plate"])
        for i, it in enumerate(items):
            plate = it.plate
            if i in plant:
                plate = swap_one(it.plate, rng)
                truth[it.image] = it.plate
            # a synthetic plate's state is left unlabelled: its artwork is not a real
            # state's (the state head learns states from real crops), so the state head's
            # disagreement with it would say nothing about labels
            w.writerow([os.path.relpath(it.image, work), "" if it in synth else it.state or "",
                        plate])
    counts = {"brazilian_tune": len(br), "synthetic": len(synth),
              "planted_brazilian": sum(BR in p.parents for p in truth),
              "planted_synthetic": sum(BR not in p.parents for p in truth)}
    return labels, truth, counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--planted", type=int, default=10)
    ap.add_argument("--folds", type=int, default=0)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    print(f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()} "
          f"{os.cpu_count()} cpus, load {os.getloadavg()[0]:.1f}, Python "
          f"{platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        t0 = time.monotonic()
        labels, truth, counts = build_set(work, args.n, args.planted, args.seed)
        print(f"set: {counts['brazilian_tune']} Brazilian tune-side crops + "
              f"{counts['synthetic']} synthetic plates (seed {SYNTH_SEED}); planted "
              f"{len(truth)} one-character swaps ({counts['planted_brazilian']} Brazilian, "
              f"{counts['planted_synthetic']} synthetic); built in {time.monotonic() - t0:.0f} s")
        cfg = ReviewConfig(labels=str(labels), folds=args.folds, steps=args.steps,
                           batch_size=args.batch_size, threshold=args.threshold,
                           seed=args.seed)
        t0 = time.monotonic()
        review = review_labels(cfg, work / "review", progress=False, log=lambda _: None)
        seconds = time.monotonic() - t0
    print(review.base_note)
    mode = (f"{args.folds} folds x {args.steps} steps" if args.folds else "base model only")
    flags = review.flags
    hit = [r for r in flags if r.item.image in truth]
    recall = len(hit) / len(truth)
    precision = len(hit) / len(flags) if flags else 0.0
    top = review.rows[:len(truth)]
    top_hit = sum(r.item.image in truth for r in top)
    print(f"{mode}: {len(review.rows)} crops reviewed in {seconds:.0f} s")
    print(f"flags at score >= {args.threshold:g}: {len(flags)}; planted found {len(hit)} of "
          f"{len(truth)}: recall {recall:.0%}, precision {precision:.0%}")
    print(f"top {len(truth)} of the ranking: {top_hit} planted (recall = precision "
          f"{top_hit / len(truth):.0%})")
    print("flags (rank, score, label -> read, planted?, source):")
    for i, r in enumerate(flags, start=1):
        planted = (f"planted (true {truth[r.item.image]})" if r.item.image in truth
                   else "not planted")
        source = "brazilian" if BR in r.item.image.parents else "synthetic"
        print(f"  {i:>3} {r.score.score:.2f} {r.item.plate} -> {r.read.text}  {planted}  "
              f"{source}")
    missed = [r for r in review.rows if r.item.image in truth and r not in flags]
    for r in missed:
        rank = review.rows.index(r) + 1
        print(f"  missed: rank {rank}, score {r.score.score:.2f}, label {r.item.plate} "
              f"(true {truth[r.item.image]}), read {r.read.text}")


if __name__ == "__main__":
    main()
