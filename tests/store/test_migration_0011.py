"""Migration 0011 indexes the reversed plate of the reads a store already holds, on every
month partition of PostgreSQL (those created later too); retro-matching by a plate's end then
reads through it. The downgrade drops it and keeps the reads; the results never depended on
it (SQLite and the real PostgreSQL)."""

import datetime as dt

import pytest
from conftest import _postgres_url
from sqlalchemy import event, text

from alpr.governance.hotlists import past_candidates
from alpr.store import partitions
from alpr.store.db import current_revision, downgrade, make_engine, sessions, upgrade

MAY = dt.datetime(2026, 5, 1, 8, tzinfo=dt.UTC)
NAME = "ix_reads_plate_reversed"


@pytest.fixture(params=["sqlite", "postgresql"])
def url_at_0010(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
    else:
        url = _postgres_url()
        if url is None:
            pytest.skip("PostgreSQL tests need ALPR_TEST_POSTGRES_URL (set by .ci/run)")
        _drop_all(url)
    upgrade(url, "0010")
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


def _indexed_tables(engine):
    """The tables holding an index of the reversed plate (each partition on PostgreSQL)."""
    with engine.connect() as c:
        if engine.dialect.name == "sqlite":
            return set(c.scalars(text("SELECT tbl_name FROM sqlite_master WHERE type = 'index' "
                                      "AND name = :n"), {"n": NAME}))
        return set(c.scalars(text("SELECT tablename FROM pg_indexes WHERE tablename LIKE "
                                  "'reads%' AND indexdef LIKE '%substr((plate)::text, 10, 1)%'")))


def _plan(engine, plate):
    statements = []
    with sessions(engine)() as s:
        conn = s.connection()

        def seen(c, cursor, sql, params, context, many):
            if sql.lstrip().upper().startswith("SELECT"):
                statements.append((sql, params))

        event.listen(conn, "before_cursor_execute", seen)
        found = [r.plate for r in past_candidates(s, plate)]
        event.remove(conn, "before_cursor_execute", seen)
        (sql, params), = statements
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = "\n".join(conn.exec_driver_sql("EXPLAIN " + sql, params).scalars())
        else:
            plan = "\n".join(r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql,
                                                                 params))
    return found, plan


def test_existing_reads_are_indexed_by_their_reversed_plate_and_found_by_their_end(url_at_0010):
    engine = make_engine(url_at_0010)
    pg = engine.dialect.name == "postgresql"
    with engine.begin() as c:
        c.execute(text("INSERT INTO users (id, username, full_name, role, password_hash, "
                       "failed_logins, locked, active, created_at) VALUES (1, 'chief', 'C', "
                       "'administrator', 'x', 0, false, true, :t)"), {"t": MAY})
        c.execute(text("INSERT INTO cameras (id, name, kind, in_service) VALUES "
                       "(1, 'CAM-1', 'stationary', true)"))
        if pg:
            partitions.create_partition(c, partitions.month_of(MAY))
        for i, plate in enumerate(["XY4123", "Z94123", "4123XY", "AB4124"]):
            c.execute(text("INSERT INTO reads (id, read_at, camera_id, plate, confidence, "
                           "ingested_by, read_key) VALUES (:i, :t, 1, :p, 0.9, 1, :k)"),
                      {"i": i + 1, "t": MAY + dt.timedelta(minutes=i), "p": plate,
                       "k": f"plate:{plate}"})
    before, plan = _plan(engine, "*4123")
    assert sorted(before) == ["XY4123", "Z94123"]  # found without the index, by a scan
    assert _indexed_tables(engine) == set()
    assert ("Seq Scan" in plan) if pg else ("SCAN reads" in plan), plan

    upgrade(url_at_0010, "0011")
    assert current_revision(engine) == "0011"
    expected = {"reads", "reads_y2026m05", "reads_default"} if pg else {"reads"}
    assert _indexed_tables(engine) == expected
    after, plan = _plan(engine, "*4123")
    assert after == before
    assert "Seq Scan" not in plan if pg else f"SEARCH reads USING INDEX {NAME}" in plan, plan
    if pg:  # a month created after the migration gets the index too
        with engine.begin() as c:
            partitions.ensure_partitions(c, [MAY + dt.timedelta(days=31)])
        assert _indexed_tables(engine) == expected | {"reads_y2026m06"}

    downgrade(url_at_0010, "0010")
    assert _indexed_tables(engine) == set()
    assert sorted(_plan(engine, "*4123")[0]) == ["XY4123", "Z94123"]
    with engine.connect() as c:
        assert c.scalar(text("SELECT count(*) FROM reads")) == 4
    upgrade(url_at_0010)
    assert NAME in _index_names(engine)
    engine.dispose()


def _index_names(engine):
    with engine.connect() as c:
        if engine.dialect.name == "sqlite":
            return c.scalars(text("SELECT name FROM sqlite_master WHERE type = 'index'")).all()
        return c.scalars(text("SELECT indexname FROM pg_indexes")).all()


def test_the_head_has_the_index(db_url):
    """A later migration that rebuilds ``reads`` (SQLite's batch mode drops expression
    indexes) must create it again."""
    engine = make_engine(db_url)
    assert NAME in _index_names(engine)
    engine.dispose()
