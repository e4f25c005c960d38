"""Folds for out-of-fold reading, cut by plate text: every crop of a plate lands in the same
fold (as in :mod:`alpr.splits`), so no fold model has seen the plate it is asked to read."""

from __future__ import annotations

from collections.abc import Sequence

from alpr.datasets import LabelledCrop
from alpr.splits import plate_key, plate_rank


class FoldError(ValueError):
    """The crops cannot be cut into the folds asked for."""


def plate_folds(items: Sequence[LabelledCrop], k: int) -> list[int]:
    """The fold (0..k-1) of each item: plates ranked by the split's hash of their O/0-folded
    text and dealt round-robin, so the folds differ by at most one plate.

    >>> from pathlib import Path
    >>> crops = [LabelledCrop(Path(f"{i}.png"), p, None)
    ...          for i, p in enumerate(["ABC123", "ABC123", "XYZ9", "B0B1", "BOB1"])]
    >>> folds = plate_folds(crops, 2)
    >>> folds[0] == folds[1], folds[3] == folds[4], sorted(set(folds))
    (True, True, [0, 1])
    """
    if k < 2:
        raise FoldError(f"folds {k}: out-of-fold reading needs at least 2 folds "
                        f"(0 reads with the base model only)")
    keys = sorted({plate_key(it.plate) for it in items}, key=plate_rank)
    if k > len(keys):
        raise FoldError(f"folds {k}: more folds than the {len(keys)} plate(s) in the set; a "
                        f"plate's crops stay in one fold, so at most {len(keys)} folds")
    fold_of = {key: i % k for i, key in enumerate(keys)}
    return [fold_of[plate_key(it.plate)] for it in items]
