"""Migration 0010 converts a store that already holds doubled reads and over-long values:
one read is kept per camera, time and plate, the others' hits move to it, and the new key
and length checks then hold (SQLite and the real PostgreSQL, where reads are partitioned)."""

import datetime as dt

import pytest
from conftest import _postgres_url
from sqlalchemy import func, select, text

from alpr.store.db import downgrade, make_engine, upgrade
from alpr.store.schema import Hit, HitVerification, Read

T = dt.datetime(2026, 5, 1, 8, tzinfo=dt.UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def url_at_0009(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
    else:
        url = _postgres_url()
        if url is None:
            pytest.skip("PostgreSQL tests need ALPR_TEST_POSTGRES_URL (set by .ci/run)")
        _drop_all(url)
    upgrade(url, "0009")
    yield url
    if request.param == "postgresql":
        _drop_all(url)


def _drop_all(url):
    engine = make_engine(url)
    with engine.begin() as c:
        for table in ("audit_log", "record_digests"):
            c.execute(text(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"
                           if engine.dialect.name == "postgresql" else "SELECT 1"))
    engine.dispose()
    downgrade(url, "base")


def test_duplicates_are_merged_and_the_checks_hold(url_at_0009):
    engine = make_engine(url_at_0009)
    with engine.begin() as c:
        c.execute(text("INSERT INTO users (id, username, full_name, role, password_hash, "
                       "failed_logins, locked, active, created_at) VALUES (1, 'chief', 'C', "
                       "'administrator', 'x', 0, false, true, :t)"), {"t": T})
        c.execute(text("INSERT INTO cameras (id, name, kind, in_service) VALUES "
                       "(1, 'CAM-1', 'stationary', true)"))
        c.execute(text("INSERT INTO hotlist_versions (id, source, sha256, format, loaded_at, "
                       "loaded_by, rows_read, rows_loaded, rows_rejected, duplicates_merged) "
                       "VALUES (1, 's', :h, 'ncic', :t, 1, 2, 2, 0, 0)"), {"h": "0" * 64, "t": T})
        for eid, plate in ((1, "ABC123"), (2, "ABC12")):
            c.execute(text("INSERT INTO hotlist_entries (id, version_id, manual, plate, "
                           "category, priority, created_at) VALUES (:i, 1, false, :p, "
                           "'stolen_vehicle', 2, :t)"), {"i": eid, "p": plate, "t": T})
        if engine.dialect.name == "postgresql":
            c.execute(text("CREATE TABLE IF NOT EXISTS reads_y2026m05 PARTITION OF reads "
                           "FOR VALUES FROM ('2026-05-01') TO ('2026-06-01')"))
        long = "v" * 500 if engine.dialect.name == "sqlite" else "v1"  # only SQLite holds it
        for rid, plate, model in ((1, "ABC123", "v1"), (2, "ABC123", long),
                                  (3, "ABC123", "v1"), (4, "XYZ999", "v1")):
            c.execute(text("INSERT INTO reads (id, read_at, camera_id, plate, confidence, "
                           "model_version, ingested_by) VALUES (:i, :t, 1, :p, 0.9, :m, 1)"),
                      {"i": rid, "t": T, "p": plate, "m": model})
        # read 1 and read 2 both hit entry 1 (one hit verified); read 3 hits entry 2
        for hid, rid, eid in ((1, 1, 1), (2, 2, 1), (3, 3, 2)):
            c.execute(text("INSERT INTO hits (id, read_id, read_at, entry_id, kind, "
                           "substitutions, state_agreement, score, created_at, retro) VALUES "
                           "(:h, :r, :t, :e, 'exact', '[]', 'same', 1.0, :t, false)"),
                      {"h": hid, "r": rid, "e": eid, "t": T})
        c.execute(text("INSERT INTO hit_verifications (hit_id, user_id, chars_match, "
                       "state_match, dispatch_confirmed, outcome, verified_at) VALUES "
                       "(2, 1, true, true, true, 'confirmed', :t)"), {"t": T})
    engine.dispose()
    upgrade(url_at_0009)
    engine = make_engine(url_at_0009)
    with engine.connect() as c:
        reads = c.execute(select(Read.id, Read.plate, Read.read_key, Read.model_version)
                          .order_by(Read.id)).all()
        hits = c.execute(select(Hit.id, Hit.read_id, Hit.entry_id).order_by(Hit.id)).all()
        verified = c.execute(select(HitVerification.hit_id)).scalars().all()
    assert [(r.id, r.read_key) for r in reads] == [(1, "plate:ABC123"), (4, "plate:XYZ999")]
    assert hits == [(1, 1, 1), (3, 1, 2)]  # hit 2 merged into hit 1, hit 3 moved to read 1
    assert verified == [1]
    with pytest.raises(Exception, match="(?i)unique|duplicate"), engine.begin() as c:
        c.execute(text("INSERT INTO reads (read_at, camera_id, plate, confidence, "
                       "ingested_by, read_key) VALUES (:t, 1, 'ABC123', 0.5, 1, "
                       "'plate:ABC123')"), {"t": T})
    with pytest.raises(Exception, match="(?i)check|too long"), engine.begin() as c:
        c.execute(text("INSERT INTO reads (read_at, camera_id, plate, confidence, "
                       "ingested_by, read_key, model_version) VALUES (:t, 1, 'NEW1', 0.5, 1, "
                       "'plate:NEW1', :m)"), {"t": T, "m": "v" * 101})
    with engine.connect() as c:
        assert c.scalar(select(func.count()).select_from(Read)) == 2
    engine.dispose()
    downgrade(url_at_0009, "0009")  # and back: the key and the checks go, the reads stay
    upgrade(url_at_0009)
