import pytest

from alpr.datasets import LabelledCrop
from alpr.metrics import (
    accuracy_at_thresholds,
    char_accuracy,
    char_confusions,
    edit_distance,
    exact_match,
)
from alpr.recognizer.evaluation import evaluate_reads, expected_calibration_error
from alpr.recognizer.recognizer import PlateRead


def test_edit_distance_by_hand():
    assert edit_distance("7ABC123", "7ABC123") == 0
    assert edit_distance("7ABC123", "7A8C123") == 1
    assert edit_distance("ABC", "") == 3
    assert edit_distance("KITTEN", "SITTING") == 3


def test_exact_match_strict_and_folded():
    truth, pred = ["AB0123", "XYZ1", "Q"], ["ABO123", "XYZ1", "0"]
    assert exact_match(truth, pred) == pytest.approx(1 / 3)
    assert exact_match(truth, pred, fold_o=True) == pytest.approx(2 / 3)


def test_char_accuracy_and_confusions():
    assert char_accuracy(["ABCD", "12"], ["ABXD", "12"]) == pytest.approx(1 - 1 / 6)
    conf = char_confusions(["AB8", "XYZ", "12"], ["ABB", "XYZ", "123"])
    assert conf == {("8", "B"): 1, ("(extra)", "3"): 1}


def test_confusions_align_a_dropped_character_and_skip_o_zero_swaps():
    truth = ["7ABC123", "7ABC123", "BOB100", "C10", "ABC"]
    read = ["7ABC12", "7AC12", "B0B100", "O10", "ABCDEF"]
    assert char_confusions(truth, read) == {
        ("3", "(dropped)"): 1,  # one character missing, the rest in place
        ("length", "missing"): 1,  # two missing: no position-by-position truth
        # BOB100 read B0B100: O and 0 are one glyph, not a confusion; C read as O is one
        ("C", "O"): 1,
        ("length", "extra"): 1}


def test_accuracy_at_thresholds_counts_accepted_and_wrong():
    rows = accuracy_at_thresholds([True, True, False, False], [0.99, 0.8, 0.95, 0.3], [0.0, 0.9])
    assert rows[0]["accepted"] == 4 and rows[0]["wrong"] == 2
    assert rows[1]["accepted"] == 2 and rows[1]["wrong"] == 1 and rows[1]["accuracy"] == 0.5


def test_ece_perfect_and_overconfident():
    assert expected_calibration_error([True] * 10, [1.0] * 10) == 0.0
    assert expected_calibration_error([False] * 10, [0.95] * 10) == pytest.approx(0.95)


def _read(text, conf, state):
    return PlateRead(text, conf, tuple([conf] * len(text)), state, 0.9, ())


def test_evaluate_reads_report(tmp_path):
    items = [LabelledCrop(tmp_path / "a.png", "ABC100", "CA"),
             LabelledCrop(tmp_path / "b.png", "XYZ9", "NY"),
             LabelledCrop(tmp_path / "c.png", "QQQ1", None)]
    reads = [_read("ABCI00", 0.5, "CA"), _read("XYZ9", 0.97, "NJ"), _read("QQQ1", 0.99, "TX")]
    rep = evaluate_reads(items, reads)
    assert rep.exact_folded == pytest.approx(2 / 3)
    assert rep.state_accuracy == 0.5 and rep.state_n == 2
    assert ("1", "I") in [(a, b) for a, b, _ in rep.confusions]
    at_09 = next(r for r in rep.thresholds if r["threshold"] == 0.9)
    assert at_09["accepted"] == 2 and at_09["wrong"] == 0
    assert "state of issuance top-1:     50.0%" in rep.summary()
