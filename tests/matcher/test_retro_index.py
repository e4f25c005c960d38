"""Retro-matching by index: a new entry reads only the stored reads that could match it, through
the plate indexes, and finds exactly the reads that the old scan of every stored read
(``ReadIndex`` over all of them) finds; on SQLite and on the real PostgreSQL, whose reads are
partitioned by month.

Reads are drawn from an alphabet dense in look-alikes (B 8 3, 0 D, 1 I L T 7, Z 2), with 9
and Z to reach the carries of the prefix ranges (``A9`` to ``AA``, ``AZ`` to ``B``).
"""

import datetime as dt
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, insert, select, text
from store_kit import department

from alpr.governance.hotlists import add_manual_entry, past_candidates, retro_match_stored
from alpr.hotlist.entries import HotListEntry
from alpr.matcher.preview import misreads
from alpr.matcher.reads import Read as MatchRead
from alpr.matcher.retro import (
    ORDERED_ALPHABET,
    ReadIndex,
    like_pattern,
    prefix_range,
    retro_candidates,
)
from alpr.matcher.rules import MatchConfig, pattern_regex
from alpr.store import partitions
from alpr.store.schema import Hit, Read

ALPHA = "B830D1IL7TAZ2KX9"
T0 = dt.datetime(2026, 4, 20, tzinfo=dt.UTC)  # reads span April (no partition: the default
MONTHS = [dt.datetime(2026, 5, 1, tzinfo=dt.UTC), dt.datetime(2026, 6, 1, tzinfo=dt.UTC)]
NOW = dt.datetime(2026, 6, 20, tzinfo=dt.UTC)  # one on PostgreSQL), May and June

plates = st.text(ALPHA, min_size=1, max_size=10)
patterns = st.lists(st.sampled_from(ALPHA + "???**"), min_size=3, max_size=9).map("".join) \
    .filter(lambda p: sum(c not in "?*" for c in p) >= 3 and "**" not in p
            and any(c in "?*" for c in p) and sum(c != "*" for c in p) <= 10)
configs = st.builds(MatchConfig, max_confusable_positions=st.integers(0, 2),
                    allow_edit=st.booleans())
states = st.sampled_from([("CA", 0.9), ("CA", 0.3), ("NV", 0.9), (None, None)])


# --- the look-ups, without a store -----------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.text("09AZ" + ALPHA, max_size=4), st.text("09AZ" + ALPHA, max_size=6))
def test_a_prefix_range_holds_exactly_the_texts_that_start_with_the_prefix(prefix, rest):
    for candidate in (prefix + rest, rest, rest + prefix):
        if not candidate:
            continue
        lo, hi = prefix_range(prefix) if prefix else ("", None)
        inside = lo <= candidate and (hi is None or candidate < hi)
        assert inside == candidate.startswith(prefix), (prefix, candidate)


def test_the_ordered_alphabet_is_the_order_the_databases_compare_plates_in():
    assert "".join(sorted(ORDERED_ALPHABET)) == ORDERED_ALPHABET


@settings(max_examples=200, deadline=None)
@given(patterns, st.data())
def test_every_text_that_fits_a_partial_plate_is_under_one_of_its_prefixes(pattern, data):
    cand = retro_candidates(pattern)
    fill = ""
    for c in pattern:  # a text that fits: each '?' one character, each '*' a run
        if c == "?":
            fill += data.draw(st.sampled_from(ORDERED_ALPHABET))
        elif c == "*":
            fill += data.draw(st.text(ORDERED_ALPHABET, max_size=3))
        else:
            fill += c
    assert pattern_regex(pattern).fullmatch(fill)
    like = re.compile(re.escape(cand.like or "").replace("_", ".").replace("%", ".*"))
    assert like.fullmatch(fill)
    if cand.key is not None:
        key = fill if cand.key == "plate" else fill[::-1]
        assert any(key.startswith(p) for p in cand.prefixes), (pattern, fill)


