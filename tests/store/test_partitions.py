"""Reads partitioned by month on PostgreSQL: retention drops whole months, data survives the
migration, and SQLite (no partitions) gives the same answers row by row."""

import datetime as dt

import pytest
from sqlalchemy import func, select, text
from store_kit import add_user, department

from alpr.governance.records import RetentionPolicy, ingest_rows, place_hold, purge
from alpr.store import partitions
from alpr.store.db import downgrade, make_engine, upgrade
from alpr.store.schema import Hit, Read

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)


def rows(plates_and_times):
    return [(i + 1, {"read_at": t, "camera": "CAM-1", "plate": p, "confidence": 0.9})
            for i, (p, t) in enumerate(plates_and_times)]


def count(gov, *where):
    with gov.Session() as s:
        return s.scalar(select(func.count(Read.id)).where(*where))


@pytest.fixture
def world(db_url):
    gov, admin = department(db_url)
    gov.add_camera(admin, "CAM-1", "stationary", location="Main St")
    add_user(gov, admin, "ofc1")
    yield gov, admin
    gov.engine.dispose()


def test_month_bounds():
    p = partitions.month_of(dt.datetime(2026, 12, 31, 23, 59, tzinfo=dt.UTC))
    assert (p.name, p.start.month, p.end.year, p.end.month) == ("reads_y2026m12", 12, 2027, 1)
    # A time given in another zone belongs to its UTC month.
    est = dt.timezone(dt.timedelta(hours=-5))
    assert partitions.month_of(dt.datetime(2026, 1, 31, 22, tzinfo=est)).name == "reads_y2026m02"


def test_purge_drops_whole_expired_months_and_keeps_held_ones(world):
    gov, admin = world
    jan = [(f"JAN{i:03d}", f"2026-01-{i % 28 + 1:02d}T08:00:00Z") for i in range(30)]
    feb = [(f"FEB{i:03d}", f"2026-02-{i % 28 + 1:02d}T08:00:00Z") for i in range(20)]
    may = [(f"MAY{i:03d}", f"2026-05-{i % 28 + 1:02d}T08:00:00Z") for i in range(10)]
    report = ingest_rows(gov, admin, rows(jan + feb + may))
    assert report.stored == 60
    with gov.engine.connect() as conn:
        months = [p.name for p in partitions.partitions(conn)]
        pg = partitions.is_partitioned(conn)
    assert pg == (gov.engine.dialect.name == "postgresql")
    if pg:  # ingestion created the months it wrote
        assert months == ["reads_y2026m01", "reads_y2026m02", "reads_y2026m05"]
    place_hold(gov, admin, "2026-CR-77", "investigation into a stolen vehicle",
               dt.datetime(2026, 2, 1, tzinfo=dt.UTC), dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
               plate="FEB005")

    dry = purge(gov, admin, RetentionPolicy(reads_days=60), now=NOW, dry_run=True)
    assert (dry.expired, dry.held, dry.deleted) == (50, 1, 49)
    assert count(gov) == 60  # a dry run deletes nothing
    done = purge(gov, admin, RetentionPolicy(reads_days=60), now=NOW)
    assert (done.expired, done.held, done.deleted) == (50, 1, 49)
    # January went as a whole partition on PostgreSQL; February keeps its held read.
    assert done.partitions_dropped == (["reads_y2026m01"] if pg else [])
    assert count(gov) == 11
    with gov.Session() as s:
        assert s.scalars(select(Read.plate).where(Read.read_at < dt.datetime(
            2026, 3, 1, tzinfo=dt.UTC))).all() == ["FEB005"]
    with gov.engine.connect() as conn:
        left = [p.name for p in partitions.partitions(conn)]
    assert left == (["reads_y2026m02", "reads_y2026m05"] if pg else [])
    # New reads for the dropped month still have a home (the month is created again).
    assert ingest_rows(gov, admin, rows([("LATE001", "2026-01-15T09:00:00Z")])).stored == 1


def test_a_month_dropped_behind_an_engine_is_created_again_by_a_new_one(world, db_url):
    """Which months exist is remembered per engine, not per URL: after the month is gone
    (another process's purge, a store restored or made again at the same URL) a new engine
    creates it again rather than sending its reads to reads_default."""
    gov, admin = world
    assert ingest_rows(gov, admin, rows([("MAY001", "2026-05-02T10:00:00Z")])).stored == 1
    with gov.engine.begin() as conn:
        pg = partitions.is_partitioned(conn)
        if pg:
            conn.execute(text("ALTER TABLE reads DETACH PARTITION reads_y2026m05"))
            conn.execute(text("DROP TABLE reads_y2026m05"))
    again, admin = department_again(db_url)
    assert ingest_rows(again, admin, rows([("MAY002", "2026-05-03T10:00:00Z")])).stored == 1
    with again.engine.connect() as conn:
        assert [p.name for p in partitions.partitions(conn)] == (
            ["reads_y2026m05"] if pg else [])
        if pg:
            assert conn.scalar(text(f"SELECT count(*) FROM {partitions.DEFAULT}")) == 0
    again.engine.dispose()


