"""The matching rules on hand-worked examples: kinds, substitutions, scores, state agreement."""

import datetime as dt

import pytest

from alpr.hotlist.entries import HotListEntry
from alpr.matcher.match import Matcher
from alpr.matcher.reads import Read, ReadError, parse_read_line, read_from_dict
from alpr.matcher.rules import MatchConfig, Substitution, classify, indel, score

CFG = MatchConfig()
T0 = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)


@pytest.mark.parametrize("read,plate,kind,subs", [
    ("7ABC123", "7ABC123", "exact", ()),
    ("7A8C123", "7ABC123", "confusable", ((2, "8", "B"),)),
    ("0ABC123", "DABC123", "confusable", ((0, "0", "D"),)),  # O0DQ group
    ("7ABC12", "7ABC123", "edit", ((6, "", "3"),)),         # last character missing
    ("X7ABC123", "7ABC123", "edit", ((0, "X", ""),)),       # extra character in front
    ("7ABBC123", "7ABC123", "edit", ((3, "B", ""),)),       # doubled B: first place it differs
    ("7ABX999", "7AB?*", "wildcard", ()),
    ("7AB1", "7AB?*", "wildcard", ()),                      # * may be empty
])
def test_matching_kinds(read, plate, kind, subs):
    assert classify(read, plate, CFG) == (kind, tuple(Substitution(*s) for s in subs))


@pytest.mark.parametrize("read,plate,why", [
    ("7AXC123", "7ABC123", "B and X are not look-alikes"),
    ("7A8C1Z3", "7ABC123", "two look-alike positions, default allows one"),
    ("83", "38", "8 and 3 are both look-alikes of B, not of each other"),
    ("7ABC1", "7ABC123", "two characters missing"),
    ("7A8C12", "7ABC123", "a look-alike and a missing character"),
    ("7AC8123", "7AB?1*", "known characters of a partial plate must be read exactly"),
    ("7AB", "7AB?*", "? needs one character"),
])
def test_non_matches(read, plate, why):
    assert classify(read, plate, CFG) is None, why


def test_tolerance_settings():
    assert classify("7A8C1Z3", "7ABC123", MatchConfig(max_confusable_positions=2))[0] == \
        "confusable"
    assert classify("7A8C123", "7ABC123", MatchConfig(max_confusable_positions=0)) is None
    assert classify("7ABC12", "7ABC123", MatchConfig(allow_edit=False)) is None


def test_indel_position_convention():
    assert indel("ABC", "ABCD") == Substitution(3, "", "D")
    assert indel("ABXC", "ABC") == Substitution(2, "X", "")
    assert indel("ABC", "ABC") is None and indel("AXC", "ABC") is None


def test_scores_use_the_character_confidences():
    # B/8 costs 0.3: a sure reading of 8 costs the whole 0.3, an unsure one (0.2) only 0.06
    v = classify("7A8C123", "7ABC123", CFG)
    assert score(v, "7A8C123", "7ABC123", CFG) == 0.7
    assert score(v, "7A8C123", "7ABC123", CFG, (1, 1, 0.2, 1, 1, 1, 1)) == 0.94
    # an extra character costs edit_cost (0.5) times its confidence; a missing one 0.5
    extra = classify("7ABXC123", "7ABC123", CFG)
    assert score(extra, "7ABXC123", "7ABC123", CFG, (1, 1, 1, 0.4, 1, 1, 1, 1)) == 0.8
    assert score(classify("7ABC12", "7ABC123", CFG), "7ABC12", "7ABC123", CFG) == 0.5
    # each read character under a wildcard costs 0.1: 7ABX999 has 4 of them
    assert score(("wildcard", ()), "7ABX999", "7AB?*", CFG) == 0.6
    assert score(("exact", ()), "7ABC123", "7ABC123", CFG, (0.1,) * 7) == 1.0


def entry(plate, state="CA", category="stolen_vehicle", priority=2, **kw):
    return HotListEntry(plate, state, category, priority, "list.txt", **kw)


