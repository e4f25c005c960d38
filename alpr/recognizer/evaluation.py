"""Evaluating a recognizer on a labelled set: the figures data staff and evaluators report.

``evaluate_reads`` is pure (truth + reads in, report out); ``evaluate`` runs a recognizer
over a crop set first. Plots live in :mod:`alpr.recognizer.plots`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from alpr.datasets import LabelledCrop
from alpr.metrics import (
    accuracy_at_thresholds,
    char_accuracy,
    char_confusions,
    exact_match,
    o_zero_swaps,
)
from alpr.recognizer.recognizer import PlateRead, Recognizer
from alpr.vocabulary.plate_text import fold_o_to_zero


@dataclass
class EvalReport:
    n: int
    exact: float
    exact_folded: float
    char_accuracy: float
    state_accuracy: float | None
    state_n: int
    per_state: list[dict[str, Any]] = field(default_factory=list)
    confusions: list[tuple[str, str, int]] = field(default_factory=list)
    o_zero: list[tuple[str, str, int]] = field(default_factory=list)  # O/0 swaps, apart
    thresholds: list[dict[str, float]] = field(default_factory=list)
    ece: float = 0.0
    rows: list[dict[str, Any]] = field(default_factory=list)

    def metrics(self) -> dict[str, float]:
        """Flat numeric metrics for trackers."""
        m = {"exact_match": self.exact, "exact_match_o_folded": self.exact_folded,
             "char_accuracy": self.char_accuracy, "confidence_ece": self.ece}
        if self.state_accuracy is not None:
            m["state_top1"] = self.state_accuracy
        for row in self.thresholds:
            th = row["threshold"]
            m[f"accuracy_at_{th:g}"] = row["accuracy"]
            m[f"accepted_at_{th:g}"] = row["accepted_share"]
        return m

    @property
    def misreads(self) -> int:
        """Reads wrong even with O folded to 0."""
        return sum(not r["correct"] for r in self.rows)

    @property
    def strict_misses(self) -> int:
        """Reads not exactly the label (O/0 swaps included)."""
        return sum(r["truth"] != r["read"] for r in self.rows)

    def summary(self) -> str:
        swaps = self.strict_misses - self.misreads
        lines = [
            f"plates: {self.n}",
            f"exact match (strict):        {self.exact:.1%}",
            f"exact match (O folded to 0): {self.exact_folded:.1%}",
            f"misreads: {self.misreads} (O folded to 0); strict misses: {self.strict_misses}, "
            f"of which {swaps} only an O/0 swap",
            f"character accuracy:          {self.char_accuracy:.1%}",
        ]
        if self.state_accuracy is not None:
            lines.append(f"state of issuance top-1:     {self.state_accuracy:.1%} "
                         f"(of {self.state_n} with a state label)")
        lines.append(f"confidence calibration error (ECE): {self.ece:.3f}")
        lines.append("\naccuracy by confidence threshold (O folded):")
        lines.append("  threshold  accepted  share   wrong  accuracy")
        for r in self.thresholds:
            lines.append(f"  {r['threshold']:>9.2f}  {r['accepted']:>8d}  {r['accepted_share']:>5.1%}"
                         f"  {r['wrong']:>6d}  {r['accuracy']:>7.1%}")
        if self.per_state:
            lines.append("\nper state (plates, text exact O-folded, state top-1):")
            for r in self.per_state:
                st = "   -" if r["state_accuracy"] is None else f"{r['state_accuracy']:>5.0%}"
                lines.append(f"  {r['state']:<3} {r['n']:>4d}  {r['exact_folded']:>5.0%}  {st}")
        if self.confusions:
            lines.append("\nmost frequent character confusions (truth -> read: count):")
            lines.extend(f"  {a} -> {b}: {c}" for a, b, c in self.confusions[:10])
        if self.o_zero:
            lines.append("\nO/0 swaps (one glyph on most US plates; counted apart):")
            lines.extend(f"  {a} -> {b}: {c}" for a, b, c in self.o_zero)
        return "\n".join(lines)


def expected_calibration_error(correct: list[bool], conf: list[float], bins: int = 10) -> float:
    """Mean |accuracy - confidence| over equal-width confidence bins, weighted by count.

    >>> round(expected_calibration_error([True, False], [0.9, 0.1]), 2)
    0.1
    """
    if not correct:
        return 0.0
    c = np.asarray(correct, dtype=float)
    p = np.asarray(conf, dtype=float)
    idx = np.minimum((p * bins).astype(int), bins - 1)
    err = 0.0
    for b in range(bins):
        mask = idx == b
        if mask.any():
            err += mask.sum() / len(c) * abs(c[mask].mean() - p[mask].mean())
    return float(err)


def evaluate_reads(items: list[LabelledCrop], reads: list[PlateRead]) -> EvalReport:
    """Score reads against their labels."""
    truth = [it.plate for it in items]
    pred = [r.text for r in reads]
    correct = [fold_o_to_zero(t) == fold_o_to_zero(p) for t, p in zip(truth, pred, strict=True)]
    conf = [r.confidence for r in reads]
    with_state = [(it, r) for it, r in zip(items, reads, strict=True) if it.state]
    state_acc = (sum(it.state == r.state for it, r in with_state) / len(with_state)
                 if with_state else None)
    groups: dict[str, list[tuple[LabelledCrop, PlateRead, bool]]] = defaultdict(list)
    for it, r, ok in zip(items, reads, correct, strict=True):
        groups[it.state or "?"].append((it, r, ok))
    per_state = []
    for st, rows in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        labelled = [(it, r) for it, r, _ in rows if it.state]
        per_state.append({
            "state": st, "n": len(rows),
            "exact_folded": sum(ok for _, _, ok in rows) / len(rows),
            "state_accuracy": (sum(it.state == r.state for it, r in labelled) / len(labelled)
                               if labelled else None),
        })
    conf_counts = char_confusions(truth, pred)  # O/0 swaps are not confusions
    rows_out = [{"image": str(it.image), "truth": it.plate, "read": r.text,
                 "confidence": r.confidence, "state": it.state, "read_state": r.state,
                 "state_confidence": r.state_confidence, "correct": ok}
                for it, r, ok in zip(items, reads, correct, strict=True)]
    return EvalReport(
        n=len(items),
        exact=exact_match(truth, pred),
        exact_folded=exact_match(truth, pred, fold_o=True),
        char_accuracy=char_accuracy([fold_o_to_zero(t) for t in truth],
                                    [fold_o_to_zero(p) for p in pred]),
        state_accuracy=state_acc,
        state_n=len(with_state),
        per_state=per_state,
        confusions=[(a, b, c) for (a, b), c in conf_counts.most_common()],
        o_zero=[(a, b, c) for (a, b), c in o_zero_swaps(truth, pred).most_common()],
        thresholds=accuracy_at_thresholds(correct, conf),
        ece=expected_calibration_error(correct, conf),
        rows=rows_out,
    )


def load_items(items: list[LabelledCrop]) -> tuple[list[LabelledCrop], list[np.ndarray],
                                                  list[str]]:
    """(the items whose image could be read, their crops, one error line per unreadable
    image): a corrupt file among good ones is reported, not fatal."""
    from alpr.recognizer.preprocess import ImageReadError, load_rgb

    kept, images, errors = [], [], []
    for it in items:
        try:
            img = load_rgb(it.image)
        except ImageReadError as exc:
            errors.append(str(exc))
            continue
        if it.box is not None:
            x, y, w, h = it.box
            img = img[y:y + h, x:x + w]
        kept.append(it)
        images.append(img)
    return kept, images, errors


def read_items(recognizer: Recognizer, items: list[LabelledCrop],
               images: list[np.ndarray] | None = None) -> list[PlateRead]:
    """Read each labelled crop (cutting frame boxes out of their frames)."""
    from alpr.recognizer.preprocess import load_rgb

    if images is None:
        images = []
        for it in items:
            img = load_rgb(it.image)
            if it.box is not None:
                x, y, w, h = it.box
                img = img[y:y + h, x:x + w]
            images.append(img)
    return recognizer.read_crops(images)


def evaluate(recognizer: Recognizer, items: list[LabelledCrop],
             images: list[np.ndarray] | None = None) -> EvalReport:
    return evaluate_reads(items, read_items(recognizer, items, images))
