"""``alpr match``'s streaming fast path writes what the general path writes, byte for byte.

The reference is the code path as it stood: each line through ``parse_read_line``, each read
through ``Matcher.match``, each result through ``json.dumps(result_line(...))``; the stream
(orjson, the fast read, the cached line pieces, batches) must give the same stdout, the same
messages on stderr and the same counts, on a few thousand reads with planted exact,
look-alike, edit and partial-plate hits, unusual ids and fields, and bad lines.
"""

import datetime as dt
import io
import json
import random

import pytest

from alpr.cli import main
from alpr.hotlist.entries import HotListEntry
from alpr.matcher.match import Matcher
from alpr.matcher.reads import ReadError, parse_read_line
from alpr.matcher.rules import MatchConfig, alternatives_map
from alpr.matcher.stream import LineWriter, fast_read, match_lines, result_line, table_line
from alpr.vocabulary.confusables import confusables

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
DENSE = "0O8B3EI1L7TZ2S5G6AQ4"  # look-alike-dense: many confusable hits
ODD_IDS = [None, 0, -1, 2**70, 1.5, -0.0, 1e20, True, "r-1", 'quo"te\\', "é ünï", "\u2603",
           [1, "a"], {"k": [None, 2.5]}, ""]


def _plate(rng: random.Random) -> str:
    return "".join(rng.choices(DENSE, k=rng.randint(2, 8)))


def _entries(rng: random.Random) -> list[HotListEntry]:
    out = []
    for n in range(400):
        plate = _plate(rng)
        if n % 40 == 0:
            plate = plate[:3] + "*"
        elif n % 40 == 1 and len(plate) >= 4:
            plate = plate[:1] + "?" + plate[2:]
        out.append(HotListEntry(plate, rng.choice(["CA", "NV", None]),
                                rng.choice(["stolen_vehicle", "bolo", "amber_alert"]),
                                rng.randint(1, 4), rng.choice(["ncic.txt", 'odd "list".csv']),
                                reference=rng.choice([None, f"R{n}", "ü\\ref"]),
                                expires_at=rng.choice([None, NOW - dt.timedelta(days=1),
                                                       NOW + dt.timedelta(days=1)])))
    return out


def _planted(e: HotListEntry, rng: random.Random) -> str:
    p = e.plate.replace("?", rng.choice(DENSE)).replace("*", _plate(rng)[:2])
    alts = alternatives_map(confusables())
    how = rng.randrange(4)
    if how == 1:  # one (or two) look-alikes
        for _ in range(rng.randint(1, 2)):
            spots = [i for i, c in enumerate(p) if alts[c]]
            if spots:
                i = rng.choice(spots)
                p = p[:i] + rng.choice(alts[p[i]]) + p[i + 1:]
    elif how == 2 and len(p) > 2:  # a character missing
        i = rng.randrange(len(p))
        p = p[:i] + p[i + 1:]
    elif how == 3 and len(p) < 10:  # a character extra
        i = rng.randrange(len(p) + 1)
        p = p[:i] + rng.choice(DENSE) + p[i:]
    return p[:10]


def _line(rng: random.Random, entries: list[HotListEntry], n: int) -> str:
    text = _planted(rng.choice(entries), rng) if rng.random() < 0.6 else _plate(rng)
    obj: dict = {"id": n if rng.random() < 0.7 else rng.choice(ODD_IDS), "text": text}
    r = rng.random()
    if r < 0.5:
        obj["char_confidences"] = [round(rng.uniform(0.4, 1.0), 3) for _ in text]
    elif r < 0.55:
        obj["char_confidences"] = [1] * len(text)  # ints are confidences too
    elif r < 0.6:
        obj["char_confidences"] = [0.9] * (len(text) + 1)  # wrong length: a partial read
    elif r < 0.62:
        obj["char_confidences"] = [True] * len(text)  # not numbers
    elif r < 0.64:
        obj["char_confidences"] = None
    obj["state"] = rng.choice(["CA", "NV", "ca", "California", "UNK", "", None, 7, "ZZ",
                               " nv "])
    if rng.random() < 0.5:
        obj["state_confidence"] = rng.choice([0.9, 0.3, 1, 0, 1.5, "0.9", None, -0.0])
    if rng.random() < 0.05:
        obj["text"] = rng.choice(["7abc-123", "Q!", "", 12, None, "ABCDEFGHIJK", " ab.c "])
    line = json.dumps(obj, ensure_ascii=rng.random() < 0.5)
    special = rng.random()
    if special < 0.01:
        return "not json"
    if special < 0.02:
        return ""
    if special < 0.03:
        return line.replace('"char_confidences": [', '"char_confidences": [NaN, ', 1)
    if special < 0.04:
        return "[1, 2]"
    if special < 0.05:
        return f'{{"text": "AB", "text": "{text}", "id": {n}}}'  # the last key counts
    if special < 0.06:
        return "  " + line + "  \t"
    return line


