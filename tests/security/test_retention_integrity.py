"""Attacks on retention: a hold given in another zone still holds its reads, a non-positive
period is refused, and the dry run says exactly what the run will delete."""

import datetime as dt

import pytest
from sqlalchemy import func, select
from store_kit import PW, add_user, cli_store, department

from alpr.cli import main
from alpr.governance.records import RetentionPolicy, ingest_rows, place_hold, purge
from alpr.store.db import make_engine
from alpr.store.schema import Read, RetentionHold

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)


@pytest.fixture
def world(db_url):
    gov, admin = department(db_url)
    op = add_user(gov, admin, "ofc1")
    gov.add_camera(admin, "CAM-1", "stationary")
    gov.images.root.mkdir(parents=True, exist_ok=True)
    yield gov, admin, op
    gov.engine.dispose()


def reads_between(gov, op, start, n, step=dt.timedelta(minutes=3)):
    rows = []
    for i in range(n):
        at = start + i * step
        img = gov.images.root / f"r{i}.jpg"
        img.write_bytes(b"jpeg")
        rows.append((i + 1, {"read_at": at.isoformat(), "camera": "CAM-1", "plate": "HELD01",
                             "confidence": 0.9, "image_path": str(img)}))
    rep = ingest_rows(gov, op, rows)
    assert rep.stored == n


@pytest.mark.parametrize("hours", [-5, 14])
def test_a_hold_with_a_utc_offset_keeps_every_read_in_its_window(world, hours):
    """The attack: a hold from 2025-01-01T00:00-05:00 to 05:00-05:00 stored as 00:00-05:00
    UTC: the 97 reads of its last five hours were purged with their images."""
    gov, admin, op = world
    zone = dt.timezone(dt.timedelta(hours=hours))
    start = dt.datetime(2025, 1, 1, 0, 0, tzinfo=zone)
    end = start + dt.timedelta(hours=5)
    reads_between(gov, op, start.astimezone(dt.UTC), 97)  # 00:00 to 04:48 local
    place_hold(gov, admin, "2025-0001", "homicide investigation, vehicle of interest",
               start, end + dt.timedelta(minutes=1), plate="HELD01")
    with gov.Session() as s:
        hold = s.scalars(select(RetentionHold)).one()
    stored_start = hold.starts_at if hold.starts_at.tzinfo else hold.starts_at.replace(
        tzinfo=dt.UTC)
    assert stored_start == start  # the same instant, kept in UTC
    dry = purge(gov, admin, RetentionPolicy(365), now=NOW, dry_run=True)
    rep = purge(gov, admin, RetentionPolicy(365), now=NOW)
    assert (dry.held, dry.deleted, rep.held, rep.deleted) == (97, 0, 97, 0)
    assert rep.images_deleted == 0
    assert all((gov.images.root / f"r{i}.jpg").is_file() for i in range(97))


def test_a_hold_without_a_zone_is_refused(world):
    gov, admin, op = world
    with pytest.raises(ValueError, match="starts_at .*no UTC offset"):
        place_hold(gov, admin, "2025-0001", "homicide investigation, vehicle of interest",
                   dt.datetime(2025, 1, 1), dt.datetime(2025, 1, 2, tzinfo=dt.UTC))


def test_dry_run_counts_what_the_run_deletes(world):
    """The attack: the dry run said 0 image files where the run deleted them."""
    gov, admin, op = world
    reads_between(gov, op, dt.datetime(2025, 1, 1, tzinfo=dt.UTC), 12)
    dry = purge(gov, admin, RetentionPolicy(365), now=NOW, dry_run=True)
    assert all((gov.images.root / f"r{i}.jpg").is_file() for i in range(12))
    rep = purge(gov, admin, RetentionPolicy(365), now=NOW)
    assert (dry.deleted, dry.images_deleted) == (rep.deleted, rep.images_deleted) == (12, 12)
    # the same words but the verbs (on PostgreSQL the expired month goes as a whole partition)
    assert dry.partitions_dropped == rep.partitions_dropped
    assert str(dry).replace("would delete", "deleted").replace("would drop", "dropped") == \
        str(rep)


@pytest.mark.parametrize("days", ["-5", "0"])
def test_cli_refuses_a_non_positive_period(tmp_path, monkeypatch, capsys, days):
    url = cli_store(tmp_path)
    monkeypatch.setenv("ALPR_PASSWORD", PW)
    engine = make_engine(url)
    from alpr.governance.access import Governance

    gov = Governance(engine)
    admin = gov.login("chief", PW)
    ingest_rows(gov, admin, [(1, {"read_at": dt.datetime.now(dt.UTC).isoformat(),
                                  "camera": "CAM-1", "plate": "NEW001", "confidence": 0.9})])
    assert main(["retention", "purge", "--days", days, "--user", "chief", "--db", url]) == 2
    err = capsys.readouterr().err
    assert f"--days {days}" in err and "positive" in err and "Traceback" not in err
    with gov.Session() as s:
        assert s.scalar(select(func.count(Read.id))) == 1
    engine.dispose()


def test_cli_dry_run_and_run_agree(tmp_path, monkeypatch, capsys):
    url = cli_store(tmp_path)
    monkeypatch.setenv("ALPR_PASSWORD", PW)
    from alpr.governance.access import Governance

    gov = Governance(make_engine(url))
    admin = gov.login("chief", PW)
    gov.images.root.mkdir(parents=True, exist_ok=True)
    reads_between(gov, admin, dt.datetime(2020, 1, 1, tzinfo=dt.UTC), 4)
    assert main(["retention", "purge", "--dry-run", "--user", "chief", "--db", url]) == 0
    dry = capsys.readouterr().out
    assert main(["retention", "purge", "--user", "chief", "--db", url]) == 0
    run = capsys.readouterr().out
    assert "would delete 4 reads and 4 image file(s)" in dry
    assert "deleted 4 reads and 4 image file(s)" in run
    gov.engine.dispose()
