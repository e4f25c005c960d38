"""Reads partitioned by month on PostgreSQL: retention drops whole months, data survives the
migration, and SQLite (no partitions) gives the same answers row by row."""

import datetime as dt

import pytest
from sqlalchemy import func, select
from store_kit import add_user, department

from alpr.governance.records import RetentionPolicy, ingest_rows, place_hold, purge
from alpr.store import partitions
from alpr.store.db import downgrade, upgrade
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
    downgrade(db_url, "0005")
    gov, admin = department(db_url)
    gov.add_camera(admin, "CAM-1", "stationary")
    times = [("OLD001", "2025-11-30T23:59:59Z"), ("OLD002", "2025-12-01T00:00:00Z"),
             ("OLD003", "2026-02-14T12:00:00Z")]
    assert ingest_rows(gov, admin, rows(times), match=False).stored == 3
    with gov.Session() as s:
        before = s.execute(select(Read.id, Read.plate).order_by(Read.id)).all()
    gov.engine.dispose()

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


def department_again(url):
    from store_kit import PW

    from alpr.governance.access import Governance
    from alpr.store.db import make_engine

    gov = Governance(make_engine(url), today=lambda: dt.date(2026, 6, 1))
    return gov, gov.login("chief", PW)