def _lines(seed: int, n: int = 3000) -> tuple[list[HotListEntry], list[str]]:
    rng = random.Random(seed)
    entries = _entries(rng)
    return entries, [_line(rng, entries, i) + "\n" for i in range(n)]


def _reference(matcher: Matcher, lines: list[str], fmt: str = "jsonl",
               ) -> tuple[str, str, dict[str, int]]:
    """The output, the messages and the counts of the code path as it stood."""
    out, err = [], []
    counts = {"reads": 0, "matched": 0, "bad": 0, "partial": 0}
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        notes: list[str] = []
        try:
            read = parse_read_line(line, notes)
        except ReadError as exc:
            counts["bad"] += 1
            err.append(f"line {lineno}: {exc} (skipped)\n")
            continue
        for note in notes:
            counts["partial"] += 1
            err.append(f"line {lineno}: {note}\n")
        matches = matcher.match(read, NOW)
        counts["reads"] += 1
        counts["matched"] += bool(matches)
        out.append(json.dumps(result_line(read, matches)) if fmt == "jsonl"
                   else table_line(read, matches))
    return "".join(x + "\n" for x in out), "".join(err), counts


@pytest.mark.parametrize(("seed", "config"), [
    (0, MatchConfig()),
    (1, MatchConfig(max_confusable_positions=2)),
    (2, MatchConfig(max_confusable_positions=0, allow_edit=False)),
])
def test_stream_writes_the_reference_output_byte_for_byte(seed, config):
    entries, lines = _lines(seed)
    matcher = Matcher(entries, config)
    want_out, want_err, want_counts = _reference(matcher, lines)
    assert want_counts["bad"] > 50 and want_counts["partial"] > 50
    assert want_counts["matched"] > len(lines) // 12  # planted hits of every kind are in it
    kinds = {m["kind"] for x in want_out.splitlines() for m in json.loads(x)["matches"]}
    assert kinds >= {"exact", "wildcard"} | ({"confusable", "edit"} if seed != 2 else set())
    for batch, workers in ((3, 1), (2000, 1), (100, 2)):  # 100 x 2: forked workers
        out, err = io.StringIO(), io.StringIO()
        counts = match_lines(matcher, lines, out, err, now=NOW, batch=batch, workers=workers)
        assert out.getvalue() == want_out
        assert err.getvalue() == want_err
        assert counts == want_counts


def test_stream_table_format_is_the_reference():
    entries, lines = _lines(3, 500)
    matcher = Matcher(entries)
    want_out, _, _ = _reference(matcher, lines, fmt="table")
    out = io.StringIO()
    match_lines(matcher, lines, out, io.StringIO(), fmt="table", now=NOW, batch=64)
    assert out.getvalue() == want_out


def test_fast_read_agrees_with_the_general_reader_or_defers():
    _, lines = _lines(4, 2000)
    deferred = 0
    for line in lines:
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            continue
        fast = fast_read(obj)
        if fast is None:
            deferred += 1
            continue
        assert fast == parse_read_line(line)  # same text, confidences, state, id
    assert 0 < deferred < len(lines) // 2  # the common read takes the fast path


def test_line_writer_is_json_dumps_for_odd_ids_and_entries():
    e = HotListEntry("7AB?1*", None, "bolo", 4, 'a "quoted"\\ list', reference="ü")
    matcher = Matcher([e, HotListEntry("7ABC123", "CA", "stolen_vehicle", 2, "n.txt")])
    from alpr.matcher.reads import Read

    for rid in ODD_IDS:
        read = Read("7ABC123", state="CA", id=rid)
        matches = matcher.match(read, NOW)
        assert [m.kind for m in matches] == ["exact", "wildcard"]
        assert LineWriter().line(read, matches) == json.dumps(result_line(read, matches))


def test_cli_output_is_the_reference(tmp_path, capsys):
    entries, lines = _lines(5, 1500)
    listed = [e for e in entries if e.expires_at is None]
    (tmp_path / "list.txt").write_text("".join(
        f"{e.plate};{e.state or 'UNK'};{e.category};R{i}\n" for i, e in enumerate(listed)))
    (tmp_path / "reads.jsonl").write_text("".join(lines))
    assert main(["match", "--hotlist", str(tmp_path / "list.txt"), "--reads",
                 str(tmp_path / "reads.jsonl"), "--at", NOW.isoformat()]) == 1  # bad lines
    out, err = capsys.readouterr()
    from alpr.hotlist.importers import load_hotlist

    matcher = Matcher(load_hotlist(tmp_path / "list.txt", now=NOW).entries)
    want_out, want_err, counts = _reference(matcher, lines)
    assert out == want_out
    assert want_err in err
    assert f"{counts['reads']} reads matched against {len(matcher)} entries" in err
