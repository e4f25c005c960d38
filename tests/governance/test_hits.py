"""Hot lists in the store: versions, manual entries, matching at ingest, shifts, verification."""

import datetime as dt

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from store_kit import PW, add_user, cli_store, department

from alpr.governance import audit
from alpr.governance.access import AccessDenied
from alpr.governance.hotlists import (
    add_manual_entry,
    due_for_removal,
    load_list,
    remove_manual_entry,
    start_shift,
    verify_hit,
)
from alpr.governance.records import ingest_rows
from alpr.store.schema import Hit, HitVerification, Shift

TODAY = dt.date(2026, 6, 1)
NOW = dt.datetime.now(dt.UTC)


@pytest.fixture
def world(db_url, tmp_path):
    gov, admin = department(db_url)
    ops = [add_user(gov, admin, name) for name in ("ofc1", "ofc2")]
    gov.add_camera(admin, "CAM-1", "stationary")
    hot = tmp_path / "ncic.txt"
    hot.write_text("# extract\nABC1234;VA;stolen vehicle;NIC/V123\n8XYZ99;CA;wanted person\n"
                   "BAD!!;VA;stolen vehicle\n")
    yield gov, admin, ops, hot
    gov.engine.dispose()


def read(plate, state=None, when=None):
    return {"read_at": (when or NOW).isoformat(), "camera": "CAM-1", "plate": plate,
            "confidence": 0.9, "state": state, "state_confidence": 0.95 if state else None}


def test_list_versions_shift_start_and_matching_at_ingest(world):
    gov, admin, (op, _), hot = world
    with pytest.raises(ValueError, match="no hot list is loaded"):
        start_shift(gov, op, "Unit 12")
    version_id, hl = load_list(gov, op, hot)
    assert len(hl.entries) == 2 and hl.rejections[0].line == 4
    shift = start_shift(gov, op, "Unit 12")
    assert shift.hotlist_version_id == version_id and shift.hotlist_age < dt.timedelta(minutes=5)
    with pytest.raises(ValueError, match="III.C"):
        start_shift(gov, op, "Unit 12", now=NOW + dt.timedelta(days=2))
    rep = ingest_rows(gov, op, [(1, read("ABC1234", "VA")), (2, read("A8C1234", "VA")),
                                (3, read("8XYZ99", "NV")), (4, read("QQQ111"))])
    assert rep.stored == 4 and rep.hits == 3
    with gov.Session() as s:
        hits = s.execute(select(Hit.kind, Hit.state_agreement).order_by(Hit.id)).all()
        assert s.scalar(select(Shift.hotlist_version_id)) == version_id
    assert hits == [("exact", "same"), ("confusable", "same"), ("exact", "different")]


def test_manual_entry_retro_matches_and_is_removed_by_its_owner(world):
    gov, admin, (op, op2), hot = world
    ingest_rows(gov, op, [(1, read("7ABC123", "CA", NOW - dt.timedelta(days=3)))])
    with pytest.raises(ValueError, match="purpose"):
        add_manual_entry(gov, op, "7ABC123", "CA", "BOLO", "test", NOW + dt.timedelta(days=5))
    with pytest.raises(ValueError, match="expires_at"):
        add_manual_entry(gov, op, "7ABC123", "CA", "BOLO",
                         "Vehicle seen leaving burglary at 12 Main St", NOW + dt.timedelta(days=90))
    entry, retro = add_manual_entry(gov, op, "7ABC12?", "CA", "BOLO",
                                    "Vehicle seen leaving burglary at 12 Main St",
                                    NOW + dt.timedelta(days=5), case_number="2026-123")
    assert retro == 1
    with gov.Session() as s:
        assert s.execute(select(Hit.kind, Hit.retro)).one() == ("wildcard", True)
        assert audit.verify(s).ok  # the retro hit's record digest is in the audit trail
    with gov.engine.begin() as c:
        c.execute(text("UPDATE hits SET score = 0.01"))
    with gov.Session() as s:
        assert any(p.startswith("hit ") and "changed since" in p
                   for p in audit.verify(s).problems)
    assert due_for_removal(gov, admin, NOW + dt.timedelta(days=6))[0]["message"] == \
        "7ABC12?: due for removal by ofc1"
    with pytest.raises(AccessDenied, match="only the user who entered it"):
        remove_manual_entry(gov, op2, entry, "suspect arrested, vehicle recovered")
    remove_manual_entry(gov, op, entry, "suspect arrested, vehicle recovered")
    assert due_for_removal(gov, admin, NOW + dt.timedelta(days=6)) == []
    # removed entries stop matching
    assert ingest_rows(gov, op, [(1, read("7ABC123", "CA"))]).hits == 0