def test_the_look_ups_of_each_kind_of_entry():
    full = retro_candidates("7ABC123")
    assert set(full.texts) == {t for t, _ in misreads("7ABC123")} and full.key is None
    assert len(full.texts) == 301  # preview("7ABC123"): 1 exact, 12 look-alikes, 288 edits
    head = retro_candidates("7AB?1*")  # the start is known: 36 ranges pinning 4 characters
    assert (head.key, len(head.prefixes), head.prefixes[0], head.like) == \
        ("plate", 36, "7AB01", "7AB_1%")
    tail = retro_candidates("?ABC123")  # the end pins as many with one range
    assert (tail.key, tail.prefixes) == ("reversed", ("321CBA",))
    assert retro_candidates("*4123").prefixes == ("3214",)
    assert retro_candidates("??ABC*").prefixes[-1] == "ZZABC"  # 1296 ranges, 3 characters
    nowhere = retro_candidates("*ABC*")
    assert (nowhere.key, nowhere.prefixes, nowhere.like) == (None, (), "%ABC%")
    assert like_pattern("A?B*") == "A_B%"


# --- the same hits as a scan of every stored read ---------------------------------------------

@pytest.fixture
def store(db_url):
    gov, admin = department(db_url)
    gov.add_camera(admin, "CAM-1", "stationary")
    with gov.engine.begin() as c:
        partitions.ensure_partitions(c, MONTHS)
        camera, user = c.execute(text("SELECT c.id, u.id FROM cameras c, users u")).one()
    yield gov, admin, camera, user
    gov.engine.dispose()


def _rows(texts, drawn_states, camera, user):
    return [{"read_at": T0 + dt.timedelta(days=(7 * i) % 60, seconds=i), "camera_id": camera,
             "plate": t, "state": st_[0], "state_confidence": st_[1], "confidence": 0.9,
             "ingested_by": user} for i, (t, st_) in enumerate(zip(texts, drawn_states,
                                                                   strict=True))]


def _scan(s, entry, config):
    """The old way: every stored read into ``ReadIndex``."""
    every = s.execute(select(Read.id, Read.plate, Read.state, Read.state_confidence)
                      .order_by(Read.id)).all()
    index = ReadIndex([MatchRead(text=p, state=st_, state_confidence=sc, id=rid)
                       for rid, p, st_, sc in every], config)
    return [(r.id, m) for r, m in index.retro_match(entry)]


@st.composite
def near(draw, plate):
    """A read near ``plate``: up to two swaps, inserts or deletes."""
    chars = list(plate)
    for _ in range(draw(st.integers(0, 2))):
        op = draw(st.sampled_from(["swap", "insert", "delete"]))
        pos = draw(st.integers(0, max(len(chars) - 1, 0)))
        if op == "swap" and chars:
            chars[pos] = draw(st.sampled_from(ALPHA))
        elif op == "insert" and len(chars) < 10:
            chars.insert(pos, draw(st.sampled_from(ALPHA)))
        elif op == "delete" and len(chars) > 1:
            del chars[pos]
    return "".join(chars)


@st.composite
def stored_and_entries(draw):
    """Listed plates and partial plates, and stored reads near them (their fills, their
    misreads and strangers), each with a state."""
    listed = draw(st.lists(plates, min_size=1, max_size=4))
    listed += draw(st.lists(patterns, min_size=1, max_size=3))
    texts = []
    for plate in listed:
        base = "".join(draw(st.sampled_from(ALPHA)) if c == "?" else
                       draw(st.text(ALPHA, max_size=2)) if c == "*" else c for c in plate)
        texts += draw(st.lists(near(base[:10] or "B"), min_size=1, max_size=8))
    texts += draw(st.lists(plates, max_size=6))
    return listed, texts, [draw(states) for _ in texts], draw(states)[0]


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stored_and_entries(), configs)
def test_indexed_retro_matching_finds_exactly_what_a_scan_of_every_read_finds(store, data,
                                                                              config):
    gov, _, camera, user = store
    listed, texts, drawn_states, state = data
    with gov.Session() as s:  # each example's reads are rolled back
        s.execute(insert(Read), _rows(texts, drawn_states, camera, user))
        for plate in listed:
            entry = HotListEntry(plate, state, "bolo", 4, "manual")
            got = [(rid, m) for rid, _, m in retro_match_stored(s, entry, config)]
            assert got == _scan(s, entry, config), plate
        s.rollback()


# --- only the candidates are read, through the indexes ----------------------------------------

ENTRIES = {  # plate: the reads (of those planted below) that it matches
    "7ABC123": {"7ABC123", "7A8C123", "7ABC12", "7ABCX123"},
    "7AB*": {"7ABC123", "7ABC12", "7ABCX123", "7ABZ999"},
    "*4123": {"XY4123", "Z94123"},
    "?ABC12?": {"7ABC123", "ZABC129"},
    "*ABC*": {"7ABC123", "7ABC12", "7ABCX123", "ZABC129", "QQABCQQ"},
}
PLANTED = ["7ABC123", "7A8C123", "7A8C12", "7ABC12", "7ABCX123", "7ABZ999", "XY4123",
           "Z94123", "ZABC129", "QQABCQQ"]


