"""Temperature scaling so that a read's confidence means what it says.

The character temperature is the one whose read confidences best predict correctness (log
loss) among those that keep reads at or above the acceptance threshold (0.9) at least 99%
right on the calibration crops. Calibration crops are the held-out real crops plus jittered,
camera-augmented copies of them, so that the rare confident errors have a chance to show.
"""

from __future__ import annotations

import numpy as np

from alpr.recognizer.decode import greedy_decode, softmax
from alpr.vocabulary.plate_text import fold_o_to_zero

TEMPERATURES = tuple(round(t, 2) for t in np.arange(0.6, 3.01, 0.1))
STATE_TEMPERATURES = tuple(round(t, 2) for t in np.arange(0.2, 3.01, 0.1))
THRESHOLD = 0.9
TARGET_PRECISION = 0.99


def _nll(correct: np.ndarray, conf: np.ndarray) -> float:
    p = np.clip(conf, 1e-6, 1 - 1e-6)
    return float(-(correct * np.log(p) + (1 - correct) * np.log(1 - p)).mean())


def fit_char_temperature(char_logits: list[np.ndarray], truth: list[str], alphabet: str,
                         threshold: float = THRESHOLD,
                         target_precision: float = TARGET_PRECISION) -> float:
    """Best log-loss temperature among those meeting the precision target at ``threshold``.

    If no temperature meets the target, the one with the highest precision there is used.
    """
    scored = []
    for t in TEMPERATURES:
        reads = [greedy_decode(softmax(lg / t, axis=-1), alphabet, top_k=1) for lg in char_logits]
        correct = np.array([fold_o_to_zero(r.text) == fold_o_to_zero(y)
                            for r, y in zip(reads, truth, strict=True)], dtype=float)
        conf = np.array([r.confidence for r in reads])
        accepted = conf >= threshold
        precision = correct[accepted].mean() if accepted.any() else 1.0
        scored.append((t, _nll(correct, conf), float(precision)))
    ok = [s for s in scored if s[2] >= target_precision]
    if ok:
        return min(ok, key=lambda s: s[1])[0]
    return max(scored, key=lambda s: (s[2], -s[0]))[0]


def fit_state_temperature(state_logits: np.ndarray, targets: np.ndarray) -> float:
    """Classic temperature scaling of the jurisdiction head on labelled samples."""
    if len(targets) == 0:
        return 1.0
    best_t, best = 1.0, float("inf")
    for t in STATE_TEMPERATURES:
        p = softmax(state_logits / t, axis=-1)[np.arange(len(targets)), targets]
        loss = float(-np.log(np.clip(p, 1e-9, 1)).mean())
        if loss < best:
            best_t, best = t, loss
    return best_t