def one_hit(world):
    """The world's hot list loaded and one read (ABC1234, VA) that hits it: its hit id."""
    gov, _, (op, _), hot = world
    load_list(gov, op, hot)
    ingest_rows(gov, op, [(1, read("ABC1234", "VA"))])
    with gov.Session() as s:
        return s.scalar(select(Hit.id))


def test_verification_records_the_plate_and_state_seen(world):
    gov, _, (op, _), _ = world
    hit_id = one_hit(world)
    for bad, field in ((("ABC 12#4", "VA"), "seen_plate"), (("ABC1?34", "VA"), "seen_plate"),
                       (("ABC1234", "Atlantis"), "seen_state")):
        with pytest.raises(ValueError, match=field):
            verify_hit(gov, op, hit_id, chars_match=False, state_match=True,
                       dispatch_confirmed=False, outcome="misread", seen_plate=bad[0],
                       seen_state=bad[1])
    verify_hit(gov, op, hit_id, chars_match=False, state_match=True, dispatch_confirmed=False,
               outcome="misread", seen_plate=" abc-1284 ", seen_state="virginia")
    with gov.Session() as s:
        v = s.scalars(select(HitVerification)).one()  # the refused ones left no record
        assert (v.seen_plate, v.seen_state) == ("ABC1284", "VA")


def test_hit_verification_before_action(world):
    gov, admin, (op, _), _ = world
    hit_id = one_hit(world)
    with pytest.raises(ValueError, match="visually verified"):
        verify_hit(gov, op, hit_id, chars_match=True, state_match=False, dispatch_confirmed=True,
                   outcome="confirmed")
    with pytest.raises(ValueError, match="not probable cause"):
        verify_hit(gov, op, hit_id, chars_match=True, state_match=False, dispatch_confirmed=False,
                   outcome="wrong_state", action_taken="traffic stop")
    verify_hit(gov, op, hit_id, chars_match=True, state_match=True, dispatch_confirmed=True,
               outcome="confirmed", action_taken="vehicle recovered, driver detained")
    with pytest.raises(AccessDenied):
        verify_hit(gov, admin, hit_id, chars_match=True, state_match=True,
                   dispatch_confirmed=True, outcome="confirmed")
    with gov.Session() as s:  # the database refuses an unverified action on its own
        s.add(HitVerification(hit_id=hit_id, user_id=op.id, chars_match=True, state_match=False,
                              dispatch_confirmed=True, outcome="confirmed", action_taken="stop",
                              verified_at=NOW))
        with pytest.raises(IntegrityError):
            s.commit()


def test_cli_hotlist_load_then_ingest_reports_hits(tmp_path, monkeypatch, capsys):
    from alpr.cli import main

    url = cli_store(tmp_path)
    monkeypatch.setenv("ALPR_PASSWORD", PW)
    hot = tmp_path / "list.txt"
    hot.write_text("ABC1234;VA;stolen vehicle\n")
    assert main(["hotlist", "load", str(hot), "--user", "chief", "--db", url]) == 0
    assert "hot-list version 1" in capsys.readouterr().out
    reads = tmp_path / "r.jsonl"
    reads.write_text('{"read_at": "2026-05-01T08:00:00Z", "camera": "CAM-1", '
                     '"plate": "ABC1234", "confidence": 0.9}\n')
    assert main(["ingest", str(reads), "--user", "chief", "--db", url]) == 0
    assert "hits 1" in capsys.readouterr().out


