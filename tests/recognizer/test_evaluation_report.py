"""What the evaluation shows data staff: an O/0 swap is a strict miss they can see, counted
and plotted apart; a run without confusions says so instead of drawing an empty frame."""

from pathlib import Path

from alpr.datasets import LabelledCrop
from alpr.recognizer.decode import Candidate
from alpr.recognizer.evaluation import evaluate_reads
from alpr.recognizer.plots import confusion_figure, save_plots
from alpr.recognizer.recognizer import PlateRead


def reads(pairs):
    items = [LabelledCrop(image=Path(f"{i}.png"), state="CA", plate=t)
             for i, (t, _) in enumerate(pairs)]
    out = [PlateRead(text=r, confidence=0.9, char_confidences=(0.9,) * len(r), state="CA",
                     state_confidence=0.9, candidates=(Candidate(r, 0.9),)) for _, r in pairs]
    return items, out


def test_an_o_zero_swap_is_counted_and_plotted_apart(tmp_path):
    report = evaluate_reads(*reads([("ABO123", "AB0123"), ("XYZ789", "XYZ789"),
                                    ("7ABC12", "7A8C12")]))
    assert report.misreads == 1 and report.strict_misses == 2
    assert report.o_zero == [("O", "0", 1)]
    assert report.confusions == [("B", "8", 1)]
    text = report.summary()
    assert "strict misses: 2, of which 1 only an O/0 swap" in text
    assert "O -> 0: 1" in text
    fig = confusion_figure(report)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "O→0 (O/0 swap)" in labels and "B→8" in labels
    assert all(p.stat().st_size > 0 for p in save_plots(report, tmp_path))


def test_no_confusions_is_a_sentence_not_an_empty_frame():
    report = evaluate_reads(*reads([("XYZ789", "XYZ789")]))
    fig = confusion_figure(report)
    ax = fig.axes[0]
    assert not ax.axison
    assert "no character confusions" in " ".join(t.get_text() for t in ax.texts)
