"""Choosing the detector's score threshold on the *training* frames, never the held-out ones.

The threshold trades recall for false plates. ``pick_threshold`` takes the lowest threshold
whose false plates per frame on the training frames stay within a target; ``retune`` applies
it to a model folder (only ``card.json`` and its ``README.md`` change, like the recognizer's
``alpr calibrate``) and re-measures the held-out figures at the new threshold.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from alpr.datasets import LabelledCrop
from alpr.detector.detector import Detection, PlateDetector
from alpr.detector.evaluation import Box, build_report

GRID = tuple(round(0.2 + 0.05 * i, 2) for i in range(15))  # 0.2 .. 0.9


def pick_threshold(items: list[LabelledCrop], dets: list[list[Detection]],
                   max_false_per_frame: float,
                   known: list[list[Box]] | None = None) -> float:
    """Lowest grid threshold with false plates per frame <= the target (else the highest).

    ``known`` boxes per frame (plates the labels leave out, unsure regions) are not counted
    as false plates.

    >>> from pathlib import Path
    >>> it = LabelledCrop(Path("a.jpg"), "ABC", None, (0, 0, 10, 10))
    >>> dets = [[Detection((0, 0, 10, 10), 0.9), Detection((50, 50, 10, 10), 0.42)]]
    >>> pick_threshold([it], dets, 0.0)
    0.45
    """
    for th in GRID:
        kept = [[d for d in ds if d.score >= th] for ds in dets]
        if build_report(items, kept, known=known).false_per_frame <= max_false_per_frame:
            return th
    return GRID[-1]


def retune(model_dir: Path, train_items: list[LabelledCrop], train_frames: list[np.ndarray],
           max_false_per_frame: float, val_items: list[LabelledCrop] | None = None,
           val_frames: list[np.ndarray] | None = None, recognizer: Any = None
           ) -> dict[str, Any]:
    """Set ``score_threshold`` in a model folder's card from its training frames, and
    re-measure the card's held-out figures at it when ``val_items`` are given."""
    det = PlateDetector.load(model_dir, threshold=min(GRID))
    dets = [det.detect(f) for f in train_frames]
    th = pick_threshold(train_items, dets, max_false_per_frame)
    rep = build_report(train_items, [[d for d in ds if d.score >= th] for ds in dets])
    method = (f"lowest of {GRID[0]}..{GRID[-1]} with at most {max_false_per_frame} false plates "
              f"per frame on the {len(train_items)} training frames (there: recall "
              f"{rep.recall:.3f}, {rep.false_per_frame:.3f} false plates per frame); set after "
              f"training by alpr.detector.threshold.retune")
    return set_threshold(model_dir, th, method, val_items, val_frames, recognizer)


def set_threshold(model_dir: Path, threshold: float, method: str,
                  val_items: list[LabelledCrop] | None = None,
                  val_frames: list[np.ndarray] | None = None, recognizer: Any = None
                  ) -> dict[str, Any]:
    """Write ``threshold`` (and how it was chosen) into a model folder's card, re-measuring
    the card's held-out figures at it when ``val_items`` are given."""
    th = threshold
    card_path = Path(model_dir) / "card.json"
    card = json.loads(card_path.read_text())
    card["score_threshold"] = th
    card["threshold_method"] = method
    if val_items:
        from alpr.detector.evaluation import evaluate_frames
        from alpr.detector.loop import per_set_reports

        at = PlateDetector.load(model_dir, threshold=th)
        card["metrics_val"] = evaluate_frames(at, val_items, recognizer,
                                              frames=val_frames).metrics()
        card["metrics_val_per_set"] = per_set_reports(at, val_items, val_frames or [],
                                                      recognizer)
    card_path.write_text(json.dumps(card, indent=2, default=str))
    from alpr.detector.card import write_card

    write_card(Path(model_dir))
    return card