def test_purge_keeps_reads_whose_hit_was_acted_on(world):
    from alpr.governance.records import RetentionPolicy, purge

    gov, admin, (op, _), hot = world
    load_list(gov, op, hot)
    old = NOW - dt.timedelta(days=400)
    ingest_rows(gov, op, [(1, read("ABC1234", "VA", old)), (2, read("8XYZ99", "CA", old)),
                          (3, read("QQQ111", None, old))])
    with gov.Session() as s:
        acted, idle = s.scalars(select(Hit.id).order_by(Hit.id)).all()
    verify_hit(gov, op, acted, chars_match=True, state_match=True, dispatch_confirmed=True,
               outcome="confirmed", action_taken="arrest")
    verify_hit(gov, op, idle, chars_match=False, state_match=True, dispatch_confirmed=False,
               outcome="misread")
    rep = purge(gov, admin, RetentionPolicy(reads_days=365))
    assert (rep.expired, rep.held, rep.deleted) == (3, 1, 2)
    with gov.Session() as s:
        assert s.scalars(select(Hit.id)).all() == [acted]


def test_evidence_export_and_verify(world, tmp_path, capsys):
    import hashlib
    import json

    from alpr.cli import main
    from alpr.governance.evidence import export, verify

    gov, admin, (op, _), hot = world
    load_list(gov, op, hot)
    gov.images.root.mkdir(parents=True, exist_ok=True)  # images live under the image root
    img = gov.images.root / "frame.jpg"
    img.write_bytes(b"\xff\xd8 plate image bytes")
    sha = hashlib.sha256(img.read_bytes()).hexdigest()
    ingest_rows(gov, op, [(1, {**read("ABC1234", "VA"), "image_path": str(img),
                               "image_sha256": sha, "model_version": "plate-ocr 1"})])
    with gov.Session() as s:
        hit_id = s.scalar(select(Hit.id))
    verify_hit(gov, op, hit_id, chars_match=True, state_match=True, dispatch_confirmed=True,
               outcome="confirmed", action_taken="vehicle recovered")
    out = tmp_path / "pkg"
    manifest = json.loads(export(gov, op, hit_id, out).read_text())
    assert {"read.json", "hit.json", "hotlist_entry.json", "verifications.json",
            "audit_excerpt.json", "image.jpg"} == set(manifest["files"])
    assert manifest["model_version"] == "plate-ocr 1"
    assert json.loads((out / "verifications.json").read_text())[0]["action_taken"] == \
        "vehicle recovered"
    assert verify(out) == []
    assert main(["evidence", "verify", str(out)]) == 0
    (out / "hit.json").write_text("{}")
    assert any("hit.json: contents changed" in p for p in verify(out))
    assert main(["evidence", "verify", str(out)]) == 1
    assert "hash mismatch" in capsys.readouterr().err
    with pytest.raises(ValueError, match="not empty"):
        export(gov, op, hit_id, out)


def test_compliance_summary_covers_shifts_hits_and_manual_entries(world):
    from alpr.governance.compliance import summary

    gov, admin, (op, _), hot = world
    load_list(gov, op, hot)
    start_shift(gov, op, "Unit 1")
    ingest_rows(gov, op, [(1, read("ABC1234", "VA")), (2, read("8XYZ99", "NV"))])
    with gov.Session() as s:
        first, second = s.scalars(select(Hit.id).order_by(Hit.id)).all()
    verify_hit(gov, op, first, chars_match=True, state_match=True, dispatch_confirmed=True,
               outcome="confirmed", action_taken="stop")
    add_manual_entry(gov, op, "ZZZ999", None, "BOLO", "Vehicle seen leaving burglary at 12 Main St",
                     NOW + dt.timedelta(days=1))
    m = summary(gov, admin, NOW + dt.timedelta(days=2)).set_index("metric")
    assert m.loc["shifts started with a current hot list", "value"] == 1.0
    assert m.loc["hits acted on with characters, state and confirmation verified first",
                 "numerator"] == 1
    assert m.loc["hits not yet verified", "numerator"] == 1
    assert m.loc["manual entries past expiry and not removed", "numerator"] == 1
    assert m.loc["verified hits the recognizer misread (characters or state)", "value"] == 0.0
