"""Reading an unsure plate again from several views (alpr.recognizer.reread)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from alpr.recognizer.reread import combine, crop_views, ctc_text_prob, frame_views


def _collapse(path: tuple[int, ...]) -> tuple[int, ...]:
    out = [c for c, _ in itertools.groupby(path)]
    return tuple(c for c in out if c != 0)


def test_ctc_probability_is_the_sum_over_every_alignment():
    rng = np.random.default_rng(3)
    probs = rng.random((5, 4))
    probs /= probs.sum(1, keepdims=True)
    for text in [(1,), (1, 2), (2, 2), (1, 3, 1)]:
        brute = sum(np.prod([probs[t, c] for t, c in enumerate(path)])
                    for path in itertools.product(range(4), repeat=5)
                    if _collapse(path) == text)
        assert ctc_text_prob(probs, list(text)) == pytest.approx(brute, rel=1e-9)


def test_the_text_most_views_support_wins_and_the_state_is_averaged():
    # columns of "AB" read well in two views; a third view (a cut-off box) reads only "B"
    ab = np.array([[0.05, 0.9, 0.05], [0.9, 0.05, 0.05], [0.05, 0.05, 0.9]])
    b = np.array([[0.9, 0.05, 0.05], [0.9, 0.05, 0.05], [0.05, 0.05, 0.9]])
    states = [np.array([0.45, 0.55]), np.array([0.8, 0.2]), np.array([0.7, 0.3])]
    ranked, state, conf = combine([ab, ab, b], states, ["B", "AB", "AB"], "AB")
    assert [t for t, _ in ranked] == ["AB", "B"]
    assert state == 0 and conf == pytest.approx(np.mean([0.45, 0.8, 0.7]))
    assert 0 < ranked[0][1] < 1


def test_views_stay_inside_the_frame_and_around_the_box():
    frame = np.zeros((100, 200, 3), np.uint8)
    frame[40:60, 50:150] = 255  # the plate
    views = frame_views(frame, (50, 40, 100, 20))
    assert len(views) == 5
    assert views[0].shape == (24, 108, 3)  # the pipeline's own crop first
    for v in views:
        assert v.shape[0] >= 18 and 96 <= v.shape[1] <= 125
    edge = frame_views(frame, (0, 0, 60, 20))  # a box at the corner: clipped, never empty
    assert all(v.size for v in edge)
    crop = np.full((40, 120, 3), 128, np.uint8)
    assert [v.shape[:2] for v in crop_views(crop)][:3] == [(40, 120), (38, 112), (44, 134)]


def test_reread_changes_only_unsure_reads():
    from alpr.recognizer.recognizer import Recognizer
    from alpr.synth.render import PlateRenderer

    rec = Recognizer.load()
    renderer = PlateRenderer(seed=5)
    plates = [renderer.render() for _ in range(6)]
    crops = [p.image for p in plates]
    rng = np.random.default_rng(0)
    crops.append(rng.integers(0, 255, (40, 120, 3), dtype=np.uint8))  # noise: unsure
    once = rec.read_crops(crops)
    again = rec.read_crops(crops, reread=True)
    for a, b in zip(once, again, strict=True):
        if a.confidence >= 0.9:
            assert b == a
        else:
            assert 0.0 <= b.confidence <= 1.0 and b.candidates
            assert b.candidates[0].text == b.text
    assert once[-1].confidence < 0.9
