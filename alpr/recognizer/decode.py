"""CTC decoding with honest confidences and ranked alternative readings.

Pure numpy over per-column probabilities. Alternatives only ever re-rank what the image
supports: substitutions come from characters the network itself scored at that column, and
deletions drop a character the network emitted; the jurisdiction's serial formats break
near-ties but never create characters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from alpr.vocabulary.formats import fits_any_format


@dataclass(frozen=True)
class Candidate:
    text: str
    confidence: float


@dataclass(frozen=True)
class TextRead:
    text: str
    confidence: float
    char_confidences: tuple[float, ...]
    candidates: tuple[Candidate, ...] = field(default_factory=tuple)


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    z = x - x.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def _segments(best: np.ndarray) -> list[tuple[int, int, int]]:
    """Runs of the best path that emit a character: (class, start, end) with end exclusive."""
    segs = []
    t = 0
    while t < len(best):
        c = int(best[t])
        end = t + 1
        while end < len(best) and best[end] == c:
            end += 1
        if c != 0:
            segs.append((c, t, end))
        t = end
    return segs


def greedy_decode(probs: np.ndarray, alphabet: str, top_k: int = 5,
                  state: str | None = None, format_bonus: float = 0.15) -> TextRead:
    """Best-path decode of (T, C+1) probabilities with per-character confidences.

    A character's confidence is the highest probability it reaches within its run of
    columns; the read's confidence is the product of its characters' confidences times the
    probability that the blank columns are really blank, softened to its root of degree the
    square root of their count (so an extra faint character lowers it).

    >>> p = np.full((4, 3), 0.01); p[0, 1] = p[1, 0] = p[2, 2] = p[3, 0] = 0.98
    >>> r = greedy_decode(p / p.sum(1, keepdims=True), "AB")
    >>> r.text, round(r.confidence, 2)
    ('AB', 0.93)
    """
    best = probs.argmax(axis=1)
    segs = _segments(best)
    chars = [alphabet[c - 1] for c, _, _ in segs]
    char_conf = [float(probs[s:e, c].max()) for c, s, e in segs]
    blank_cols = best == 0
    # Probability that some column we called blank held a character we did not emit.
    blank_conf = float(np.prod(probs[blank_cols, 0])) if blank_cols.any() else 1.0
    blank_conf = blank_conf ** (1.0 / max(1, int(blank_cols.sum())) ** 0.5)
    base = math.prod(char_conf) * blank_conf if chars else 0.0
    text = "".join(chars)

    cands: dict[str, float] = {text: base}
    for i, (c, s, e) in enumerate(segs):
        col = probs[s:e].max(axis=0)
        col[c] = 0.0
        col[0] = 0.0
        for alt in np.argsort(col)[::-1][:2]:
            if col[alt] <= 1e-3:
                continue
            alt_text = text[:i] + alphabet[alt - 1] + text[i + 1:]
            score = base / max(char_conf[i], 1e-9) * float(col[alt])
            cands[alt_text] = max(cands.get(alt_text, 0.0), score)
        # Deleting a character: the chance it was not there at all.
        drop_p = float(probs[s:e, 0].max())
        if len(chars) > 1 and drop_p > 1e-3:
            alt_text = text[:i] + text[i + 1:]
            score = base / max(char_conf[i], 1e-9) * drop_p
            cands[alt_text] = max(cands.get(alt_text, 0.0), score)

    def ranked_score(item: tuple[str, float]) -> float:
        t, sc = item
        bonus = format_bonus if state and t and _fits(t, state) else 0.0
        return sc * (1.0 + bonus)

    ranked = sorted(cands.items(), key=ranked_score, reverse=True)[:top_k]
    candidates = tuple(Candidate(t, round(sc, 6)) for t, sc in ranked if t)
    if candidates and candidates[0].text != text:
        # A format-fitting near-tie outranks the raw best path; report its own confidence.
        top = candidates[0]
        return TextRead(top.text, top.confidence, _char_conf_for(top.text, text, char_conf),
                        candidates)
    return TextRead(text, base, tuple(char_conf), candidates)


def _fits(text: str, state: str) -> bool:
    try:
        return fits_any_format(text, state)
    except KeyError:
        return False


def _char_conf_for(alt: str, text: str, conf: list[float]) -> tuple[float, ...]:
    """Per-char confidences for a re-ranked candidate (same length: reuse; else trim)."""
    if len(alt) == len(text):
        return tuple(c if a == b else min(c, 0.5) for a, b, c in zip(alt, text, conf, strict=True))
    out = []
    j = 0
    for i, ch in enumerate(text):
        if j < len(alt) and alt[j] == ch:
            out.append(conf[i])
            j += 1
    return tuple(out[: len(alt)])
