"""Attacks on ingestion: every row of a reads file is stored or reported whatever it holds,
a re-run or a resumed ingest stores nothing twice, lengths hold on SQLite as on PostgreSQL,
and a time without a UTC offset is refused."""

import datetime as dt
import json

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import DataError, IntegrityError
from store_kit import PW, add_user, cli_store, department

from alpr.cli import main
from alpr.governance.records import ingest_file, ingest_rows, place_hold, search_reads
from alpr.store.schema import Read

FIELDS = ("read_at", "camera", "plate", "state", "confidence", "state_confidence",
          "char_confidences", "box", "box_x", "image_path", "image_sha256", "model_version",
          "read_id")
HOSTILE = [{"a": 1}, [1, 2], None, "x" * 1_000_000, True, 1e308, -1, "", "\x00"]


def good(i, **kw):
    t = dt.datetime(2026, 5, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=i)
    return {"read_at": t.isoformat(), "camera": "CAM-1", "plate": f"P{i:06d}",
            "confidence": 0.9, **kw}


def write(path, rows, newline="\n", bom=""):
    path.write_text(bom + newline.join(json.dumps(r) for r in rows) + newline, newline="")
    return path


@pytest.fixture
def world(db_url):
    gov, admin = department(db_url)
    op = add_user(gov, admin, "ofc1")
    gov.add_camera(admin, "CAM-1", "stationary")
    yield gov, admin, op
    gov.engine.dispose()


def count(gov):
    with gov.Session() as s:
        return s.scalar(select(func.count(Read.id)))


def test_every_row_is_stored_or_reported_whatever_its_fields_hold(world, tmp_path):
    gov, admin, op = world
    rows = [good(0)]
    for f in FIELDS:
        for value in HOSTILE:
            rows.append({**good(len(rows)), f: value})
    path = write(tmp_path / "hostile.jsonl", rows)
    rep = ingest_file(gov, op, path, batch_size=7)
    assert rep.stored + len(rep.rejected) + rep.already_stored == len(rows)
    assert rep.stored == count(gov) and rep.already_stored == 0
    assert len({e.line for e in rep.rejected}) == len(rep.rejected)  # one report per line
    assert all(len(str(e)) < 600 for e in rep.rejected)  # a megabyte value is not echoed
    wrong = {(e.field, e.rule) for e in rep.rejected}
    assert ("model_version", "must be text, not a list") in wrong
    assert ("image_path", "must be text, not an object") in wrong
    assert ("model_version", "1000000 characters, more than the 100 allowed") in wrong


def test_one_wrong_field_in_a_large_file_loses_nothing(world, tmp_path):
    """The attack: an object for image_path at row 5,001 of 12,000 crashed the ingest
    after 5,000 rows; 7,000 rows were neither stored nor reported."""
    gov, admin, op = world
    rows = [good(i) for i in range(12_000)]
    rows[5000]["image_path"] = {"path": "x"}
    rows[9000]["model_version"] = ["v", 1]
    path = write(tmp_path / "big.jsonl", rows)
    rep = ingest_file(gov, op, path)
    assert (rep.stored, len(rep.rejected)) == (11_998, 2)
    assert [(e.line, e.field) for e in rep.rejected] == [(5001, "image_path"),
                                                         (9001, "model_version")]
    again = ingest_file(gov, op, path)  # the same file again: nothing stored twice
    assert (again.stored, again.already_stored, len(again.rejected)) == (0, 11_998, 2)
    assert count(gov) == 11_998


def test_a_resumed_ingest_stores_only_what_is_missing(world, tmp_path):
    gov, admin, op = world
    rows = [good(i) for i in range(3000)]
    ingest_file(gov, op, write(tmp_path / "part.jsonl", rows[:1700]), batch_size=500)
    rep = ingest_file(gov, op, write(tmp_path / "all.jsonl", rows), batch_size=500)
    assert (rep.stored, rep.already_stored) == (1300, 1700) and count(gov) == 3000


def test_the_readers_read_id_is_the_natural_key_when_given(world):
    gov, admin, op = world
    same = {"read_at": "2026-05-01T08:00:00Z", "camera": "CAM-1", "plate": "ABC123",
            "confidence": 0.9}
    rep = ingest_rows(gov, op, [(1, {**same, "read_id": "R-1"}), (2, {**same, "read_id": "R-2"}),
                                (3, {**same, "read_id": "R-1"}), (4, same), (5, same)])
    assert (rep.stored, rep.already_stored) == (3, 2)
    with gov.Session() as s:
        assert sorted(s.scalars(select(Read.read_key))) == ["id:R-1", "id:R-2", "plate:ABC123"]


