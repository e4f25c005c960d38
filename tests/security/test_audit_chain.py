"""Attacks on the audit trail by someone with the database file but not the audit key:
each must show in ``alpr audit verify`` (or need an anchor kept outside the store)."""

import datetime as dt
import hashlib
import json
import os
import stat

import pytest
from sqlalchemy import select, text
from store_kit import add_user, department

from alpr.cli import main
from alpr.governance import anchors, audit
from alpr.governance.hotlists import load_list, verify_hit
from alpr.governance.records import RetentionPolicy, ingest_rows, place_hold, purge
from alpr.store.audit_key import key_path
from alpr.store.schema import Hit

NOW = dt.datetime.now(dt.UTC)


def drop_guards(engine):
    """What raw database access allows: switch off the append-only triggers."""
    with engine.begin() as c:
        for table in ("audit_log", "record_digests"):
            if engine.dialect.name == "sqlite":
                c.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_update"))
                c.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_delete"))
            else:
                c.execute(text(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"))


def rechain_sha256(engine, from_id):
    """Recompute every row's hash from ``from_id`` on the way the old, unkeyed chain did
    (anyone can), fix the links and the head: what defeated the SHA-256 chain."""
    with engine.begin() as c:
        prev = c.scalar(text("SELECT row_hash FROM audit_log WHERE id = :i"),
                        {"i": from_id - 1}) or audit.GENESIS
        rows = c.execute(text("SELECT id, at, actor, action, target, detail, allowed "
                              "FROM audit_log WHERE id >= :i ORDER BY id"), {"i": from_id}).all()
        for rid, at, actor, action, target, detail, allowed in rows:
            at = at if isinstance(at, dt.datetime) else dt.datetime.fromisoformat(at)
            h = audit.row_digest(rid, at, actor, action, target, detail, bool(allowed), prev)
            c.execute(text("UPDATE audit_log SET prev_hash = :p, row_hash = :h WHERE id = :i"),
                      {"p": prev, "h": h, "i": rid})
            prev = h
        n = c.scalar(text("SELECT count(*) FROM audit_log"))
        last = c.scalar(text("SELECT max(id) FROM audit_log"))
        c.execute(text("UPDATE audit_head SET last_id = :i, last_hash = :h, count = :n"),
                  {"i": last, "h": prev, "n": n})


def report(gov, anchors_=()):
    with gov.Session() as s:
        return audit.verify(s, anchors_)


@pytest.fixture
def world(db_url, tmp_path):
    gov, admin = department(db_url)
    op = add_user(gov, admin, "ofc1")
    gov.add_camera(admin, "CAM-1", "stationary")
    hot = tmp_path / "ncic.txt"
    hot.write_text("ABC1234;VA;stolen vehicle;NIC/V123\n")
    load_list(gov, op, hot)
    rows = [(1, {"read_at": NOW.isoformat(), "camera": "CAM-1", "plate": "ABC1234",
                 "state": "VA", "state_confidence": 0.95, "confidence": 0.9}),
            (2, {"read_at": NOW.isoformat(), "camera": "CAM-1", "plate": "QQQ111",
                 "confidence": 0.8})]
    assert ingest_rows(gov, op, rows).hits == 1
    with gov.Session() as s:
        hit_id = s.scalar(select(Hit.id))
    verify_hit(gov, op, hit_id, chars_match=True, state_match=True, dispatch_confirmed=True,
               outcome="confirmed", action_taken="vehicle stopped")
    place_hold(gov, admin, "CASE-1", "burglary investigation window", NOW - dt.timedelta(1),
               NOW + dt.timedelta(1))
    yield gov, admin, op
    gov.engine.dispose()


def test_a_clean_store_verifies(world):
    gov, admin, _ = world
    r = report(gov)
    assert r.ok and r.status == "intact", str(r)
    assert r.records >= 8  # users, certifications, camera, version, 2 reads, hit, verification, hold
    assert gov.verify_audit(admin).ok


def test_editing_a_row_and_recomputing_the_sha256_chain_is_detected(world):
    gov, _, _ = world
    drop_guards(gov.engine)
    with gov.engine.begin() as c:
        c.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE id = 3"))
    rechain_sha256(gov.engine, 3)
    r = report(gov)
    assert not r.ok and r.status == "broken" and r.first_bad_id == 3
    assert "keyed hash" in r.reason


def test_rewriting_the_whole_chain_as_unkeyed_rows_is_detected(world):
    gov, _, _ = world
    drop_guards(gov.engine)
    with gov.engine.begin() as c:
        c.execute(text("UPDATE audit_log SET key_id = NULL"))
    rechain_sha256(gov.engine, 1)
    r = report(gov)
    assert not r.ok and r.status == "broken" and "without" in r.reason


def test_cutting_the_tail_and_rewriting_the_head_needs_an_anchor_to_show(world):
    gov, _, op = world
    with gov.Session() as s:
        kept = audit.checkpoint(s)  # the operator keeps this outside the store
    gov.add_camera(world[1], "CAM-2", "stationary")  # legitimate activity after the anchor
    assert report(gov, [kept]).ok  # containment: the chain extends the anchor
    drop_guards(gov.engine)
    with gov.engine.begin() as c:
        c.execute(text("DELETE FROM audit_log WHERE id >= :i"), {"i": kept.id})
        row = c.execute(text("SELECT id, row_hash FROM audit_log ORDER BY id DESC")).first()
        c.execute(text("UPDATE audit_head SET last_id = :i, last_hash = :h, count = :i"),
                  {"i": row[0], "h": row[1]})
    r = report(gov, [kept])
    assert not r.ok and any("no longer in the chain" in p for p in r.problems), str(r)


def test_a_forged_anchor_is_reported(world):
    gov, _, _ = world
    with gov.Session() as s:
        kept = audit.checkpoint(s)
    forged = anchors.Anchor(kept.id, kept.hash, kept.count + 50, kept.key_id, kept.made_at,
                            kept.mac)
    r = report(gov, [forged])
    assert not r.ok and any("signature" in p for p in r.problems)


@pytest.mark.parametrize("tamper,kind", [
    ("UPDATE reads SET plate = 'XYZ999' WHERE plate = 'ABC1234'", "read"),
    ("UPDATE hit_verifications SET action_taken = 'none taken'", "verification"),
    ("UPDATE hits SET score = 0.1", "hit"),
    ("UPDATE retention_holds SET ends_at = starts_at", "hold"),
    ("UPDATE certifications SET expires_on = '2099-01-01' WHERE id = 1", "certification"),
    ("UPDATE users SET role = 'administrator' WHERE username = 'ofc1'", "user"),
])
def test_records_changed_in_sql_are_reported(world, tamper, kind):
    gov, _, _ = world
    if "ends_at = starts_at" in tamper:  # the window check forbids an empty window
        tamper = ("UPDATE retention_holds SET ends_at = starts_at + INTERVAL '1 second'"
                  if gov.engine.dialect.name != "sqlite" else
                  "UPDATE retention_holds SET starts_at = '2000-01-01 00:00:00.000000'")
    with gov.engine.begin() as c:
        c.execute(text(tamper))
    r = report(gov)
    assert r.status == "intact" and not r.ok  # the chain is fine, a record is not
    assert any(p.startswith(f"{kind} ") and "changed since" in p for p in r.problems), str(r)


def test_a_deleted_audited_record_is_reported(world):
    gov, _, _ = world
    with gov.engine.begin() as c:
        c.execute(text("DELETE FROM reads WHERE plate = 'QQQ111'"))
    r = report(gov)
    assert any(p.startswith("read ") and "deleted without an audited act" in p
               for p in r.problems), str(r)


def test_reads_a_purge_deleted_are_not_reported(db_url):
    gov, admin = department(db_url)
    gov.add_camera(admin, "CAM-1", "stationary")
    old = NOW - dt.timedelta(days=400)
    ingest_rows(gov, admin, [(i, {"read_at": (old + dt.timedelta(seconds=i)).isoformat(),
                                  "camera": "CAM-1", "plate": f"OLD{i:03d}",
                                  "confidence": 0.9}) for i in range(5)])
    assert purge(gov, admin, RetentionPolicy(reads_days=365)).deleted == 5
    r = report(gov)
    assert r.ok, str(r)
    gov.engine.dispose()


def test_deleting_digest_rows_is_reported(world):
    gov, _, _ = world
    drop_guards(gov.engine)
    with gov.engine.begin() as c:
        c.execute(text("DELETE FROM record_digests WHERE kind = 'verification'"))
        c.execute(text("UPDATE hit_verifications SET action_taken = 'none taken'"))
    r = report(gov)
    assert not r.ok and any("digests edited or deleted" in p for p in r.problems), str(r)


def test_without_the_key_verify_says_it_cannot_verify(world, monkeypatch, tmp_path, capsys):
    gov, _, _ = world
    url = gov.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("ALPR_AUDIT_KEY_FILE", str(tmp_path / "elsewhere.key"))
    r = report(gov)
    assert r.status == "unverifiable" and not r.ok and "no audit key" in r.reason
    assert "intact" not in str(r)
    assert main(["audit", "verify", "--db", url]) == 2
    assert "CANNOT BE VERIFIED" in capsys.readouterr().err


def test_another_key_cannot_verify_nor_write(world, monkeypatch):
    gov, admin, _ = world
    monkeypatch.setenv("ALPR_AUDIT_KEY", "x" * 40)
    r = report(gov)
    assert r.status == "unverifiable" and "signed with key" in r.reason
    with pytest.raises(Exception, match="restore the store's key"):
        gov.add_camera(admin, "CAM-9", "stationary")


def test_key_file_is_private_and_never_overwritten(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 's.db'}"
    assert main(["db", "upgrade", "--db", url]) == 0
    assert "audit key created" in capsys.readouterr().out
    path = key_path(url)
    assert path == tmp_path / "s.db.audit-key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = path.read_text()
    assert main(["db", "upgrade", "--db", url]) == 0
    assert "audit key created" not in capsys.readouterr().out
    assert path.read_text() == before
    os.chmod(path, 0o644)
    assert main(["audit", "verify", "--db", url]) == 2
    assert "chmod 600" in capsys.readouterr().err


def test_cli_checkpoint_anchor_and_expect_head(world, tmp_path, capsys):
    gov, admin, _ = world
    url = gov.engine.url.render_as_string(hide_password=False)
    out = tmp_path / "anchor.json"
    assert main(["audit", "checkpoint", "--db", url, "--out", str(out)]) == 0
    assert json.loads(out.read_text())["format"] == anchors.FORMAT
    assert main(["audit", "checkpoint", "--db", url, "--out", str(out)]) == 2  # no overwrite
    assert main(["audit", "head", "--db", url]) == 0
    head_line = capsys.readouterr().out.strip().splitlines()[-1]
    gov.add_camera(admin, "CAM-2", "stationary")  # after the anchors were taken
    assert main(["audit", "verify", "--db", url, "--anchor", str(out)]) == 0
    assert main(["audit", "verify", "--db", url, "--expect-head", head_line]) == 0
    assert "1 anchor(s) contained" in capsys.readouterr().out
    bogus = "7 " + hashlib.sha256(b"x").hexdigest()
    assert main(["audit", "verify", "--db", url, "--expect-head", bogus]) == 1
    assert main(["audit", "verify", "--db", url, "--anchor", str(tmp_path / "none")]) == 2
    assert "cannot be read" in capsys.readouterr().err


def test_periodic_checkpoints_catch_a_cut_tail(db_url, monkeypatch):
    monkeypatch.setenv("ALPR_AUDIT_CHECKPOINT_EVERY", "3")
    gov, admin = department(db_url)
    for i in range(6):  # rows 2..7 after the bootstrap: checkpoints at rows 3 and 6
        gov.add_camera(admin, f"CAM-{i}", "stationary")
    url = gov.engine.url.render_as_string(hide_password=False)
    from alpr.store.audit_key import checkpoint_dir

    files = sorted(checkpoint_dir(url).glob("anchor-*.json"))
    assert [anchors.load(f).id for f in files][:2] == [3, 6]
    assert report(gov).ok and report(gov).anchors == len(files)
    drop_guards(gov.engine)
    with gov.engine.begin() as c:
        c.execute(text("DELETE FROM audit_log WHERE id >= 4"))
        row = c.execute(text("SELECT id, row_hash FROM audit_log WHERE id = 3")).one()
        c.execute(text("UPDATE audit_head SET last_id = 3, last_hash = :h, count = 3"),
                  {"h": row[1]})
    r = report(gov)
    assert not r.ok and any("no longer in the chain" in p for p in r.problems)
    gov.engine.dispose()
