"""The honest split: every real set cut by plate text into *train*, *tune* and *test*.

One plate text lives on one side only, across every set (the same car in the crops and in
the frames, a ``SAMPLE`` plate from several states), so a figure on the test side is a
figure on plates no training step has seen. *Tune* is where thresholds, calibration and
model choices are made; *test* is read once per candidate model about to ship.

The rule (see ``docs/evaluation.md``):

1. Frames the plate detector trained on (file-name hash at or above its held-out share) are
   *pinned* to train, and so is every other image of their plates.
2. The plates of the remaining frames (the detector never saw them) go half to tune and half
   to test, ranked by a hash of the O/0-folded plate text.
3. Every other plate goes to test, tune or train by the same ranking, in the configured
   shares: exact shares, so a department's 17 plates still leave 12 to train on, and every
   crop of a plate follows its plate (nothing is dropped).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from alpr.datasets import LabelledCrop, split_key
from alpr.vocabulary.plate_text import fold_o_to_zero

SIDES = ("train", "tune", "test")


@dataclass
class Split:
    """The three sides of a split, as lists of labelled crops."""

    train: list[LabelledCrop] = field(default_factory=list)
    tune: list[LabelledCrop] = field(default_factory=list)
    test: list[LabelledCrop] = field(default_factory=list)

    def side(self, name: str) -> list[LabelledCrop]:
        if name not in SIDES:
            raise ValueError(f"side must be one of {', '.join(SIDES)}, got {name!r}")
        return getattr(self, name)

    def counts(self) -> dict[str, dict[str, int]]:
        """Crops and distinct plates on each side."""
        return {s: {"crops": len(self.side(s)),
                    "plates": len({plate_key(i.plate) for i in self.side(s)})} for s in SIDES}


def plate_key(plate: str) -> str:
    """The text a side is chosen by: O folded to 0 (one glyph on most US plates)."""
    return fold_o_to_zero(plate)


def plate_rank(plate: str) -> str:
    """A stable pseudo-random order of plates (SHA-1 of the folded text)."""
    return hashlib.sha1(plate_key(plate).encode()).hexdigest()


def quota_sides(plates: Iterable[str], tune: float, test: float,
                keep_train: bool = True) -> dict[str, str]:
    """Side of each plate key by rank: ``round(n*test)`` to test, ``round(n*tune)`` to tune,
    the rest (with ``keep_train``, at least one plate where there are two or more) to train.

    >>> sides = quota_sides([f"P{i}" for i in range(17)], tune=0.15, test=0.15)
    >>> sorted(list(sides.values()).count(s) for s in ("train", "tune", "test"))
    [2, 3, 12]
    """
    keys = sorted(set(plates), key=plate_rank)
    n = len(keys)
    n_test = round(n * test)
    n_tune = round(n * (test + tune)) - n_test  # cumulative: shares adding to 1 use every plate
    while keep_train and n >= 2 and n_test + n_tune > n - 1:  # something must be left to train on
        if n_tune >= n_test and n_tune:
            n_tune -= 1
        else:
            n_test -= 1
    out = {}
    for i, k in enumerate(keys):
        out[k] = "test" if i < n_test else "tune" if i < n_test + n_tune else "train"
    return out


def split_by_plate(crop_sets: Sequence[Sequence[LabelledCrop]],
                   frame_sets: Sequence[Sequence[LabelledCrop]] = (),
                   tune: float = 0.15, test: float = 0.15,
                   frames_heldout: float | None = 0.3) -> Split:
    """Split crop sets and frame sets together by plate text (module docstring's rule).

    ``frames_heldout`` is the plate detector's held-out share of the frames (file-name hash
    below it); ``None`` pins every frame to train (frames not used for evaluation).
    """
    frames = [it for s in frame_sets for it in s]
    crops = [it for s in crop_sets for it in s]
    pinned = {plate_key(it.plate) for it in frames
              if frames_heldout is None or split_key(it) >= frames_heldout}
    sides = {k: "train" for k in pinned}
    free_frame_plates = {plate_key(it.plate) for it in frames} - pinned
    sides |= quota_sides(free_frame_plates, tune=0.5, test=0.5, keep_train=False)
    sides |= quota_sides({plate_key(it.plate) for it in crops} - set(sides), tune, test)
    out = Split()
    for it in [*crops, *frames]:
        out.side(sides[plate_key(it.plate)]).append(it)
    return out
