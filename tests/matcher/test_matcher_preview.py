"""The administrator's preview of accepted misreads, and retro-matching of new entries."""

import datetime as dt

import pytest

from alpr.hotlist.manual import create_manual_entry
from alpr.matcher.preview import misreads, preview
from alpr.matcher.reads import Read
from alpr.matcher.retro import ReadIndex
from alpr.matcher.rules import MatchConfig

T0 = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)


def test_preview_counts_by_hand():
    # 7:T,Y  A:4  B:8,3  C:G,6  1:I,L,T  2:Z  3:B -> 12 look-alike reads;
    # 7 deletions + 8 places x 36 characters - 7 repeats = 288 reads one character off
    p = preview("7ABC123")
    assert (p.counts["exact"], p.counts["confusable"], p.counts["edit"]) == (1, 12, 288)
    text = p.text()
    assert "301 different reads match it" in text
    assert "7A3C123 (B read as 3 (position 3))" in text
    assert "T4BC123 (2 look-alikes)" in text  # where the tolerance stops
    strict = preview("7ABC123", MatchConfig(max_confusable_positions=0, allow_edit=False))
    assert sum(strict.counts.values()) == 1


def test_preview_of_a_partial_plate_describes_the_pattern():
    text = preview("7AB?1*").text()
    assert "7, A, B, one unknown character, 1, any run of characters (or none)" in text
    with pytest.raises(ValueError, match="partial plate"):
        list(misreads("7AB?1*"))


def test_runs_of_equal_characters_give_each_misread_once():
    texts = [t for t, _ in misreads("AA", MatchConfig(max_confusable_positions=0))]
    assert len(texts) == len(set(texts))
    assert "A" in texts and "AAA" in texts


def test_a_new_manual_entry_finds_its_past_reads():
    past = [Read("7A8C123", state="CA", id="r1"), Read("9XYZ000", id="r2"),
            Read("7ABC12", id="r3"), Read("7ABQ999", state="NV", state_confidence=0.9, id="r4")]
    idx = ReadIndex(past)
    e = create_manual_entry("7ABC123", "CA", "wanted", "jdoe",
                            "Driver wanted on felony warrant 24-0077", T0 + dt.timedelta(days=3),
                            now=T0)
    assert [(r.id, m.kind, m.state_agreement) for r, m in idx.retro_match(e)] == [
        ("r1", "confusable", "same"), ("r3", "edit", "unknown")]
    partial = create_manual_entry("7AB?*", "CA", "bolo", "jdoe",
                                  "Partial plate from robbery witness statement",
                                  T0 + dt.timedelta(days=3), now=T0)
    assert [(r.id, m.state_agreement) for r, m in idx.retro_match(partial)] == [
        ("r3", "unknown"), ("r4", "different")]
