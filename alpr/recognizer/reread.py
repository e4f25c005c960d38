"""Reading an unsure plate again: several views of the same plate, one answer.

When the first read of a plate is unsure, a few other views of it (a tighter and a looser
box, a shifted one) are read too, and the views' posteriors are combined: each candidate
text (every view's best reading and alternatives) is scored by its CTC probability under
each view, averaged over the views, and the state by its averaged probability. Column
posteriors of different views are not aligned, so texts, not columns, are what is averaged.
Pure numpy; the views themselves are cut by :func:`frame_views` or :func:`crop_views`.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

REREAD_BELOW = 0.9  # a read under this confidence is read again from several views

# (x margin, y margin, x shift, y shift) as shares of the plate box; the first is the
# pipeline's own crop (alpr.detector.pipeline.CROP_MARGIN)
FRAME_VIEWS = ((0.04, 0.08, 0.0, 0.0), (0.0, 0.02, 0.0, 0.0), (0.10, 0.18, 0.0, 0.0),
               (0.06, 0.10, -0.04, 0.0), (0.06, 0.10, 0.04, 0.0))


def ctc_text_prob(probs: np.ndarray, labels: Sequence[int]) -> float:
    """P(text | columns) under CTC: the sum over every alignment (forward algorithm).

    ``probs`` is (T, C+1) with the blank at index 0; ``labels`` the text's class indices.

    >>> p = np.array([[0.1, 0.9, 0.0], [0.9, 0.1, 0.0], [0.1, 0.0, 0.9]])
    >>> round(ctc_text_prob(p, [1, 2]), 3)  # "AB": paths A-B, AAB, A_B, ...
    0.819
    """
    return float(ctc_text_probs(probs[None], labels)[0])


def ctc_text_probs(probs: np.ndarray, labels: Sequence[int]) -> np.ndarray:
    """:func:`ctc_text_prob` for several views at once: ``probs`` (V, T, C+1) -> (V,).

    >>> p = np.array([[0.1, 0.9, 0.0], [0.9, 0.1, 0.0], [0.1, 0.0, 0.9]])
    >>> [round(float(v), 3) for v in ctc_text_probs(np.stack([p, p[::-1]]), [1, 2])]
    [0.819, 0.0]
    """
    return ctc_texts_probs(probs, [labels])[0]


def ctc_texts_probs(probs: np.ndarray, texts: Sequence[Sequence[int]]) -> np.ndarray:
    """P(text | columns) of several texts under several views: ``probs`` (V, T, C+1),
    ``texts`` lists of class indices -> (N texts, V).

    One forward recursion for all of them: the texts' extended label sequences are padded
    to one length (padding only ever receives mass, it never gives any back), the
    probabilities rescaled at every column (the scales' logarithms summed).

    >>> p = np.array([[0.1, 0.9, 0.0], [0.9, 0.1, 0.0], [0.1, 0.0, 0.9]])
    >>> ctc_texts_probs(p[None], [[1, 2], [2], []]).round(3).tolist()
    [[0.819], [0.081], [0.009]]
    """
    V, T = probs.shape[0], probs.shape[1]
    N = len(texts)
    S = 2 * max((len(t) for t in texts), default=0) + 1
    ext = np.zeros((N, S), dtype=int)
    skip = np.zeros((N, S))
    last = np.zeros(N, dtype=int)
    for n, text in enumerate(texts):
        ext[n, 1:2 * len(text):2] = text
        if len(text) > 1:
            skip[n, 3:2 * len(text):2] = np.asarray(text[1:]) != np.asarray(text[:-1])
        last[n] = 2 * len(text)
    # (N, V, T, S): each text's labels' probabilities in each view's columns
    p = probs[:, :, ext].transpose(2, 0, 1, 3).astype(np.float64)
    alpha = np.zeros((N, V, S))
    alpha[:, :, 0] = p[:, :, 0, 0]
    alpha[:, :, 1] = p[:, :, 0, 1]
    skip = skip[:, None, 2:]
    log_scale = np.zeros((N, V))
    nxt = np.empty_like(alpha)
    for t in range(1, T):
        np.copyto(nxt, alpha)
        nxt[:, :, 1:] += alpha[:, :, :-1]
        nxt[:, :, 2:] += alpha[:, :, :-2] * skip
        np.multiply(nxt, p[:, :, t], out=alpha)
        scale = np.maximum(alpha.sum(axis=2), 1e-300)  # an impossible text stays at 0
        alpha /= scale[:, :, None]
        log_scale += np.log(scale)
    rows = np.arange(N)
    end = alpha[rows, :, last] + np.where((last > 0)[:, None],
                                          alpha[rows, :, np.maximum(last - 1, 0)], 0.0)
    with np.errstate(divide="ignore"):
        return np.exp(log_scale + np.log(end))


def combine(char_probs: Sequence[np.ndarray], state_probs: Sequence[np.ndarray],
            candidates: Sequence[str], alphabet: str
            ) -> tuple[list[tuple[str, float]], int, float]:
    """(candidates ranked by their mean CTC probability over the views, state index, its
    mean probability over the views).

    >>> a = np.array([[0.1, 0.9, 0.0], [0.9, 0.1, 0.0], [0.1, 0.0, 0.9]])
    >>> b = np.array([[0.2, 0.0, 0.8], [0.9, 0.1, 0.0], [0.1, 0.0, 0.9]])  # reads "B"
    >>> ranked, s, _ = combine([a, b, a], [np.array([0.6, 0.4])] * 3, ["AB", "B"], "AB")
    >>> ranked[0][0], s
    ('AB', 0)
    """
    texts = list(dict.fromkeys(c for c in candidates if c))
    ids = [[alphabet.index(c) + 1 for c in text] for text in texts]
    means = ctc_texts_probs(np.stack(char_probs), ids).mean(axis=1) if texts else []
    scored = [(text, float(m)) for text, m in zip(texts, means, strict=True)]
    scored.sort(key=lambda tp: tp[1], reverse=True)
    sp = np.mean(np.stack(state_probs), axis=0)
    si = int(sp.argmax())
    return scored, si, float(sp[si])


def frame_views(frame: np.ndarray, box: tuple[int, int, int, int],
                views: Sequence[tuple[float, float, float, float]] = FRAME_VIEWS
                ) -> list[np.ndarray]:
    """The plate at ``box`` cut from the frame with each view's margins and shift (clipped
    to the frame; a view that would be empty falls back to the box itself)."""
    x, y, w, h = box
    H, W = frame.shape[:2]
    out = []
    for mx, my, sx, sy in views:
        cx, cy = x + sx * w, y + sy * h
        x0, y0 = int(round(max(0, cx - mx * w))), int(round(max(0, cy - my * h)))
        x1 = int(round(min(W, cx + w + mx * w)))
        y1 = int(round(min(H, cy + h + my * h)))
        crop = frame[y0:y1, x0:x1]
        out.append(crop if crop.size else frame[y:y + h, x:x + w])
    return out


def crop_views(crop: np.ndarray) -> list[np.ndarray]:
    """Views of an already-cut plate: as given, 4% tighter, 6% looser (edges repeated),
    and nudged left and right by 3%."""
    h, w = crop.shape[:2]
    dx, dy = max(1, int(0.04 * w)), max(1, int(0.04 * h))
    tight = crop[dy:h - dy, dx:w - dx] if h > 2 * dy + 4 and w > 2 * dx + 4 else crop
    px, py = max(1, int(0.06 * w)), max(1, int(0.06 * h))
    loose = cv2.copyMakeBorder(crop, py, py, px, px, cv2.BORDER_REPLICATE)
    s = max(1, int(0.03 * w))
    left = cv2.copyMakeBorder(crop[:, :w - s], 0, 0, s, 0, cv2.BORDER_REPLICATE)
    right = cv2.copyMakeBorder(crop[:, s:], 0, 0, 0, s, cv2.BORDER_REPLICATE)
    return [crop, tight, loose, left, right]