def test_state_is_compared_and_a_different_state_is_flagged_not_dropped():
    m = Matcher([entry("7ABC123", "CA"), entry("7ABC123", None, "bolo", 4)])
    same = m.match(Read("7ABC123", state="CA", state_confidence=0.9), T0)
    assert [(x.entry.state, x.state_agreement) for x in same] == [("CA", "same"),
                                                                   (None, "unknown")]
    other = m.match(Read("7ABC123", state="NV", state_confidence=0.9), T0)
    assert other[0].state_agreement == "different"
    unsure = m.match(Read("7ABC123", state="NV", state_confidence=0.2), T0)
    assert unsure[0].state_agreement == "unknown"


def test_matches_are_ordered_most_urgent_first_and_expired_entries_skipped():
    m = Matcher([
        entry("7ABC123", category="bolo", priority=4),
        entry("7A8C123", category="amber_alert", priority=1),
        entry("7ABC123", category="wanted_person", priority=1,
              expires_at=T0 - dt.timedelta(seconds=1)),
    ])
    got = m.match(Read("7ABC123", state="CA"), T0)
    assert [(x.entry.category, x.kind) for x in got] == [("amber_alert", "confusable"),
                                                         ("bolo", "exact")]
    assert len(m.match(Read("7ABC123"), T0 - dt.timedelta(days=1))) == 3


def test_match_output_has_the_documented_fields():
    got = Matcher([entry("7ABC123", reference="V1")]).match(
        Read("7A8C123", (0.9, 0.9, 0.5, 0.9, 0.9, 0.9, 0.9), "CA", 0.95), T0)[0].to_dict()
    assert got == {"plate": "7ABC123", "state": "CA", "category": "stolen_vehicle",
                   "priority": 2, "reference": "V1", "source": "list.txt",
                   "kind": "confusable", "substitutions": [[2, "8", "B"]],
                   "state_agreement": "same", "score": 0.85}


def test_reads_are_validated_field_by_field():
    r = read_from_dict({"id": "a", "text": "7abc 123", "state": "california",
                        "char_confidences": [1] * 7, "state_confidence": 0.8})
    assert (r.text, r.state, r.char_confidences, r.state_confidence) == (
        "7ABC123", "CA", (1.0,) * 7, 0.8)
    assert read_from_dict({"text": "ABC", "state": "UNK"}).state is None
    for obj, field in [({"text": 5}, "text"), ({"text": "AB!"}, "text"),
                       ({"text": "ABC", "state": "XX"}, "state"),
                       ({"text": "ABC", "char_confidences": [0.5]}, "char_confidences"),
                       ({"text": "ABC", "char_confidences": [0.5, 2, 1]}, "char_confidences"),
                       ({"text": "ABC", "state_confidence": "high"}, "state_confidence"),
                       ([1, 2], "line")]:
        with pytest.raises(ReadError) as exc:
            read_from_dict(obj)
        assert exc.value.field == field
    with pytest.raises(ReadError, match="not valid JSON"):
        parse_read_line("{text: ABC}")


def test_worked_examples_in_docstrings_hold():
    import doctest

    import alpr.hotlist.categories
    import alpr.hotlist.entries
    import alpr.hotlist.importers
    import alpr.hotlist.manual
    import alpr.hotlist.versions
    import alpr.matcher.index
    import alpr.matcher.match
    import alpr.matcher.preview
    import alpr.matcher.reads
    import alpr.matcher.retro
    import alpr.matcher.rules
    import alpr.matcher.stream

    for module in (alpr.hotlist.categories, alpr.hotlist.entries, alpr.hotlist.importers,
                   alpr.hotlist.manual, alpr.hotlist.versions, alpr.matcher.index,
                   alpr.matcher.match, alpr.matcher.preview, alpr.matcher.reads,
                   alpr.matcher.retro, alpr.matcher.rules, alpr.matcher.stream):
        failed, _ = doctest.testmod(module)
        assert failed == 0, module.__name__


def test_non_canonical_text_is_refused_naming_it():
    with pytest.raises(ValueError, match="'7abc123' is not canonical"):
        Matcher([entry("7ABC123")]).match(Read("7abc123"), T0)
    with pytest.raises(ValueError, match="'ab1' is not canonical"):
        Matcher([entry("ab1")])
