"""Ingest with matching in batches: every read stored once with its own id, every hit on the
read that made it, nothing doubled by a second run or by a batch that falls back to rows."""

import datetime as dt

import pytest
from sqlalchemy import func, select
from store_kit import department

from alpr.governance import records
from alpr.governance.hotlists import load_list
from alpr.governance.records import ingest_rows
from alpr.store.schema import Hit, Read

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
LISTED = ["7ABC123", "4XYZ777", "8QRS100"]


@pytest.fixture
def world(db_url, tmp_path):
    gov, admin = department(db_url)
    gov.add_camera(admin, "CAM-1", "stationary")
    hot = tmp_path / "list.txt"
    hot.write_text("".join(f"{p};CA;stolen vehicle;V{i}\n" for i, p in enumerate(LISTED)))
    load_list(gov, admin, hot, now=NOW)
    yield gov, admin
    gov.engine.dispose()


def _rows(n: int) -> list[tuple[int, dict]]:
    """n reads one second apart; every fifth is a listed plate, read exactly."""
    out = []
    for i in range(n):
        plate = LISTED[i % 3] if i % 5 == 0 else f"N{i:05d}"
        out.append((i + 1, {"read_at": (NOW - dt.timedelta(seconds=i)).isoformat(),
                            "camera": "CAM-1", "plate": plate, "state": "CA",
                            "confidence": 0.9, "read_id": f"r{i}"}))
    return out


def _stored(gov):
    with gov.Session() as s:
        reads = {rid: (plate, key) for rid, plate, key in
                 s.execute(select(Read.id, Read.plate, Read.read_key))}
        hits = list(s.execute(select(Hit.read_id, Hit.kind)))
    return reads, hits


def test_batches_store_each_read_once_and_hit_the_read_that_matched(world):
    gov, admin = world
    rows = _rows(103)
    report = ingest_rows(gov, admin, rows, batch_size=10, at=NOW)
    assert (report.stored, report.batches, report.hits) == (103, 11, 21)  # 0, 5, ..., 100
    reads, hits = _stored(gov)
    assert sorted(key for _, key in reads.values()) == sorted(f"id:r{i}" for i in range(103))
    # each id is the row's own: the plate stored under it is the plate of its read id
    assert all(plate == rows[int(key[4:])][1]["plate"] for plate, key in reads.values())
    assert len(hits) == 21 and all(reads[rid][0] in LISTED and kind == "exact"
                                   for rid, kind in hits)
    again = ingest_rows(gov, admin, rows, batch_size=10, at=NOW)
    assert (again.stored, again.already_stored, again.hits) == (0, 103, 0)
    assert _stored(gov)[0] == reads and len(_stored(gov)[1]) == 21


def test_a_batch_refused_whole_falls_back_to_rows_without_doubling(world, monkeypatch):
    """A writer racing on the same reads: the batch's duplicate makes the multi-row insert
    fail, each row is then tried alone, the duplicate counted as already stored."""
    gov, admin = world
    rows = _rows(20)
    ingest_rows(gov, admin, rows[:3], at=NOW)  # stored before, unseen by the key check below
    monkeypatch.setattr(records, "_stored_keys", lambda s, good: set())
    report = ingest_rows(gov, admin, rows, batch_size=20, at=NOW)
    assert (report.stored, report.already_stored, report.rejected) == (17, 3, [])
    reads, hits = _stored(gov)
    assert len(reads) == 20 and all(plate == rows[int(key[4:])][1]["plate"]
                                    for plate, key in reads.values())
    with gov.Session() as s:
        assert s.scalar(select(func.count()).select_from(Hit)) == len(hits) == 4  # 0,5,10,15