def test_hits_follow_their_reads_into_partitions(world, tmp_path):
    from alpr.governance.hotlists import load_list

    gov, admin = world
    lst = tmp_path / "ncic.txt"
    lst.write_text("ABC123;CA;stolen_vehicle;N1\n")
    load_list(gov, admin, lst)
    report = ingest_rows(gov, admin, rows([("ABC123", "2026-05-02T10:00:00Z"),
                                           ("XYZ999", "2026-05-02T10:01:00Z")]))
    assert report.hits == 1
    with gov.Session() as s:
        hit = s.scalars(select(Hit)).one()
        read = s.get(Read, hit.read_id)
        assert read is not None and read.plate == "ABC123"
        assert hit.read_at == read.read_at


def test_migration_to_partitions_keeps_every_read(db_url):
    """Reads a release at revision 0005 stored (before partitioning) keep their ids through
    migration 0006 and those after it, and the id sequence carries on after them."""
    downgrade(db_url, "0005")
    times = [("OLD001", "2025-11-30T23:59:59Z"), ("OLD002", "2025-12-01T00:00:00Z"),
             ("OLD003", "2026-02-14T12:00:00Z")]
    _store_at_0005(db_url, times)
    engine = make_engine(db_url)
    with engine.connect() as c:
        before = c.execute(select(Read.id, Read.plate).order_by(Read.id)).all()
    engine.dispose()
    assert [p for _, p in before] == ["OLD001", "OLD002", "OLD003"]

    upgrade(db_url)
    gov, admin = department_again(db_url)
    with gov.Session() as s:
        assert s.execute(select(Read.id, Read.plate).order_by(Read.id)).all() == before
    with gov.engine.connect() as conn:
        if partitions.is_partitioned(conn):
            assert [p.name for p in partitions.partitions(conn)] == [
                "reads_y2025m11", "reads_y2025m12", "reads_y2026m01", "reads_y2026m02"]
    # The id sequence carries on after the copied rows.
    ingest_rows(gov, admin, rows([("NEW001", "2026-03-01T00:00:00Z")]), match=False)
    with gov.Session() as s:
        new_id = s.scalar(select(Read.id).where(Read.plate == "NEW001"))
    assert new_id == max(i for i, _ in before) + 1
    gov.engine.dispose()


def _store_at_0005(url, times):
    """What a release at revision 0005 had stored: administrator 'chief' (password PW,
    certified), camera CAM-1 and the reads at ``times``, their ids from the table's own
    sequence. Written in that revision's columns: today's governance layer writes ones that
    came later (audit key ids and record digests in 0009, read keys in 0010)."""
    from sqlalchemy import Boolean, Date, Float, Integer, String, column, insert, table
    from store_kit import PW

    from alpr.governance.passwords import hash_password
    from alpr.store.schema import CERTIFICATIONS
    from alpr.store.times import UTCDateTime
    from alpr.utc import parse_utc

    users = table("users", column("username", String), column("full_name", String),
                  column("role", String), column("password_hash", String),
                  column("failed_logins", Integer), column("locked", Boolean),
                  column("active", Boolean), column("created_at", UTCDateTime()))
    certifications = table("certifications", column("user_id", Integer), column("kind", String),
                           column("issued_on", Date), column("expires_on", Date),
                           column("recorded_by", Integer))
    cameras = table("cameras", column("name", String), column("kind", String),
                    column("in_service", Boolean))
    reads = table("reads", column("read_at", UTCDateTime()), column("camera_id", Integer),
                  column("plate", String), column("confidence", Float),
                  column("ingested_by", Integer))
    engine = make_engine(url)
    with engine.begin() as c:
        chief = c.execute(insert(users).values(
            username="chief", full_name="A. Chief", role="administrator",
            password_hash=hash_password(PW), failed_logins=0, locked=False, active=True,
            created_at=NOW).returning(column("id", Integer))).scalar_one()
        for kind in CERTIFICATIONS:
            c.execute(insert(certifications).values(
                user_id=chief, kind=kind, issued_on=dt.date(2025, 1, 1),
                expires_on=dt.date(2027, 1, 1), recorded_by=chief))
        cam = c.execute(insert(cameras).values(name="CAM-1", kind="stationary", in_service=True)
                        .returning(column("id", Integer))).scalar_one()
        for plate, t in times:
            c.execute(insert(reads).values(read_at=parse_utc(t, "read_at"), camera_id=cam, plate=plate,
                                           confidence=0.9, ingested_by=chief))
    engine.dispose()


def department_again(url):
    from store_kit import PW

    from alpr.governance.access import Governance
    from alpr.store.db import make_engine

    gov = Governance(make_engine(url), today=lambda: dt.date(2026, 6, 1))
    return gov, gov.login("chief", PW)
