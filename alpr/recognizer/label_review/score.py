"""How confidently a model disagrees with a label: pure numpy over one crop's posteriors.

The text's score is the CTC probability of the model's read minus that of the label, both
with the letter O folded to the digit 0 (one glyph on most US plates, so an O/0 difference
is never a label error): a planted swap the model reads cleanly scores near 1, a crop the
model cannot read (both texts unlikely) near 0. The state's score is the same margin
between the read state's probability and the labelled state's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from alpr.recognizer.reread import ctc_texts_probs
from alpr.vocabulary.plate_text import fold_o_to_zero


@dataclass(frozen=True)
class CropScore:
    p_label: float  # P(label text | image), O/0 folded
    p_read: float  # P(read text | image), O/0 folded
    text_score: float  # max(0, p_read - p_label) when the read differs from the label
    state_score: float | None  # the same margin for the state; None without a state label

    @property
    def score(self) -> float:
        """The crop's rank: the larger of its text and state disagreement."""
        return max(self.text_score, self.state_score or 0.0)


def fold_columns(probs: np.ndarray, alphabet: str) -> tuple[np.ndarray, str]:
    """(T, C+1) column probabilities with the letter O's mass added to the digit 0's and its
    column dropped, and the alphabet without O; unchanged where there is no O or no 0.

    >>> p = np.array([[0.2, 0.3, 0.5]])  # blank, O, 0
    >>> q, a = fold_columns(p, "O0"); q.tolist(), a
    ([[0.2, 0.8]], '0')
    """
    if "O" not in alphabet or "0" not in alphabet:
        return probs, alphabet
    o, zero = alphabet.index("O") + 1, alphabet.index("0") + 1
    out = probs.copy()
    out[..., zero] += out[..., o]
    return np.delete(out, o, axis=-1), alphabet.replace("O", "")


def text_probs(probs: np.ndarray, texts: list[str], alphabet: str) -> list[float]:
    """CTC probabilities of ``texts`` (O folded to 0) under one crop's (T, C+1) columns; a
    text with a character outside the alphabet has probability 0.

    >>> p = np.array([[0.1, 0.9, 0.0], [0.9, 0.1, 0.0], [0.1, 0.0, 0.9]])
    >>> [round(v, 3) for v in text_probs(p, ["AB", "B", "AC"], "AB")]
    [0.819, 0.081, 0.0]
    """
    folded, alpha = fold_columns(probs, alphabet)
    ids, ok = [], []
    for text in texts:
        t = fold_o_to_zero(text)
        ok.append(all(c in alpha for c in t))
        ids.append([alpha.index(c) + 1 for c in t] if ok[-1] else [])
    got = ctc_texts_probs(folded[None], ids)[:, 0]
    return [float(v) if good else 0.0 for v, good in zip(got, ok, strict=True)]


def score_crop(char_probs: np.ndarray, alphabet: str, label: str, read: str,
               state_probs: np.ndarray | None = None, states: tuple[str, ...] = (),
               label_state: str | None = None, read_state: str | None = None) -> CropScore:
    """Score one crop from its calibrated column probabilities, (T, C+1), or (V, T, C+1)
    for several views of it (each text's probability is then its mean over the views), and,
    where the label has a state the model knows, its state probabilities (S,).

    >>> p = np.full((3, 3), 0.05); p[0, 1] = p[1, 0] = p[2, 2] = 0.9  # reads "AB" cleanly
    >>> s = score_crop(p, "AB", label="AA", read="AB")
    >>> round(s.p_read, 2), round(s.p_label, 3), round(s.text_score, 2)  # A_B+AAB+ABB; A_A
    (0.81, 0.041, 0.77)
    >>> score_crop(p, "AB", label="AB", read="AB").text_score
    0.0
    >>> two = np.stack([p, p[::-1]])  # a second view that does not support "AB": (0.81+0.003)/2-0.041
    >>> round(score_crop(two, "AB", label="AA", read="AB").text_score, 2)
    0.37
    """
    views = char_probs if char_probs.ndim == 3 else char_probs[None]
    got = np.mean([text_probs(v, [label, read], alphabet) for v in views], axis=0)
    p_label, p_read = float(got[0]), float(got[1])
    same = fold_o_to_zero(label) == fold_o_to_zero(read)
    text_score = 0.0 if same else max(0.0, p_read - p_label)
    state_score = None
    if state_probs is not None and label_state and label_state in states:
        if read_state is None or read_state == label_state or read_state not in states:
            state_score = 0.0
        else:
            state_score = max(0.0, float(state_probs[states.index(read_state)]
                                         - state_probs[states.index(label_state)]))
    return CropScore(p_label=p_label, p_read=p_label if same else p_read,
                     text_score=text_score, state_score=state_score)