def test_the_store_refuses_a_second_copy_even_past_ingest(world):
    gov, admin, op = world
    ingest_rows(gov, op, [(1, good(1))])
    with gov.Session() as s:
        row = s.execute(select(Read.read_at, Read.camera_id, Read.plate, Read.read_key)).one()
    with pytest.raises(IntegrityError), gov.engine.begin() as c:
        c.execute(insert(Read), [{"read_at": row.read_at, "camera_id": row.camera_id,
                                  "plate": row.plate, "read_key": row.read_key,
                                  "confidence": 0.5, "ingested_by": 1}])


def test_bom_and_crlf_files_load_whole(world, tmp_path):
    gov, admin, op = world
    rows = [good(i) for i in range(5)]
    rep = ingest_file(gov, op, write(tmp_path / "w.jsonl", rows, newline="\r\n", bom="\ufeff"))
    assert (rep.stored, rep.rejected) == (5, [])
    csv_path = tmp_path / "w.csv"
    lines = ["read_at,camera,plate,confidence"] + [
        f"{r['read_at']},CAM-1,Q{i:05d},0.8" for i, r in enumerate(rows)]
    csv_path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode())
    rep = ingest_file(gov, op, csv_path)
    assert (rep.stored, rep.rejected) == (5, []) and count(gov) == 10
    bad = tmp_path / "latin1.jsonl"
    bad.write_bytes(json.dumps(good(50)).encode() + b"\n" + b'{"plate": "\xe9"}\n'
                    + json.dumps(good(51)).encode() + b"\n")
    rep = ingest_file(gov, op, bad)
    assert rep.stored == 2 and [(e.line, e.field) for e in rep.rejected] == [(2, "(line)")]
    assert "not UTF-8" in rep.rejected[0].rule


def test_lengths_hold_on_sqlite_too(world):
    gov, admin, op = world
    with pytest.raises((IntegrityError, DataError)), gov.engine.begin() as c:  # past ingest
        c.execute(insert(Read), [{"read_at": dt.datetime(2026, 5, 1, tzinfo=dt.UTC),
                                  "camera_id": 1, "plate": "ABC123", "confidence": 0.5,
                                  "model_version": "v" * 1_000_000, "ingested_by": 1}])
    with pytest.raises(ValueError, match="case_number .*5000 characters, more than the 64"):
        place_hold(gov, admin, "C" * 5000, "investigation of a burglary",
                   dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.datetime(2026, 2, 1, tzinfo=dt.UTC))
    with pytest.raises(ValueError, match="more than the 64"):
        search_reads(gov, admin, purpose="burglary suspect vehicle", case_number="C" * 5000)


def test_times_need_an_offset_and_are_compared_in_utc(world):
    gov, admin, op = world
    rep = ingest_rows(gov, op, [(1, {**good(0), "read_at": "2026-05-01T03:00:00-05:00"}),
                                (2, {**good(1), "read_at": "2026-05-01T08:00:00"})])
    assert rep.stored == 1 and rep.rejected[0].field == "read_at"
    assert "time zone" in rep.rejected[0].rule
    minus5 = dt.timezone(dt.timedelta(hours=-5))
    found = search_reads(gov, admin, purpose="burglary suspect vehicle", case_number="C-1",
                         since=dt.datetime(2026, 5, 1, 2, 59, tzinfo=minus5),
                         until=dt.datetime(2026, 5, 1, 3, 1, tzinfo=minus5))
    assert [r["plate"] for r in found] == ["P000000"]
    with pytest.raises(ValueError, match="since .*no UTC offset"):
        search_reads(gov, admin, purpose="burglary suspect vehicle", case_number="C-1",
                     since=dt.datetime(2026, 5, 1))


def test_cli_reports_every_hostile_row_without_a_traceback(tmp_path, monkeypatch, capsys):
    url = cli_store(tmp_path)
    monkeypatch.setenv("ALPR_PASSWORD", PW)
    rows = [good(0), {**good(1), "image_path": {"x": 1}}, {**good(2), "model_version": [1]},
            {**good(3), "camera": None}, {**good(4), "plate": "x" * 100_000}, good(5)]
    path = write(tmp_path / "r.jsonl", rows)
    assert main(["ingest", str(path), "--user", "chief", "--db", url]) == 1
    out = capsys.readouterr()
    assert "stored 2 reads" in out.out and "rejected 4" in out.out
    assert "Traceback" not in out.err and out.err.count("rejected ") == 4
    assert main(["ingest", str(path), "--user", "chief", "--db", url]) == 1
    assert "stored 0 reads" in (o := capsys.readouterr().out) and "already stored 2" in o
    with pytest.raises(SystemExit) as exit_:  # argparse refuses the option itself
        main(["search", "--purpose", "burglary suspect vehicle", "--case", "C-9",
              "--since", "2026-05-01T00:00:00", "--user", "chief", "--db", url])
    assert exit_.value.code == 2
    assert "--since" in (err := capsys.readouterr().err) and "UTC offset" in err