SQLITE_SEARCH = re.compile(r"MULTI-INDEX OR|INDEX \d+|SEARCH reads USING (COVERING )?INDEX "
                           r"ix_reads_plate(_reversed)? \(.*\)")


def _plans(s, statements):
    """Each statement's query plan, as text lines."""
    out = []
    conn = s.connection()
    pg = conn.dialect.name == "postgresql"
    if pg:  # a sequential scan only where no index can serve the query
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    for sql, params in statements:
        if pg:
            out.append(conn.exec_driver_sql("EXPLAIN " + sql, params).scalars().all())
        else:
            out.append([r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql,
                                                            params).all()])
    return out


def test_only_the_reads_that_could_match_are_read_through_the_indexes(store):
    gov, admin, camera, user = store
    import random

    rng = random.Random(7)
    strangers = ["".join(rng.choice("DEFGHJKMNPRSUVW56") for _ in range(7)) for _ in range(3000)]
    with gov.engine.begin() as c:
        c.execute(insert(Read), _rows(strangers, [(None, None)] * len(strangers), camera, user))
        for i, plate in enumerate(PLANTED):  # raw SQL: no SQLAlchemy default is involved
            c.execute(text("INSERT INTO reads (read_at, camera_id, plate, confidence, "
                           "ingested_by, read_key) VALUES (:t, :c, :p, 0.9, :u, :k)"),
                      {"t": MONTHS[i % 2] + dt.timedelta(hours=i), "c": camera, "p": plate,
                       "u": user, "k": f"plate:{plate}"})
    statements = []

    def seen(conn, cursor, sql, params, context, many):
        if sql.lstrip().upper().startswith("SELECT"):
            statements.append((sql, params))

    event.listen(gov.engine, "before_cursor_execute", seen)
    for plate, expected in ENTRIES.items():
        statements.clear()
        with gov.Session() as s:
            rows = past_candidates(s, plate)
            queries = list(statements)
            assert {r[1] for r in rows} == expected, plate  # the matches, nothing else read
            entry = HotListEntry(plate, None, "bolo", 4, "manual")
            assert [m for _, m in _scan(s, entry, MatchConfig())] == \
                [m for _, _, m in retro_match_stored(s, entry)]
            plans = _plans(s, queries)
        for (sql, _), plan in zip(queries, plans, strict=True):
            joined = "\n".join(plan)
            if gov.engine.dialect.name == "postgresql":
                assert "Seq Scan" not in joined, (plate, joined)
                for month in ("reads_y2026m05", "reads_y2026m06", "reads_default"):
                    assert f"{month}_plate_idx" in joined or f"{month}_expr_idx" in joined, \
                        (plate, month, joined)
            elif "DISTINCT" in sql:  # known at neither end: the plate index is read whole,
                assert plan == ["SCAN reads USING COVERING INDEX ix_reads_plate"]  # no read
            else:
                assert all(SQLITE_SEARCH.fullmatch(line) for line in plan), (plate, plan)
    event.remove(gov.engine, "before_cursor_execute", seen)


def test_a_manual_entry_known_by_its_end_raises_hits_on_the_old_reads_it_fits(store):
    gov, admin, camera, user = store
    from store_kit import add_user

    op = add_user(gov, admin, "ofc1")
    with gov.engine.begin() as c:
        c.execute(insert(Read), _rows(["XY4123", "Z94123", "XY4132", "4123XY"],
                                      [("CA", 0.9), ("NV", 0.9), (None, None), (None, None)],
                                      camera, user))
    entry_id, n = add_manual_entry(gov, op, "*4123", "CA", "stolen_vehicle",
                                   "Partial plate from the victim's statement, case 26-114",
                                   NOW + dt.timedelta(days=5), now=NOW)
    assert n == 2
    with gov.Session() as s:
        hits = s.execute(select(Read.plate, Hit.kind, Hit.state_agreement, Hit.retro,
                                Hit.read_at == Read.read_at)
                         .join(Read, Read.id == Hit.read_id).where(Hit.entry_id == entry_id)
                         .order_by(Read.id)).all()
    assert hits == [("XY4123", "wildcard", "same", True, True),
                    ("Z94123", "wildcard", "different", True, True)]
