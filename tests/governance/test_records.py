"""Reads through the access-control layer: ingestion, audited searches, retention and holds."""

import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from store_kit import PW, add_user, cli_store, department

from alpr.governance.access import AccessDenied
from alpr.governance.records import (
    RetentionPolicy,
    ingest_file,
    ingest_rows,
    place_hold,
    purge,
    release_hold,
    search_reads,
)
from alpr.store.schema import AuditEntry, HistoricalSearch, Read

TODAY = dt.date(2026, 6, 1)
NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)


@pytest.fixture
def world(db_url):
    gov, admin = department(db_url)
    op = add_user(gov, admin, "ofc1")
    aud = add_user(gov, admin, "aud1", "auditor")
    ds = add_user(gov, admin, "ds1", "data_staff")
    gov.add_camera(admin, "CAM-1", "stationary", location="Main St")
    gov.add_camera(admin, "CAM-2", "mobile", vehicle="Car 7")
    gov.set_camera_service(admin, "CAM-2", False, "failed alignment check")
    yield gov, admin, op, aud, ds
    gov.engine.dispose()


def reads_file(tmp_path, lines):
    p = tmp_path / "reads.jsonl"
    p.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    return p


def read(plate, when="2026-05-01T08:00:00Z", camera="CAM-1", **kw):
    return {"read_at": when, "camera": camera, "plate": plate, "confidence": 0.95, **kw}


def test_ingest_stores_good_rows_and_reports_each_bad_one(world, tmp_path):
    gov, admin, op, *_ = world
    path = reads_file(tmp_path, [
        read("abc-123", state="ca", char_confidences=[0.9] * 6, box=[1, 2, 30, 15]),
        read("XYZ*9"),
        "{not json",
        read("QRS100", camera="CAM-2"),
        read("QRS101", camera="CAM-9"),
        read("QRS102", when="2026-05-01T08:00:00"),
        read("QRS103", confidence=1.5),
        read("QRS104", state="Ontario"),
        read("LMN777", image_sha256="ab" * 32, image_path="img/1.jpg"),
    ])
    rep = ingest_file(gov, op, path, batch_size=3)
    assert rep.stored == 2
    got = {(e.line, e.field) for e in rep.rejected}
    assert got == {(2, "plate"), (3, "(line)"), (4, "camera"), (5, "camera"), (6, "read_at"),
                   (7, "confidence"), (8, "state")}
    assert "out of service" in next(str(e) for e in rep.rejected if e.line == 4)
    with gov.Session() as s:
        rows = s.execute(select(Read.plate, Read.state, Read.box_w)).all()
    assert sorted(rows) == [("ABC123", "CA", 30), ("LMN777", None, None)]


def test_bad_batch_rolls_back_whole_and_reports(world):
    gov, admin, op, *_ = world
    uncertified = gov.create_user(admin, "new1", "New", "operator", PW)
    with pytest.raises(AccessDenied):
        ingest_rows(gov, uncertified, [(1, read("AAA111"))])
    with gov.Session() as s:
        assert s.scalar(select(func.count(Read.id))) == 0


def test_search_needs_purpose_and_case_and_is_recorded(world):
    gov, admin, op, aud, ds = world
    ingest_rows(gov, op, [(i, read(p)) for i, p in enumerate(["ABC123", "ABC124", "XYZ999"])])
    with pytest.raises(ValueError, match="purpose"):
        search_reads(gov, op, purpose="look", case_number="C-1", plate="ABC123")
    with pytest.raises(ValueError, match="case_number"):
        search_reads(gov, op, purpose="stolen vehicle report follow-up", case_number=None)
    hits = search_reads(gov, op, purpose="stolen vehicle report follow-up",
                        case_number="2026-00042", plate="ABC12?")
    assert sorted(h["plate"] for h in hits) == ["ABC123", "ABC124"]
    assert "image_path" in hits[0]
    seen_by_auditor = search_reads(gov, aud, purpose="quarterly audit of search use",
                                   case_number="AUD-7", plate="XYZ*")
    assert [h["plate"] for h in seen_by_auditor] == ["XYZ999"]
    assert "image_path" not in seen_by_auditor[0]
    with pytest.raises(AccessDenied, match="role 'data_staff'"):
        search_reads(gov, ds, purpose="curious about a neighbour car", case_number="X")
    with gov.Session() as s:
        logged = s.execute(select(HistoricalSearch.case_number, HistoricalSearch.result_count)
                           .order_by(HistoricalSearch.id)).all()
        denied = s.execute(select(AuditEntry.actor).where(AuditEntry.allowed.is_(False))).all()
    assert logged == [("2026-00042", 2), ("AUD-7", 1)]
    assert ("ds1",) in denied


