"""Property tests: the index, the baseline scan, the misread enumeration and retro-matching
all agree with ``rules.classify``; every planted variant is found, nothing outside the rules is.

Plates are drawn from a small alphabet dense in look-alikes (B 8 3, O 0 D, 1 I L T 7, ...) so
that lists are full of near neighbours, overlapping groups and runs of equal characters.
"""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from alpr.hotlist.entries import HotListEntry
from alpr.matcher.baseline import BaselineMatcher
from alpr.matcher.index import HotListIndex
from alpr.matcher.match import Matcher
from alpr.matcher.preview import misreads
from alpr.matcher.reads import Read
from alpr.matcher.retro import ReadIndex
from alpr.matcher.rules import MatchConfig, classify

ALPHA = "B830D1IL7TAZ2KX"
T0 = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
SETTINGS = settings(max_examples=60, deadline=None)

plates = st.text(ALPHA, min_size=2, max_size=7) | st.text(ALPHA, min_size=8, max_size=10)
patterns = st.lists(st.sampled_from(ALPHA + "??*"), min_size=3, max_size=7).map("".join) \
    .filter(lambda p: sum(c not in "?*" for c in p) >= 3 and "**" not in p
            and any(c in "?*" for c in p))
configs = st.builds(MatchConfig, max_confusable_positions=st.integers(0, 2),
                    allow_edit=st.booleans())


def entries_of(texts):
    return [HotListEntry(t, "CA", "bolo", 4, "test") for t in texts]


@st.composite
def mutated(draw, plate):
    """A read near ``plate``: up to two swaps, inserts, deletes or transpositions."""
    text = list(plate)
    for _ in range(draw(st.integers(0, 2))):
        op = draw(st.sampled_from(["swap", "insert", "delete", "transpose"]))
        pos = draw(st.integers(0, max(len(text) - 1, 0)))
        if op == "transpose" and pos + 1 < len(text):
            text[pos], text[pos + 1] = text[pos + 1], text[pos]
        elif op == "swap" and text:
            text[pos] = draw(st.sampled_from(ALPHA))
        elif op == "insert" and len(text) < 10:
            text.insert(pos, draw(st.sampled_from(ALPHA)))
        elif op == "delete" and len(text) > 1:
            del text[pos]
    return "".join(text)


@st.composite
def list_and_reads(draw):
    texts = draw(st.lists(plates, min_size=1, max_size=25))
    texts += draw(st.lists(patterns, max_size=4))
    reads = [draw(mutated(draw(st.sampled_from(texts)).replace("?", "X").replace("*", "")))
             for _ in range(draw(st.integers(1, 15)))]
    reads += draw(st.lists(plates, max_size=5))
    return texts, reads


@SETTINGS
@given(list_and_reads(), configs)
def test_index_gives_exactly_the_baseline_results(data, config):
    texts, reads = data
    entries = entries_of(texts)
    index = HotListIndex(entries, config)
    scan = BaselineMatcher(entries, config, use_rapidfuzz=False)
    fuzz = BaselineMatcher(entries, config)
    got = index.lookup_many(reads)
    for read, hits in zip(reads, got, strict=True):
        assert hits == scan.lookup(read), read
        assert hits == fuzz.lookup(read), read
        assert hits == index.lookup(read)  # one at a time = in a batch


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(ALPHA, min_size=2, max_size=8), min_size=1, max_size=5), configs)
def test_every_planted_variant_is_found(texts, config):
    index = HotListIndex(entries_of(texts), config)
    for i, plate in enumerate(texts):
        variants = list(misreads(plate, config))
        found = index.lookup_many([v for v, _ in variants])
        for (text, verdict), hits in zip(variants, found, strict=True):
            assert hits.get(i) == verdict, (plate, text)


@SETTINGS
@given(plates, st.data(), configs)
def test_nothing_outside_the_rules_matches(plate, data, config):
    accepted = dict(misreads(plate, config))
    assert len(accepted) == len(list(misreads(plate, config)))  # each text once
    reads = data.draw(st.lists(mutated(plate), min_size=1, max_size=30))
    for read in reads + data.draw(st.lists(plates, max_size=5)):
        assert classify(read, plate, config) == accepted.get(read), read


@SETTINGS
@given(list_and_reads(), configs)
def test_retro_matching_finds_the_reads_forward_matching_finds(data, config):
    texts, reads = data
    past = [Read(t, id=k) for k, t in enumerate(reads)]
    read_index = ReadIndex(past, config)
    for entry in entries_of(texts):
        forward = Matcher([entry], config).match_many(past, T0)
        expected = [(r.id, ms[0].kind, ms[0].substitutions)
                    for r, ms in zip(past, forward, strict=True) if ms]
        got = [(r.id, m.kind, m.substitutions) for r, m in read_index.retro_match(entry)]
        assert got == expected, entry.plate


@given(configs)
@settings(max_examples=10, deadline=None)
def test_near_misses_are_not_matches(config):
    # pairs sharing a one-character deletion with a look-alike at the deleted place but
    # differing in two positions; and 9Z / 3Z, whose codes are those of AB and 4B with the B
    # replaced by "digit -1" (a look-alike table slot that B does not fill)
    entries = entries_of(["A8B", "7AB8C1", "B3", "0D0", "9Z", "3Z"])
    index = HotListIndex(entries, config)
    scan = BaselineMatcher(entries, config, use_rapidfuzz=False)
    for read in ["AB8", "7A8BC1", "3B", "D00", "00D", "B8", "AB", "A8", "4B"]:
        assert index.lookup(read) == scan.lookup(read), read
