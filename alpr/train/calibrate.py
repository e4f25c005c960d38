"""Temperature scaling so that a read's confidence means what it says."""

from __future__ import annotations

import numpy as np

from alpr.plate_text import fold_o_to_zero
from alpr.recognizer.decode import greedy_decode, softmax

TEMPERATURES = (0.6, 0.8, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0)


def _nll(correct: np.ndarray, conf: np.ndarray) -> float:
    p = np.clip(conf, 1e-6, 1 - 1e-6)
    return float(-(correct * np.log(p) + (1 - correct) * np.log(1 - p)).mean())


def fit_char_temperature(char_logits: list[np.ndarray], truth: list[str], alphabet: str) -> float:
    """The temperature whose read confidences best predict read correctness (log loss)."""
    best_t, best = 1.0, float("inf")
    for t in TEMPERATURES:
        reads = [greedy_decode(softmax(lg / t, axis=-1), alphabet, top_k=1) for lg in char_logits]
        correct = np.array([fold_o_to_zero(r.text) == fold_o_to_zero(y)
                            for r, y in zip(reads, truth, strict=True)], dtype=float)
        loss = _nll(correct, np.array([r.confidence for r in reads]))
        if loss < best:
            best_t, best = t, loss
    return best_t


def fit_state_temperature(state_logits: np.ndarray, targets: np.ndarray) -> float:
    """Classic temperature scaling of the jurisdiction head on labelled samples."""
    if len(targets) == 0:
        return 1.0
    best_t, best = 1.0, float("inf")
    for t in TEMPERATURES:
        p = softmax(state_logits / t, axis=-1)[np.arange(len(targets)), targets]
        loss = float(-np.log(np.clip(p, 1e-9, 1)).mean())
        if loss < best:
            best_t, best = t, loss
    return best_t