def test_purge_deletes_expired_reads_and_images_but_never_held_ones(world, tmp_path):
    gov, admin, op, *_ = world
    gov.images.root.mkdir(parents=True, exist_ok=True)  # images live under the image root
    img = gov.images.root / "old.jpg"
    img.write_bytes(b"jpeg")
    kept_img = gov.images.root / "held.jpg"
    kept_img.write_bytes(b"jpeg")
    ingest_rows(gov, op, [
        (1, read("OLD001", when="2025-01-01T00:00:00Z", image_path=str(img))),
        (2, read("HELD01", when="2025-01-02T00:00:00Z", image_path=str(kept_img))),
        (3, read("NEW001", when="2026-05-30T00:00:00Z")),
    ])
    hold = place_hold(gov, admin, "2025-0001", "homicide investigation, vehicle of interest",
                      dt.datetime(2024, 12, 1, tzinfo=dt.UTC), dt.datetime(2025, 2, 1, tzinfo=dt.UTC),
                      plate="HELD01")
    dry = purge(gov, admin, RetentionPolicy(reads_days=365), now=NOW, dry_run=True)
    assert (dry.expired, dry.held, dry.deleted) == (2, 1, 1) and img.exists()
    rep = purge(gov, admin, RetentionPolicy(reads_days=365), now=NOW)
    assert (rep.deleted, rep.images_deleted) == (1, 1)
    assert not img.exists() and kept_img.exists()
    with gov.Session() as s:
        assert sorted(s.scalars(select(Read.plate))) == ["HELD01", "NEW001"]
    with pytest.raises(AccessDenied):
        purge(gov, op, now=NOW)
    release_hold(gov, admin, hold)
    assert purge(gov, admin, RetentionPolicy(reads_days=365), now=NOW).deleted == 1


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ages=st.lists(st.integers(0, 800), min_size=1, max_size=12),
       held=st.lists(st.booleans(), min_size=12, max_size=12))
def test_nothing_under_a_hold_is_ever_deleted(tmp_path_factory, ages, held):
    from alpr.store.db import upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('p') / 'p.db'}"
    upgrade(url)
    gov, admin = department(url)
    gov.add_camera(admin, "CAM-1", "stationary")
    rows = []
    for i, age in enumerate(ages):
        when = NOW - dt.timedelta(days=age)
        rows.append((i, read(f"P{i:05d}", when=when.isoformat())))
        if held[i]:
            place_hold(gov, admin, f"C{i}", "investigation needs these reads",
                       when - dt.timedelta(hours=1), when + dt.timedelta(hours=1), f"P{i:05d}")
    ingest_rows(gov, admin, rows)
    purge(gov, admin, RetentionPolicy(reads_days=365), now=NOW)
    with gov.Session() as s:
        left = set(s.scalars(select(Read.plate)))
    gov.engine.dispose()
    for i, age in enumerate(ages):
        plate = f"P{i:05d}"
        if held[i] or age <= 365:  # exactly at the period is not yet past it
            assert plate in left
        else:
            assert plate not in left


def test_wildcard_search_finds_exactly_the_plates_that_fit(world):
    """A pattern's known start is looked up as a range of the plate index: plates at the
    range's edges (a last letter Z, a digit after a letter, a shorter plate) are found or
    left out exactly as the pattern says."""
    import fnmatch

    gov, admin, op, *_ = world
    plates = ["AB", "AB1", "ABZ", "ABZ9", "AC0", "AA9", "A9Z", "B00", "ZZ1", "ZZZ9", "Z",
              "ABC123", "ABD000", "9AB", "AZZ", "B"]
    ingest_rows(gov, op, [(i, read(p)) for i, p in enumerate(plates)])
    for pattern in ["AB*", "ABZ*", "A*", "Z*", "ZZ*", "AB?", "A?Z*", "*9", "9*", "AZ*", "B*"]:
        hits = search_reads(gov, op, purpose="stolen vehicle report follow-up",
                            case_number="2026-00042", plate=pattern)
        assert sorted(h["plate"] for h in hits) == sorted(
            p for p in plates if fnmatch.fnmatchcase(p, pattern)), pattern


def test_cli_ingest_search_and_purge(tmp_path, monkeypatch, capsys):
    from alpr.cli import main

    url = cli_store(tmp_path)
    monkeypatch.setenv("ALPR_PASSWORD", PW)
    path = reads_file(tmp_path, [read("ABC123", when="2020-01-01T00:00:00Z"), read("BAD*")])
    assert main(["ingest", str(path), "--user", "chief", "--db", url]) == 1
    out = capsys.readouterr()
    assert "stored 1 reads" in out.out and "line 2: plate='BAD*'" in out.err
    assert main(["search", "--plate", "ABC*", "--purpose", "burglary suspect vehicle",
                 "--case", "C-9", "--user", "chief", "--db", url]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[0])["plate"] == "ABC123"
    assert main(["retention", "purge", "--dry-run", "--user", "chief", "--db", url]) == 0
    assert "would delete 1 reads" in capsys.readouterr().out
    monkeypatch.setenv("ALPR_PASSWORD", "not the password")
    assert main(["search", "--purpose", "burglary suspect vehicle", "--case", "C-9",
                 "--user", "chief", "--db", url]) == 2
    assert "login denied" in capsys.readouterr().err
