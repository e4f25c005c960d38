import numpy as np
import pytest

from alpr.recognizer.decode import greedy_decode

ALPHA = "ABC0123456789"


def path_probs(path: str, alt: dict[int, tuple[str, float]] | None = None, p: float = 0.96):
    """Column probabilities whose best path spells ``path`` ('_' = blank)."""
    c = len(ALPHA) + 1
    probs = np.full((len(path), c), (1 - p) / (c - 1))
    for t, ch in enumerate(path):
        probs[t, 0 if ch == "_" else ALPHA.index(ch) + 1] = p
    for t, (ch, q) in (alt or {}).items():
        best = probs[t].argmax()
        probs[t, ALPHA.index(ch) + 1] = q
        probs[t, best] -= q
    return probs / probs.sum(1, keepdims=True)


def test_collapses_repeats_and_blanks():
    r = greedy_decode(path_probs("AA_B__BC_"), ALPHA)
    assert r.text == "ABBC"
    assert len(r.char_confidences) == 4


def test_confidence_drops_with_an_uncertain_character():
    sure = greedy_decode(path_probs("A_B_1_"), ALPHA)
    unsure = greedy_decode(path_probs("A_B_1_", {4: ("7", 0.4)}), ALPHA)
    assert sure.confidence > 0.8
    assert unsure.confidence < sure.confidence
    assert unsure.char_confidences[2] == pytest.approx(0.56, abs=0.01)


def test_candidates_come_from_the_image_not_the_format():
    r = greedy_decode(path_probs("A_B_1_", {4: ("7", 0.4)}), ALPHA, top_k=3)
    texts = [c.text for c in r.candidates]
    assert texts[0] == "AB1" and "AB7" in texts
    # every candidate is a one-character variant that the network itself scored
    assert all(len(t) in (2, 3) for t in texts)


def test_format_breaks_a_near_tie_but_never_invents():
    # '0' vs 'C' nearly tied at one column; CA format DLLLDDD favours a letter there
    probs = path_probs("7_A_B_0_1_2_3_", {6: ("C", 0.47)}, p=0.97)
    plain = greedy_decode(probs, ALPHA)
    ranked = greedy_decode(probs, ALPHA, state="CA")
    assert plain.text == "7AB0123"
    assert ranked.text == "7ABC123"
    assert set(ranked.text) <= set(plain.text) | {"C"}


def test_empty_read():
    r = greedy_decode(path_probs("____"), ALPHA)
    assert r.text == "" and r.confidence == 0.0
