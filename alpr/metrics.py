"""Recognition metrics: small pure functions over (truth, prediction) strings."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from alpr.vocabulary.plate_text import fold_o_to_zero


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance.

    >>> edit_distance("ABC123", "A8C123"), edit_distance("ABC", "ABCD")
    (1, 1)
    """
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def exact_match(truth: Sequence[str], pred: Sequence[str], fold_o: bool = False) -> float:
    """Share of plates read exactly; ``fold_o`` compares with letter O folded to digit 0.

    >>> exact_match(["AB0", "XY1"], ["ABO", "XY1"]), exact_match(["AB0"], ["ABO"], fold_o=True)
    (0.5, 1.0)
    """
    if not truth:
        return 0.0
    if fold_o:
        truth = [fold_o_to_zero(t) for t in truth]
        pred = [fold_o_to_zero(p) for p in pred]
    return sum(t == p for t, p in zip(truth, pred, strict=True)) / len(truth)


def char_accuracy(truth: Sequence[str], pred: Sequence[str]) -> float:
    """1 - total edit distance / total truth characters (floored at 0).

    >>> char_accuracy(["ABCD"], ["ABXD"])
    0.75
    """
    total = sum(len(t) for t in truth)
    if total == 0:
        return 0.0
    errs = sum(edit_distance(t, p) for t, p in zip(truth, pred, strict=True))
    return max(0.0, 1.0 - errs / total)


DROPPED, EXTRA = "(dropped)", "(extra)"  # a read's missing or extra character


def o_zero_swaps(truth: Sequence[str], pred: Sequence[str]) -> Counter[tuple[str, str]]:
    """The O/0 swaps :func:`char_confusions` leaves out, counted apart: ``("O", "0")`` where
    a plate's O was read as 0 and ``("0", "O")`` the other way (same-length reads only). A
    strict miss that is only such a swap is right once O is folded to 0, but data staff still
    want to see it.

    >>> o_zero_swaps(["ABO1", "A0B", "XYZ"], ["AB01", "AOB", "XY2"])
    Counter({('O', '0'): 1, ('0', 'O'): 1})
    """
    out: Counter[tuple[str, str]] = Counter()
    for t, p in zip(truth, pred, strict=True):
        if len(t) == len(p):
            out.update((a, b) for a, b in zip(t, p, strict=True) if {a, b} == {"O", "0"})
    return out


def char_confusions(truth: Sequence[str], pred: Sequence[str]) -> Counter[tuple[str, str]]:
    """(true character, read character) counts over plates and their reads: the one rule for
    character confusions (the evaluation, the Misreads page and the health report all count
    with it).

    Each read is aligned with its plate: the same length, position by position; one character
    dropped or extra with the rest in place, ``(char, "(dropped)")`` or ``("(extra)", char)``;
    any other difference in length, ``("length", "missing" | "extra")``. O and 0 are one glyph
    on most US plates (:func:`~alpr.vocabulary.plate_text.fold_o_to_zero`), so a swap between
    them is not a confusion.

    >>> char_confusions(["AB8", "ABO1", "ABC123", "AB"], ["ABB", "AB01", "ABC12", "ABCD"])
    Counter({('8', 'B'): 1, ('3', '(dropped)'): 1, ('length', 'extra'): 1})
    """
    out: Counter[tuple[str, str]] = Counter()
    for t, p in zip(truth, pred, strict=True):
        out.update(_aligned(t, p))
    return out


def _aligned(truth: str, read: str) -> list[tuple[str, str]]:
    """The confusions of one read of one plate (see :func:`char_confusions`)."""
    ft, fr = fold_o_to_zero(truth), fold_o_to_zero(read)
    if len(truth) == len(read):
        return [(a, b) for a, b, fa, fb in zip(truth, read, ft, fr, strict=True) if fa != fb]
    short, long_ = sorted((fr, ft), key=len)
    i = next((k for k, (a, b) in enumerate(zip(short, long_, strict=False))
              if a != b), len(short))
    if len(long_) - len(short) == 1 and short[i:] == long_[i + 1:]:
        return [(truth[i], DROPPED)] if len(read) < len(truth) else [(EXTRA, read[i])]
    return [("length", "extra" if len(read) > len(truth) else "missing")]


def accuracy_at_thresholds(correct: Sequence[bool], confidence: Sequence[float],
                           thresholds: Sequence[float] = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99),
                           ) -> list[dict[str, float]]:
    """For each threshold: share of reads accepted, and accuracy / errors among them.

    >>> accuracy_at_thresholds([True, False], [0.95, 0.6], [0.9])[0]["accuracy"]
    1.0
    """
    n = len(correct)
    rows = []
    for th in thresholds:
        acc = [c for c, s in zip(correct, confidence, strict=True) if s >= th]
        rows.append({
            "threshold": th,
            "accepted": len(acc),
            "accepted_share": len(acc) / n if n else 0.0,
            "wrong": sum(not c for c in acc),
            "accuracy": sum(acc) / len(acc) if acc else 1.0,
        })
    return rows
